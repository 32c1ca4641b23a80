#include "app/core/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pastiche {

namespace {

// One output sample's source taps along an axis: OpenCV's INTER_AREA weights (the share of the
// output cell each source pixel covers), padded with zero weights to a fixed tap count.
struct AreaTaps {
    int taps = 0;               // per output index
    std::vector<int> first;     // first source index of each output index
    std::vector<float> weight;  // taps weights per output index
};

// As OpenCV's computeResizeAreaTab: same cells, same 1e-3 slivers left out, same float weights.
AreaTaps areaTaps(int srcSize, int dstSize) {
    const double scale = 1.0 / (double(dstSize) / srcSize);  // as cv::resize derives it
    AreaTaps t;
    t.taps = int(std::ceil(scale)) + 1;
    t.first.resize(size_t(dstSize));
    t.weight.assign(size_t(dstSize) * t.taps, 0.f);
    for (int d = 0; d < dstSize; ++d) {
        const double f1 = d * scale, f2 = f1 + scale;
        const double cell = std::min(scale, srcSize - f1);
        int s2 = std::min(int(std::floor(f2)), srcSize - 1);
        int s1 = std::min(int(std::ceil(f1)), s2);
        int first = s1, n = 0;
        float* w = &t.weight[size_t(d) * t.taps];
        auto add = [&](int s, double v) {
            if (n == 0) first = s;
            w[s - first] = float(v);  // taps are consecutive source indices
            ++n;
        };
        if (s1 - f1 > 1e-3) add(s1 - 1, (s1 - f1) / cell);
        for (int s = s1; s < s2; ++s) add(s, 1.0 / cell);
        if (f2 - s2 > 1e-3) add(s2, std::min(std::min(f2 - s2, 1.0), cell) / cell);
        // Keep the window inside the source: shift it left near the end (extra weights are 0).
        if (first + t.taps > srcSize) {
            const int shift = first + t.taps - srcSize;
            for (int k = t.taps - 1; k >= 0; --k) w[k] = k >= shift ? w[k - shift] : 0.f;
            first -= shift;
        }
        t.first[size_t(d)] = first;
    }
    return t;
}

#if !defined(__SSE2__)
// Round to nearest, ties to even (OpenCV's cvRound), then saturate.
inline uint8_t roundToByte(float v) { return uint8_t(std::clamp(int(std::nearbyint(v)), 0, 255)); }
#endif

// Area averaging for a non-integer shrink, in two separable passes: rows first (whole rows of
// floats, which the compiler vectorises), then columns on the few output rows. It matches
// cv::resize(INTER_AREA) to within one level (float summation order) without its thread pool,
// which on a 2-core machine only competed with the stylizer's threads.
void areaShrink(const Image8& in, Image8& out) {
    const int sw = in.width, sh = in.height, dw = out.width, dh = out.height;
    const AreaTaps tx = areaTaps(sw, dw), ty = areaTaps(sh, dh);
    const size_t rowLen = size_t(sw) * 3;
    std::vector<float> acc(rowLen + 1);  // + 1: the SSE column pass loads 4 floats a pixel
    const uint8_t* src = in.pixels.data();
    for (int dy = 0; dy < dh; ++dy) {
        const float* wy = &ty.weight[size_t(dy) * ty.taps];
        const uint8_t* row0 = src + size_t(ty.first[size_t(dy)]) * rowLen;
        float* a = acc.data();
        // All of this row's taps in one pass over the columns (one write per float, vectorised).
        int k = 0;
        {
            const float w0 = wy[0];
            if (ty.taps >= 2) {
                const float w1 = wy[1];
                const uint8_t* r1 = row0 + rowLen;
                for (size_t i = 0; i < rowLen; ++i) a[i] = w0 * float(row0[i]) + w1 * float(r1[i]);
                k = 2;
            } else {
                for (size_t i = 0; i < rowLen; ++i) a[i] = w0 * float(row0[i]);
                k = 1;
            }
        }
        for (; k + 1 < ty.taps; k += 2) {
            const float w0 = wy[k], w1 = wy[k + 1];
            const uint8_t* r0 = row0 + size_t(k) * rowLen;
            const uint8_t* r1 = r0 + rowLen;
            for (size_t i = 0; i < rowLen; ++i) a[i] = (a[i] + w0 * float(r0[i])) + w1 * float(r1[i]);
        }
        for (; k < ty.taps; ++k) {
            const float w0 = wy[k];
            const uint8_t* r0 = row0 + size_t(k) * rowLen;
            for (size_t i = 0; i < rowLen; ++i) a[i] += w0 * float(r0[i]);
        }
        uint8_t* dst = out.pixels.data() + size_t(dy) * dw * 3;
        for (int dx = 0; dx < dw; ++dx) {
            const float* wx = &tx.weight[size_t(dx) * tx.taps];
            const float* p = acc.data() + size_t(tx.first[size_t(dx)]) * 3;
#if defined(__SSE2__)
            // R, G, B (and the next pixel's R, ignored) of each tap at once; acc has a float of
            // padding for the last pixel's load.
            __m128 sum = _mm_setzero_ps();
            for (int t = 0; t < tx.taps; ++t, p += 3)
                sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(wx[t]), _mm_loadu_ps(p)));
            const __m128i rounded = _mm_cvtps_epi32(sum);  // ties to even, as cvRound
            const __m128i words = _mm_packs_epi32(rounded, rounded);
            const __m128i bytes = _mm_packus_epi16(words, words);
            const auto rgbx = uint32_t(_mm_cvtsi128_si32(bytes));
            dst[dx * 3 + 0] = uint8_t(rgbx);
            dst[dx * 3 + 1] = uint8_t(rgbx >> 8);
            dst[dx * 3 + 2] = uint8_t(rgbx >> 16);
#else
            float r = 0, g = 0, b = 0;
            for (int t = 0; t < tx.taps; ++t, p += 3) {
                r += wx[t] * p[0];
                g += wx[t] * p[1];
                b += wx[t] * p[2];
            }
            dst[dx * 3 + 0] = roundToByte(r);
            dst[dx * 3 + 1] = roundToByte(g);
            dst[dx * 3 + 2] = roundToByte(b);
#endif
        }
    }
}

}  // namespace

void resampleInto(const Image8& in, Image8& out) {
    const int width = out.width, height = out.height;
    if (in.width == width && in.height == height) {
        out.pixels = in.pixels;
        return;
    }
    if (in.empty() || width <= 0 || height <= 0) return;
    const bool shrinking = width <= in.width && height <= in.height;
    // Integer factors take OpenCV's exact fast path (integer sums); other shrinks our own.
    if (shrinking && (in.width % width != 0 || in.height % height != 0)) {
        areaShrink(in, out);
        return;
    }
    const cv::Mat src(in.height, in.width, CV_8UC3, const_cast<uint8_t*>(in.pixels.data()));
    cv::Mat dst(height, width, CV_8UC3, out.pixels.data());
    cv::resize(src, dst, cv::Size(width, height), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
}

Image8 resampleImage(const Image8& in, int width, int height) {
    if (in.width == width && in.height == height) return in;
    Image8 out(width, height);
    if (in.empty() || width <= 0 || height <= 0) return out;
    resampleInto(in, out);
    return out;
}

}  // namespace pastiche
