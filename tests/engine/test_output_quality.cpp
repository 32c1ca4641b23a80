// Output size and colour (issue 11): the one resampler, guided upsampling (edges sharper than a
// bicubic upscale of the processing-size result, bar 3) and colour preservation (Cb/Cr equal to
// the input's within 2 levels, bar 4).
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>

#include "app/core/color_preserve.h"
#include "app/core/guided_upsample.h"
#include "app/core/image_io.h"
#include "app/core/resample.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

cv::Mat wrap(const Image8& im) { return cv::Mat(im.height, im.width, CV_8UC3, const_cast<uint8_t*>(im.pixels.data())); }

Image8 photo(const std::string& name) {
    auto im = readImage(test::sharedDir() + "/media/" + name);
    if (!im) throw std::runtime_error(im.status().message());
    return im.value();
}

// Gradient energy of `image` on the guide's edges (Canny on the guide, dilated by one pixel).
double edgeGradientEnergy(const Image8& image, const Image8& guide) {
    cv::Mat g, edges, gray, gx, gy;
    cv::cvtColor(wrap(guide), g, cv::COLOR_RGB2GRAY);
    cv::Canny(g, edges, 60, 150);
    cv::dilate(edges, edges, cv::Mat());
    cv::cvtColor(wrap(image), gray, cv::COLOR_RGB2GRAY);
    cv::Sobel(gray, gx, CV_32F, 1, 0);
    cv::Sobel(gray, gy, CV_32F, 0, 1);
    const cv::Mat e = gx.mul(gx) + gy.mul(gy);
    return cv::mean(e, edges)[0];
}

// A stand-in for a stylized frame that keeps the photo's edges: posterised colours plus a
// texture, at processing size.
Image8 fakeStylized(const Image8& low) {
    Image8 s = low;
    for (int y = 0; y < s.height; ++y)
        for (int x = 0; x < s.width; ++x)
            for (int c = 0; c < 3; ++c) {
                uint8_t& v = s.pixels[(size_t(y) * s.width + x) * 3 + c];
                const int q = (v / 48) * 48 + 24 + int(12 * std::sin(0.9 * x + 0.6 * y + c));
                v = uint8_t(std::clamp(q, 0, 255));
            }
    return s;
}

TEST(Resample, AreaDownBicubicUpSameSizeCopies) {
    Image8 checker(8, 8);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
            for (int c = 0; c < 3; ++c) checker.pixels[(size_t(y) * 8 + x) * 3 + c] = ((x + y) % 2) ? 255 : 0;
    const Image8 half = resampleImage(checker, 4, 4);
    for (uint8_t v : half.pixels) EXPECT_NEAR(int(v), 128, 1);  // area: the mean, no aliasing
    const Image8 same = resampleImage(checker, 8, 8);
    EXPECT_EQ(same.pixels, checker.pixels);
    const Image8 up = resampleImage(half, 16, 16);
    EXPECT_EQ(up.width, 16);
    for (uint8_t v : up.pixels) EXPECT_NEAR(int(v), 128, 1);
}

TEST(GuidedUpsample, EdgesSharperThanBicubicAtTheGuidesSize) {
    const Image8 full = resampleImage(photo("content/stata.jpg"), 1280, 720);
    const Image8 low = resampleImage(full, 683, 384);
    const Image8 stylizedLow = fakeStylized(low);
    Image8 guided;
    ASSERT_TRUE(upsampleGuided(stylizedLow, full, guided).isOk());
    ASSERT_EQ(guided.width, 1280);
    ASSERT_EQ(guided.height, 720);
    const Image8 bicubic = resampleImage(stylizedLow, 1280, 720);
    const double eg = edgeGradientEnergy(guided, full), eb = edgeGradientEnergy(bicubic, full);
    std::printf("edge gradient energy: guided %.0f, bicubic %.0f (x%.2f)\n", eg, eb, eg / eb);
    EXPECT_GT(eg, 1.1 * eb);
    // Away from edges it is the bicubic upscale: the strokes keep their scale and colours.
    EXPECT_GT(test::psnr8(guided, bicubic), 25.0);
}

TEST(GuidedUpsample, SameSizeIsIdentityAndBadSizesAreErrors) {
    const Image8 a = resampleImage(photo("content/chicago.jpg"), 200, 120);
    Image8 out;
    ASSERT_TRUE(upsampleGuided(a, a, out).isOk());
    EXPECT_EQ(out.pixels, a.pixels);
    const Image8 small = resampleImage(a, 100, 60);
    Status st = upsampleGuided(a, small, out);
    EXPECT_FALSE(st.isOk());
    EXPECT_NE(st.message().find("larger than the guide"), std::string::npos);
    ASSERT_TRUE(upsampleGuided(small, a, 400, 240, out).isOk());
    EXPECT_EQ(out.width, 400);
    EXPECT_EQ(out.height, 240);
    // A processing size above the output's (--size 560 of a 474-line photo, output native) is a
    // downscale of the stylized frame, not an error.
    ASSERT_TRUE(upsampleGuided(a, small, 100, 60, out).isOk());
    EXPECT_EQ(out.pixels, resampleImage(a, 100, 60).pixels);
}

void expectChromaOf(const Image8& content, const Image8& out, YCbCrMatrix m) {
    double worst = 0;
    for (size_t i = 0; i < size_t(content.width) * content.height; ++i) {
        float y0, cb0, cr0, y1, cb1, cr1;
        rgbToYCbCr(&content.pixels[i * 3], m, y0, cb0, cr0);
        rgbToYCbCr(&out.pixels[i * 3], m, y1, cb1, cr1);
        worst = std::max({worst, double(std::abs(cb0 - cb1)), double(std::abs(cr0 - cr1))});
    }
    std::printf("preserve colours: worst Cb/Cr difference %.2f levels\n", worst);
    EXPECT_LE(worst, 2.0);
}

TEST(PreserveColors, ChromaOfTheContentLuminanceOfTheStylized) {
    const Image8 content = resampleImage(photo("content/golden_gate_sq.jpg"), 256, 256);
    const Image8 stylized = resampleImage(photo("styles/La_forma.jpg"), 256, 256);
    for (YCbCrMatrix m : {YCbCrMatrix::Bt601, YCbCrMatrix::Bt709}) {
        Image8 out = stylized;
        preserveColors(content, out, m);
        expectChromaOf(content, out, m);
        // Luminance follows the stylized picture (except where it cannot carry the chroma).
        double sum = 0;
        for (size_t i = 0; i < size_t(256) * 256; ++i) {
            float ys, yo, a, b;
            rgbToYCbCr(&stylized.pixels[i * 3], m, ys, a, b);
            rgbToYCbCr(&out.pixels[i * 3], m, yo, a, b);
            sum += std::abs(ys - yo);
        }
        EXPECT_LT(sum / (256 * 256), 6.0);
    }
    // Saturated content against extreme luminance: chroma still kept.
    Image8 sat(64, 1), extreme(64, 1);
    std::mt19937 rng(3);
    for (auto& v : sat.pixels) v = (rng() & 1) ? 255 : uint8_t(rng() % 40);
    for (size_t i = 0; i < extreme.pixels.size(); ++i) extreme.pixels[i] = (i / 3) % 2 ? 255 : 0;
    preserveColors(sat, extreme);
    expectChromaOf(sat, extreme, YCbCrMatrix::Bt601);
}

}  // namespace
}  // namespace pastiche
