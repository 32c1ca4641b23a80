// int8 kernels of the style network (NHWC, batch 1), with TFLite's two integer semantics:
// Requant::Tflite (TFLite's own kernels: fixed-point multipliers) and Requant::Xnnpack (TFLite's
// XNNPACK delegate: fp32 requantization). Shapes are trusted: the reader checked them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/style_network.h"

namespace pastiche::quant {

enum class Requant { Tflite, Xnnpack };

struct QShape {
    int h = 0, w = 0, c = 0;
    size_t size() const { return size_t(h) * size_t(w) * size_t(c); }
};
struct QParams {
    float scale = 1.f;
    int32_t zeroPoint = 0;
};

// CONV_2D / DEPTHWISE_CONV_2D (per-channel weights, int32 bias, SAME or VALID padding, fused
// ReLU6), split over `threads` threads by output rows.
void conv2d(const StyleOp& op, const int8_t* in, QShape inShape, QParams inQ, int8_t* out, QShape outShape,
            QParams outQ, Requant mode, int threads);
void depthwiseConv2d(const StyleOp& op, const int8_t* in, QShape inShape, QParams inQ, int8_t* out, QShape outShape,
                     QParams outQ, Requant mode, int threads);
// Elementwise ADD of two same-shaped int8 tensors.
void add(const int8_t* a, QParams aQ, const int8_t* b, QParams bQ, int8_t* out, QParams outQ, size_t n, Requant mode);
// MEAN over H and W (keep dims): [h,w,c] -> [1,1,c].
void meanHW(const int8_t* in, QShape inShape, QParams inQ, int8_t* out, QParams outQ, Requant mode);

// Runs fn(begin, end) over [0, n) split into up to `threads` contiguous chunks.
template <class Fn>
void parallelFor(int n, int threads, Fn&& fn);

}  // namespace pastiche::quant

#include <thread>
#include <vector>

template <class Fn>
void pastiche::quant::parallelFor(int n, int threads, Fn&& fn) {
    threads = std::max(1, std::min(threads, n));
    if (threads == 1) {
        fn(0, n);
        return;
    }
    std::vector<std::thread> pool;
    pool.reserve(size_t(threads - 1));
    const int chunk = (n + threads - 1) / threads;
    for (int t = 1; t < threads; ++t) {
        const int b = t * chunk, e = std::min(n, b + chunk);
        if (b < e) pool.emplace_back([&fn, b, e] { fn(b, e); });
    }
    fn(0, std::min(n, chunk));
    for (auto& th : pool) th.join();
}
