// The vectorised RGB -> YUY2/NV12/I420 rows against the plain per-pixel BT.601 formula (the
// straightforward loops this conversion had before, kept here as the reference): the same bytes,
// padding included, at odd widths, with padded strides, on noise and on saturated colours.
#include <gtest/gtest.h>

#include <random>

#include "app/vcam/frame_layout.h"

namespace pastiche {
namespace {

using vcam::FrameLayout;
using vcam::OutputFormat;

uint8_t luma(int r, int g, int b) { return uint8_t(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16); }
uint8_t cb(int r, int g, int b) { return uint8_t(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128); }
uint8_t cr(int r, int g, int b) { return uint8_t(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128); }

void referenceConvert(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    const auto px = [&](int x, int y) { return &img.pixels[(size_t(y) * img.width + x) * 3]; };
    if (l.format == OutputFormat::Yuy2) {
        for (int y = 0; y < l.height; ++y)
            for (int x = 0; x + 1 < l.width; x += 2) {
                const uint8_t *p = px(x, y), *q = px(x + 1, y);
                const int r = (p[0] + q[0] + 1) >> 1, g = (p[1] + q[1] + 1) >> 1, b = (p[2] + q[2] + 1) >> 1;
                uint8_t* o = dst + l.offset[0] + y * l.stride[0] + x * 2;
                o[0] = luma(p[0], p[1], p[2]), o[1] = cb(r, g, b), o[2] = luma(q[0], q[1], q[2]), o[3] = cr(r, g, b);
            }
        return;
    }
    for (int y = 0; y < l.height; ++y)
        for (int x = 0; x < l.width; ++x)
            dst[l.offset[0] + y * l.stride[0] + x] = luma(px(x, y)[0], px(x, y)[1], px(x, y)[2]);
    const bool nv12 = l.format == OutputFormat::Nv12;
    for (int y = 0; y < l.height / 2; ++y)
        for (int x = 0; x < l.width / 2; ++x) {
            int s[3];
            for (int c = 0; c < 3; ++c)
                s[c] = (px(2 * x, 2 * y)[c] + px(2 * x + 1, 2 * y)[c] + px(2 * x, 2 * y + 1)[c] +
                        px(2 * x + 1, 2 * y + 1)[c] + 2) >>
                       2;
            uint8_t* u = dst + l.offset[1] + y * l.stride[1] + (nv12 ? 2 * x : x);
            uint8_t* v = nv12 ? u + 1 : dst + l.offset[2] + y * l.stride[2] + x;
            *u = cb(s[0], s[1], s[2]);
            *v = cr(s[0], s[1], s[2]);
        }
}

TEST(VcamConvertExact, SameBytesAsThePerPixelFormula) {
    std::mt19937 rng(42);
    const struct {
        int w, h;
        size_t stride;
    } sizes[] = {{1280, 720, 0}, {34, 6, 0}, {2, 2, 0}, {98, 10, 256}, {66, 4, 200}};
    for (const auto format : {OutputFormat::Yuy2, OutputFormat::Nv12, OutputFormat::I420}) {
        for (const auto& s : sizes) {
            Image8 img(s.w, s.h);
            for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = uint8_t(rng());
            for (int x = 0; x < std::min(s.w, 8); ++x) {  // saturated corners of the cube
                uint8_t* p = &img.pixels[size_t(x) * 3];
                p[0] = (x & 1) ? 255 : 0, p[1] = (x & 2) ? 255 : 0, p[2] = (x & 4) ? 255 : 0;
            }
            const FrameLayout l =
                s.stride ? vcam::layoutWithStride(format, s.w, s.h, s.stride) : vcam::defaultLayout(format, s.w, s.h);
            std::vector<uint8_t> got(l.size, 0xAB), want(l.size, 0xAB);  // padding must stay untouched
            vcam::convertRgb(img, l, got.data());
            referenceConvert(img, l, want.data());
            EXPECT_EQ(got, want) << vcam::formatName(format) << " " << s.w << "x" << s.h << " stride " << l.stride[0];
        }
    }
}

}  // namespace
}  // namespace pastiche
