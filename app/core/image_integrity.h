// Full decode of PNG and JPEG data through libpng/libjpeg with their warnings treated as errors:
// OpenCV's decoders only warn on a truncated file and return the damaged image (a grey lower
// half), which would then be stylized and written with success. Memory: one row at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/status.h"

namespace pastiche {

// Corrupt with libjpeg's own message ("Premature end of JPEG file") on any warning or error.
Status checkJpegIntegrity(const uint8_t* data, size_t size);
// Corrupt on errors and on warnings about the image data; warnings about ancillary metadata
// chunks (a known-incorrect iCCP profile, a bad tEXt) are harmless and ignored.
Status checkPngIntegrity(const uint8_t* data, size_t size);

}  // namespace pastiche
