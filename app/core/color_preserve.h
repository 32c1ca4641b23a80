// Colour preservation (Gatys et al. 2016, "Preserving Color in Neural Artistic Style Transfer",
// luminance-only transfer done as a post-process): the stylized picture's luminance with the
// content's chroma, in YCbCr.
#pragma once

#include "engine/image.h"

namespace pastiche {

enum class YCbCrMatrix { Bt601, Bt709 };

// stylized = Y(stylized) with Cb/Cr(content), in place; both images the same size. Where the
// stylized luminance cannot carry the content's chroma inside [0, 255] RGB it is moved to the
// nearest luminance that can, so the chroma stays the content's (within rounding).
void preserveColors(const Image8& content, Image8& stylized, YCbCrMatrix matrix = YCbCrMatrix::Bt601);

// Full-range Y, Cb, Cr (Cb/Cr centred on 128) of one RGB pixel; for tests and measurements.
void rgbToYCbCr(const uint8_t* rgb, YCbCrMatrix matrix, float& y, float& cb, float& cr);

}  // namespace pastiche
