#include "app/core/image_io.h"
#include "app/media/frame_sink.h"

namespace pastiche {

Status writeStillImage(const std::string& path, const Frame& frame, int jpegQuality) {
    if (frame.image.empty()) return Status::error(path + ": no frame to save");
    return writeImage(path, frame.image, jpegQuality);
}

}  // namespace pastiche
