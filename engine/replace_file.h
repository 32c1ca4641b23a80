// Replacing a small file whole (the Vulkan pipeline cache, the conv choices): written to a
// temporary beside it, named per process, then renamed over it. rename is atomic, so a concurrent
// reader sees the old file or the new one, never a part.
#pragma once

#include <string>
#include <string_view>

#include "engine/status.h"

namespace pastiche {

// An I/O error names the temporary that could not be written or the file that could not be
// replaced; the temporary is removed on failure. The directory must exist.
Status replaceFile(const std::string& path, std::string_view bytes);

}  // namespace pastiche
