// Image files in and out (PNG, JPEG, BMP, WebP... whatever OpenCV's imgcodecs reads), and the
// small geometric helpers the CLI and GUI share. Errors name the file and the reason.
#pragma once

#include <string>
#include <vector>

#include "app/core/atomic_output.h"
#include "app/core/sizing.h"
#include "engine/image.h"
#include "engine/status.h"

namespace pastiche {

// Bounded (regular files up to 2 GB), size-capped from the header before decoding (16384 per
// side, and within the memory limit), and PNG/JPEG checked for damage: a truncated file is a
// Corrupt error, not a grey lower half.
Result<Image8> readImage(const std::string& path);
// The same for a file already read; path only names it in messages.
Result<Image8> decodeImage(const std::vector<uint8_t>& bytes, const std::string& path);
// Format from the extension (.png, .jpg/.jpeg, .bmp, .webp, .tif). Writes NAME.part and renames
// it (AtomicOutput), so a failed write never leaves a truncated image behind.
Status writeImage(const std::string& path, const Image8& image, int jpegQuality = 95);
// The same into an output created (and locked) before the work began; commits it.
Status writeImage(AtomicOutput& output, const Image8& image, int jpegQuality = 95);
// Unsupported unless writeImage can encode this path's extension: check before a long job.
Status checkImageOutputExtension(const std::string& path);

Image8 centerCropSquare(const Image8& image);
ImageF toFloatImage(const Image8& image);   // /255
Image8 toImage8(const ImageF& image);       // *255, rounded, clamped

// InvalidArgument unless width x height is one a frame may have (the decoder's side limit).
Status checkProcessingSize(int width, int height);

}  // namespace pastiche
