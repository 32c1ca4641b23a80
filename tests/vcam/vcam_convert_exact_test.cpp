// The vectorised RGB -> YUY2/NV12/I420 rows against the previous per-pixel loops (kept here as the
// reference): the same bytes, padding included, at odd widths, with padded strides, on noise and on
// saturated colours.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>

#include "app/vcam/frame_layout.h"

namespace pastiche {
namespace {

using vcam::FrameLayout;
using vcam::OutputFormat;

// The previous implementation (per-pixel loops over interleaved RGB), verbatim.
uint8_t luma(int r, int g, int b) { return uint8_t(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16); }
uint8_t cb(int r, int g, int b) { return uint8_t(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128); }
uint8_t cr(int r, int g, int b) { return uint8_t(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128); }

// Rows are converted straight from the source rows; chroma from the sums of each block (the
// frame is at the output size, whose width and height are even for the formats that subsample).
void convertYuy2(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    for (int y = 0; y < l.height; ++y) {
        uint8_t* row = dst + l.offset[0] + y * l.stride[0];
        const uint8_t* p = &img.pixels[size_t(y) * img.width * 3];
        for (int x = 0; x + 1 < l.width; x += 2, p += 6, row += 4) {
            const int r = (p[0] + p[3] + 1) >> 1, g = (p[1] + p[4] + 1) >> 1, b = (p[2] + p[5] + 1) >> 1;
            row[0] = luma(p[0], p[1], p[2]);
            row[1] = cb(r, g, b);
            row[2] = luma(p[3], p[4], p[5]);
            row[3] = cr(r, g, b);
        }
    }
}

void convertLuma(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    for (int y = 0; y < l.height; ++y) {
        uint8_t* row = dst + l.offset[0] + y * l.stride[0];
        const uint8_t* src = &img.pixels[size_t(y) * img.width * 3];
        for (int x = 0; x < l.width; ++x, src += 3) row[x] = luma(src[0], src[1], src[2]);
    }
}

void convert420(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    convertLuma(img, l, dst);
    const bool interleaved = l.format == OutputFormat::Nv12;
    const size_t rowBytes = size_t(img.width) * 3;
    for (int y = 0; y < l.height / 2; ++y) {
        uint8_t* u = dst + l.offset[1] + y * l.stride[1];
        uint8_t* v = interleaved ? u + 1 : dst + l.offset[2] + y * l.stride[2];
        const int step = interleaved ? 2 : 1;
        const uint8_t* a = &img.pixels[size_t(2 * y) * rowBytes];
        const uint8_t* b = a + rowBytes;
        for (int x = 0; x < l.width / 2; ++x, a += 6, b += 6) {
            const int r = (a[0] + a[3] + b[0] + b[3] + 2) >> 2;
            const int g = (a[1] + a[4] + b[1] + b[4] + 2) >> 2;
            const int bl = (a[2] + a[5] + b[2] + b[5] + 2) >> 2;
            u[x * step] = cb(r, g, bl);
            v[x * step] = cr(r, g, bl);
        }
    }
}

void referenceConvert(const Image8& img, const FrameLayout& l, uint8_t* dst) {
    if (l.format == OutputFormat::Yuy2)
        convertYuy2(img, l, dst);
    else
        convert420(img, l, dst);
}

TEST(VcamConvertExact, SameBytesAsThePreviousLoops) {
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

// Issue 13, bar 3: what a new 1280x720 frame costs the camera's thread, the vectorised rows beside
// the per-pixel loops they replaced, alternated in one run (medians of 5 rounds of 20).
TEST(VcamConvertBench, VectorisedRowsBesideThePreviousLoops) {
    Image8 img(1280, 720);
    std::mt19937 rng(7);
    for (auto& v : img.pixels) v = uint8_t(rng());
    for (const auto format : {OutputFormat::Yuy2, OutputFormat::Nv12, OutputFormat::I420}) {
        const FrameLayout l = vcam::defaultLayout(format, 1280, 720);
        std::vector<uint8_t> dst(l.size), copy(l.size);
        std::vector<double> ours, plain, memcpyMs;
        const auto time = [](auto&& f) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < 20; ++i) f();
            return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 20;
        };
        for (int round = 0; round < 5; ++round) {
            plain.push_back(time([&] { referenceConvert(img, l, dst.data()); }));
            ours.push_back(time([&] { vcam::convertRgb(img, l, dst.data()); }));
            memcpyMs.push_back(time([&] { std::copy(dst.begin(), dst.end(), copy.begin()); }));
        }
        for (auto* v : {&ours, &plain, &memcpyMs}) std::sort(v->begin(), v->end());
        std::printf("%s 1280x720: vectorised %.3f ms, previous loops %.3f ms (x%.1f); a repeat's copy %.3f ms\n",
                    vcam::formatName(format).c_str(), ours[2], plain[2], plain[2] / ours[2], memcpyMs[2]);
        EXPECT_EQ(copy, dst);
    }
}

}  // namespace
}  // namespace pastiche
