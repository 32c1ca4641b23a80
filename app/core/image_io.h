// Image files in and out (PNG, JPEG, BMP, WebP... whatever OpenCV's imgcodecs reads), and the
// small geometric helpers the CLI and GUI share. Errors name the file and the reason.
#pragma once

#include <string>

#include "app/core/sizing.h"
#include "engine/image.h"
#include "engine/status.h"

namespace pastiche {

Result<Image8> readImage(const std::string& path);
// Format from the extension (.png, .jpg/.jpeg, .bmp, .webp). Writes to a temporary file and
// renames it, so a failed write never leaves a truncated image behind.
Status writeImage(const std::string& path, const Image8& image, int jpegQuality = 95);

Image8 centerCropSquare(const Image8& image);
ImageF toFloatImage(const Image8& image);   // /255
Image8 toImage8(const ImageF& image);       // *255, rounded, clamped


}  // namespace pastiche
