// `stylize` of an image: the output keeps the input's size (processing at --size), upscaled
// edge-aware so that edges are sharper than a bicubic upscale of the processing-size result
// (issue 11 bar 3), and --preserve-colors keeps the input's chroma (bar 4).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "app/core/color_preserve.h"
#include "app/core/image_io.h"
#include "app/core/resample.h"
#include "cli/cli_runner.h"
#include "support/test_support.h"

namespace pastiche::test {
namespace {

namespace fs = std::filesystem;

cv::Mat wrap(const Image8& im) { return cv::Mat(im.height, im.width, CV_8UC3, const_cast<uint8_t*>(im.pixels.data())); }

double edgeGradientEnergy(const Image8& image, const Image8& guide) {
    cv::Mat g, edges, gray, gx, gy;
    cv::cvtColor(wrap(guide), g, cv::COLOR_RGB2GRAY);
    cv::Canny(g, edges, 60, 150);
    cv::dilate(edges, edges, cv::Mat());
    cv::cvtColor(wrap(image), gray, cv::COLOR_RGB2GRAY);
    cv::Sobel(gray, gx, CV_32F, 1, 0);
    cv::Sobel(gray, gy, CV_32F, 0, 1);
    return cv::mean(gx.mul(gx) + gy.mul(gy), edges)[0];
}

class OutputSize : public ::testing::Test {
protected:
    void SetUp() override {
        if (!goldensAvailable()) GTEST_SKIP() << "goldens not made";
        dir_ = makeTempDir("outsize");
        auto photo = readImage(sharedDir() + "/media/content/stata.jpg");
        ASSERT_TRUE(photo);
        input_ = resampleImage(photo.value(), 1280, 720);
        ASSERT_TRUE(writeImage(dir_ + "/in.png", input_));
        std::ofstream v(dir_ + "/v.txt");
        for (float f : readRawFloats(goldenPath("vec_ours.bin"))) v << f << "\n";
    }
    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    Image8 stylize(const std::string& name, const std::string& flags) {
        auto r = runPastiche("stylize " + quoted(dir_ + "/in.png") + " -o " + quoted(dir_ + "/" + name) + " --style-vector " +
                             quoted(dir_ + "/v.txt") + " --backend cpu --models-dir " + quoted(modelsDir()) + " " + flags);
        EXPECT_EQ(r.exitCode, 0) << r.err;
        auto img = readImage(dir_ + "/" + name);
        EXPECT_TRUE(img);
        return img ? img.value() : Image8();
    }
    std::string dir_;
    Image8 input_;
};

TEST_F(OutputSize, KeepsTheInputSizeWithEdgesSharperThanBicubic) {
    const Image8 out = stylize("out.png", "--size 384");
    ASSERT_EQ(out.width, 1280);
    ASSERT_EQ(out.height, 720);
    const Image8 low = stylize("low.png", "--size 384 --output-size 384");
    ASSERT_EQ(low.height, 384);
    const Image8 bicubic = resampleImage(low, 1280, 720);
    const double eg = edgeGradientEnergy(out, input_), eb = edgeGradientEnergy(bicubic, input_);
    std::printf("1280x720 at --size 384: edge gradient energy guided %.0f, bicubic %.0f (x%.2f)\n", eg, eb, eg / eb);
    EXPECT_GT(eg, 1.05 * eb);
    EXPECT_GT(psnr8(out, bicubic), 25.0);  // the same picture, not the photo pasted in
    const Image8 exact = stylize("exact.png", "--size 384 --output-size 960x540");
    EXPECT_EQ(exact.width, 960);
    EXPECT_EQ(exact.height, 540);
}

TEST_F(OutputSize, PreserveColorsKeepsTheInputChroma) {
    const Image8 out = stylize("pc.png", "--size 384 --preserve-colors");
    ASSERT_EQ(out.width, input_.width);
    double worst = 0, sum = 0;
    for (size_t i = 0; i < size_t(out.width) * out.height; ++i) {
        float y0, cb0, cr0, y1, cb1, cr1;
        rgbToYCbCr(&input_.pixels[i * 3], YCbCrMatrix::Bt601, y0, cb0, cr0);
        rgbToYCbCr(&out.pixels[i * 3], YCbCrMatrix::Bt601, y1, cb1, cr1);
        const double d = std::max(std::abs(cb0 - cb1), std::abs(cr0 - cr1));
        worst = std::max(worst, d);
        sum += d;
    }
    std::printf("--preserve-colors: Cb/Cr vs input worst %.2f, mean %.3f levels\n", worst, sum / (out.width * out.height));
    EXPECT_LE(worst, 2.0);
}

TEST_F(OutputSize, RejectsABadOutputSize) {
    auto r = runPastiche("stylize " + quoted(dir_ + "/in.png") + " -o " + quoted(dir_ + "/x.png") + " --style-vector " +
                         quoted(dir_ + "/v.txt") + " --output-size 12x --models-dir " + quoted(modelsDir()));
    EXPECT_NE(r.exitCode, 0);
    EXPECT_NE(r.err.find("--output-size"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ + "/x.png"));
}

}  // namespace
}  // namespace pastiche::test
