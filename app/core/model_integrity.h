// Models are checked against the manifest's sha256 every time they are loaded (a damaged
// .tflite often still parses and silently changes the output). Hashing is cached by file size
// and modification time in $XDG_CACHE_HOME/pastiche/verified, so an unchanged file costs a stat.
#pragma once

#include <string>

#include "app/core/model_store.h"
#include "engine/status.h"

namespace pastiche {

// The file's sha256 when it matches entry (size and hash); Corrupt naming both hashes and the
// fix (`pastiche models fetch`) otherwise. cacheDir empty = the XDG default.
Result<std::string> verifyModelFile(const std::string& path, const ManifestEntry& entry,
                                    const std::string& cacheDir = {});

}  // namespace pastiche
