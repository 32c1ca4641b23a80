// Output names checked before work starts: the container or image format must be the one the
// extension names (a .avi must not silently receive MP4 data).
#pragma once

#include <string>

#include "engine/status.h"

namespace pastiche {

// Unsupported unless the extension is one the video sink writes (.mp4, .m4v, .mov: H.264 in
// fragmented MP4).
Status checkVideoOutputExtension(const std::string& path);

}  // namespace pastiche
