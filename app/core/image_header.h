// Image dimensions read from the file header alone, so an oversized image (a decompression bomb:
// a 30000x30000 PNG of a few KB) is refused before any pixel is decoded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/status.h"

namespace pastiche {

enum class ImageFormat { Unknown, Png, Jpeg, Bmp, Webp };

struct ImageHeader {
    ImageFormat format = ImageFormat::Unknown;
    int64_t width = 0, height = 0;  // 0 when the format is not one we parse (OpenCV's cap applies)
};

// Corrupt when the bytes look like a known format but its header is cut short or invalid.
Result<ImageHeader> readImageHeader(const uint8_t* data, size_t size);

const char* imageFormatName(ImageFormat format);

}  // namespace pastiche
