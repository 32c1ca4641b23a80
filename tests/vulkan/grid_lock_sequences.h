// Synthetic sequences for the device grid lock's tests (test_vulkan_grid_lock.cpp, engine only;
// test_grid_lock_host.cpp, against the host's GridLock): one procedural picture sampled
// analytically at moved coordinates (an exact sub-pixel pan, an exact zoom: no resampling error
// in the input), run on a fresh fp32 backend, and the measures the tests take of them.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "support/test_support.h"
#include "vulkan_test_util.h"

namespace pastiche::test::grid_lock {

// The continuous picture, 0..1: sines from 100 px down to 9 px periods in both directions, smooth
// stripes and a lattice of discs with edges ~2 px wide.
inline float pattern(double x, double y, int c) {
    const double fc = c;
    double v = 0.5 + 0.16 * std::sin(0.061 * x + 0.043 * y + fc) + 0.11 * std::sin(0.13 * x - 0.097 * y + 2 * fc) +
               0.08 * std::sin(0.31 * x + 0.17 * y + 0.5 * fc) * std::sin(0.05 * y + fc) +
               0.05 * std::sin(0.57 * x - 0.41 * y + fc) + 0.08 * std::tanh(6 * std::sin(0.021 * x + 0.033 * y));
    const double cell = 48, lx = x - cell * std::floor(x / cell) - 24, ly = y - cell * std::floor(y / cell) - 24;
    v += (c == 1 ? -0.1 : 0.1) * std::tanh((std::hypot(lx, ly) - 14) / 1.0);
    return float(std::fmin(1.0, std::fmax(0.0, v)));
}

// A frame whose pixel (x, y) shows the picture at at(x, y).
template <class F>
ImageF sampled(int w, int h, F at) {
    ImageF img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const auto [px, py] = at(double(x), double(y));
            for (int c = 0; c < 3; ++c) img.pixels[(size_t(y) * w + x) * 3 + c] = pattern(px + 31.7, py + 17.3, c);
        }
    return img;
}

// Frame t of a pan whose content moves by (sx, sy) px a frame: I_t(x) = P(x - t s).
inline ImageF panFrame(int w, int h, int t, double sx, double sy) {
    return sampled(w, h, [&](double x, double y) { return std::pair{x - t * sx, y - t * sy}; });
}

// Frame t of a zoom-in about the centre by `step` a frame: I_t(x) = P((x - c) / step^t + c).
inline ImageF zoomFrame(int w, int h, int t, double step) {
    const double s = std::pow(step, t), cx = 0.5 * (w - 1), cy = 0.5 * (h - 1);
    return sampled(w, h, [&](double x, double y) { return std::pair{(x - cx) / s + cx, (y - cy) / s + cy}; });
}

inline DeviceStability lockOf(float strength, bool gridLock, bool restart) {
    DeviceStability s;
    s.strength = strength;
    s.gridLock = gridLock;
    s.restart = restart;
    return s;
}

struct Sequence {
    std::vector<ImageF> out;
    std::vector<DeviceStabilityReport> reports;
};

// Runs the frames on a fresh fp32 backend, restarting on the first.
inline Sequence runSequence(const std::vector<ImageF>& frames, float strength, bool gridLock, unsigned seed = 21) {
    Sequence s;
    const TransferNetwork net = magentaShapedNetwork(seed);
    auto vk = makeVulkan(net, Precision::Fp32);
    if (!vk) return s;
    const int w = frames[0].width, h = frames[0].height;
    EXPECT_TRUE(vk->reshape(w, h).isOk());
    EXPECT_TRUE(vk->setStyle(randomStyle(seed)).isOk());
    for (size_t f = 0; f < frames.size(); ++f) {
        const Status st = vk->setDeviceStability(lockOf(strength, gridLock, f == 0));
        EXPECT_TRUE(st.isOk()) << st.message();
        ImageF out(w, h);
        const Status ran = vk->run(frames[f].view(), out.view());
        EXPECT_TRUE(ran.isOk()) << ran.message();
        s.out.push_back(std::move(out));
        s.reports.push_back(vk->deviceStabilityReport());
    }
    return s;
}

// PSNR of cur(x + d) against prev(x) over the interior (border px off every side of both).
inline double shiftedPsnr(const ImageF& prev, const ImageF& cur, int dx, int dy, int border) {
    double se = 0;
    size_t n = 0;
    const int w = prev.width, h = prev.height;
    for (int y = border; y < h - border; ++y)
        for (int x = border; x < w - border; ++x) {
            const int X = x + dx, Y = y + dy;
            if (X < border || X >= w - border || Y < border || Y >= h - border) continue;
            for (int c = 0; c < 3; ++c) {
                const double d =
                    double(cur.pixels[(size_t(Y) * w + X) * 3 + c]) - prev.pixels[(size_t(y) * w + x) * 3 + c];
                se += d * d;
                ++n;
            }
        }
    return n == 0 || se == 0 ? 99.0 : 10 * std::log10(double(n) / se);
}

// Mean over t >= 1 of shiftedPsnr(out_{t-1}, out_t) for content moving by d a frame.
inline double meanStepPsnr(const Sequence& s, int dx, int dy, const char* label) {
    double sum = 0;
    std::printf("%s:", label);
    for (size_t t = 1; t < s.out.size(); ++t) {
        const double p = shiftedPsnr(s.out[t - 1], s.out[t], dx, dy, 12);
        std::printf(" %.2f", p);
        sum += p;
    }
    const double mean = sum / double(s.out.size() - 1);
    std::printf(" -> mean %.2f dB\n", mean);
    return mean;
}

// a - b up to whole 4 px cells (g wraps at +-2).
inline double cellDiff(double a, double b) {
    const double d = a - b;
    return d - 4 * std::round(d / 4);
}
inline double hostOffset(double d) { return d - 4 * std::round(d / 4); }

inline void printReport(size_t f, const DeviceStabilityReport& r) {
    std::printf(
        "frame %zu: lock %d global %d sim %d reanch %d blended %d kept %.3f motion (%.4f, %.4f) offset (%.4f, %.4f) "
        "scale %.6f angle %.6f spread %.3f\n",
        f, int(r.gridLock), int(r.globalMotion), int(r.similarity), int(r.reanchored), int(r.blended), r.keptFraction,
        r.motionX, r.motionY, r.offsetX, r.offsetY, r.scaleStep, r.angleStep, r.frameSpread);
}

}  // namespace pastiche::test::grid_lock
