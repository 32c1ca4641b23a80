// The one size policy (processing and output sizes for every entry point) and the resampler
// the still and video paths share. Kept apart from image files so that a binary which only
// stylizes frames (the GPU session bench) needs no image codecs.
#pragma once

#include <string>

#include "engine/image.h"
#include "engine/status.h"

namespace pastiche {

// "native" | "N" (shorter side to N, aspect kept, rounded to even) | "WxH".
struct SizeSpec {
    enum class Mode { Native, ShortSide, Exact } mode = Mode::Native;
    int shortSide = 0, width = 0, height = 0;
    static Result<SizeSpec> parse(const std::string& text);
    void apply(int inWidth, int inHeight, int& outWidth, int& outHeight) const;
};

Image8 resizeImage(const Image8& image, int width, int height);  // area down, bilinear up

}  // namespace pastiche
