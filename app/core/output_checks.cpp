#include "app/core/output_checks.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace pastiche {

Status checkVideoOutputExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") return Status::ok();
    return Status::unsupported(path + ": video output must be .mp4 (H.264 in fragmented MP4), not '" + ext +
                               "': the file would hold a container its name does not say");
}

}  // namespace pastiche
