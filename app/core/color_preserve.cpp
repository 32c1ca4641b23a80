#include "app/core/color_preserve.h"

#include <algorithm>
#include <cmath>

namespace pastiche {
namespace {

struct Coefficients {
    float kr, kb;
};

Coefficients coefficients(YCbCrMatrix m) {
    return m == YCbCrMatrix::Bt709 ? Coefficients{0.2126f, 0.0722f} : Coefficients{0.299f, 0.114f};
}

uint8_t toByte(float v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

void rgbToYCbCr(const uint8_t* rgb, YCbCrMatrix matrix, float& y, float& cb, float& cr) {
    const Coefficients k = coefficients(matrix);
    const float r = rgb[0], g = rgb[1], b = rgb[2];
    y = k.kr * r + (1.f - k.kr - k.kb) * g + k.kb * b;
    cb = 128.f + 0.5f * (b - y) / (1.f - k.kb);
    cr = 128.f + 0.5f * (r - y) / (1.f - k.kr);
}

void preserveColors(const Image8& content, Image8& stylized, YCbCrMatrix matrix) {
    if (content.width != stylized.width || content.height != stylized.height) return;
    const Coefficients k = coefficients(matrix);
    const float kg = 1.f - k.kr - k.kb;
    const size_t n = size_t(content.width) * content.height;
    for (size_t i = 0; i < n; ++i) {
        const uint8_t* c = &content.pixels[i * 3];
        uint8_t* s = &stylized.pixels[i * 3];
        float yc, cb, cr, ys, unused1, unused2;
        rgbToYCbCr(c, matrix, yc, cb, cr);
        rgbToYCbCr(s, matrix, ys, unused1, unused2);
        // R, G, B = Y + offset(Cb, Cr): the content's chroma as offsets from luminance.
        const float dr = 2.f * (1.f - k.kr) * (cr - 128.f);
        const float db = 2.f * (1.f - k.kb) * (cb - 128.f);
        const float dg = -(k.kr * dr + k.kb * db) / kg;
        // Luminances for which every channel stays in [0, 255]; the content's own Y is one.
        const float lo = std::max({0.f, -dr, -dg, -db});
        const float hi = std::min({255.f, 255.f - dr, 255.f - dg, 255.f - db});
        const float y = lo <= hi ? std::clamp(ys, lo, hi) : yc;
        s[0] = toByte(y + dr);
        s[1] = toByte(y + dg);
        s[2] = toByte(y + db);
    }
}

}  // namespace pastiche
