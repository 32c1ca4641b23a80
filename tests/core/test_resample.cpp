// The shared resampler against OpenCV's INTER_AREA (shrinks) and INTER_CUBIC (enlargements):
// our own separable area pass must give OpenCV's picture to within one level, at the session's
// 1280x720 -> 682x384 and at odd, non-integer factors.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <opencv2/imgproc.hpp>
#include <random>

#include "app/core/resample.h"

namespace pastiche {
namespace {

Image8 noise(int w, int h, unsigned seed) {
    Image8 img(w, h);
    std::mt19937 rng(seed);
    for (auto& v : img.pixels) v = uint8_t(rng() & 255);
    // Some smooth structure too, so that rounding ties at .5 are not the only thing compared.
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) img.pixels[(size_t(y) * w + x) * 3 + 1] = uint8_t((x * 7 + y * 3) & 255);
    return img;
}

Image8 opencvResize(const Image8& in, int w, int h, int interpolation) {
    Image8 out(w, h);
    const cv::Mat src(in.height, in.width, CV_8UC3, const_cast<uint8_t*>(in.pixels.data()));
    cv::Mat dst(h, w, CV_8UC3, out.pixels.data());
    cv::resize(src, dst, cv::Size(w, h), 0, 0, interpolation);
    return out;
}

void expectWithinOneLevel(const Image8& a, const Image8& b, const char* what) {
    ASSERT_EQ(a.width, b.width) << what;
    ASSERT_EQ(a.height, b.height) << what;
    int worst = 0;
    size_t differing = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        const int d = std::abs(int(a.pixels[i]) - int(b.pixels[i]));
        worst = std::max(worst, d);
        differing += d != 0;
    }
    EXPECT_LE(worst, 1) << what;
    EXPECT_LT(double(differing) / a.pixels.size(), 0.01) << what;  // ties only, not a drift
}

TEST(Resample, AreaShrinkMatchesOpenCv) {
    const struct {
        int sw, sh, dw, dh;
    } cases[] = {
        {1280, 720, 682, 384}, {1280, 720, 683, 384}, {1920, 1080, 682, 384}, {641, 361, 384, 216},
        {1000, 37, 999, 20},   {97, 53, 31, 17},      {1280, 720, 1279, 719}, {3840, 2160, 1280, 719},
        {50, 50, 49, 3},       {7, 5, 2, 2},
    };
    unsigned seed = 1;
    for (const auto& c : cases) {
        const Image8 in = noise(c.sw, c.sh, seed++);
        const std::string what = std::to_string(c.sw) + "x" + std::to_string(c.sh) + " -> " + std::to_string(c.dw) +
                                 "x" + std::to_string(c.dh);
        expectWithinOneLevel(resampleImage(in, c.dw, c.dh), opencvResize(in, c.dw, c.dh, cv::INTER_AREA), what.c_str());
    }
}

TEST(Resample, IntegerShrinkAndEnlargementAreOpenCvExactly) {
    const Image8 in = noise(64, 48, 7);
    EXPECT_EQ(resampleImage(in, 32, 24).pixels, opencvResize(in, 32, 24, cv::INTER_AREA).pixels);
    EXPECT_EQ(resampleImage(in, 64, 12).pixels, opencvResize(in, 64, 12, cv::INTER_AREA).pixels);
    EXPECT_EQ(resampleImage(in, 100, 75).pixels, opencvResize(in, 100, 75, cv::INTER_CUBIC).pixels);
    EXPECT_EQ(resampleImage(in, 64, 48).pixels, in.pixels);
}

TEST(Resample, IntoReusesTheTargetAndEqualsTheCopy) {
    const Image8 in = noise(1280, 720, 3);
    Image8 out(682, 384);
    const uint8_t* storage = out.pixels.data();
    resampleInto(in, out);
    EXPECT_EQ(out.pixels.data(), storage);
    EXPECT_EQ(out.pixels, resampleImage(in, 682, 384).pixels);
    // A flat picture stays flat (weights sum to one at every edge of the frame).
    Image8 grey(1280, 720);
    std::fill(grey.pixels.begin(), grey.pixels.end(), uint8_t(200));
    resampleInto(grey, out);
    for (uint8_t v : out.pixels) ASSERT_EQ(v, 200);
}

// Issue 10, bar 5: the live path's 1280x720 -> 682x384 shrink, ours beside cv::resize(INTER_AREA)
// (which also uses OpenCV's worker threads), alternated in one run: wall and process CPU time,
// medians of 5 rounds of 20.
TEST(ResampleBench, AreaShrinkBesideOpenCv) {
    const Image8 in = noise(1280, 720, 11);
    Image8 ours(682, 384), theirs(682, 384);
    const auto cpuMs = [] {
        timespec t{};
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
    };
    const auto time = [&](auto&& f, double& cpu) {
        const double c0 = cpuMs();
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 20; ++i) f();
        cpu = (cpuMs() - c0) / 20;
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 20;
    };
    std::vector<double> wallOurs, cpuOurs, wallCv, cpuCv;
    for (int round = 0; round < 5; ++round) {
        double c = 0;
        wallCv.push_back(time([&] { theirs = opencvResize(in, 682, 384, cv::INTER_AREA); }, c));
        cpuCv.push_back(c);
        wallOurs.push_back(time([&] { resampleInto(in, ours); }, c));
        cpuOurs.push_back(c);
    }
    for (auto* v : {&wallOurs, &cpuOurs, &wallCv, &cpuCv}) std::sort(v->begin(), v->end());
    std::printf("1280x720 -> 682x384: ours %.2f ms (%.2f ms CPU), cv::resize INTER_AREA %.2f ms (%.2f ms CPU)\n",
                wallOurs[2], cpuOurs[2], wallCv[2], cpuCv[2]);
    expectWithinOneLevel(ours, theirs, "bench frame");
}

}  // namespace
}  // namespace pastiche
