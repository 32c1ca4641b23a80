#include <algorithm>
#include <cstring>

#include "engine/cpu/quantized_math.h"
#include "engine/cpu/quantized_ops.h"

namespace pastiche::quant {

namespace {

uint32_t floatBits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

}  // namespace

void add(const int8_t* a, QParams aQ, const int8_t* b, QParams bQ, int8_t* out, QParams outQ, size_t n, Requant mode) {
    // XNNPACK takes input/output scale ratios in [2^-10, 2^8); outside that the delegate leaves
    // the op to TFLite's own kernel, and so do we.
    const float aScale = aQ.scale / outQ.scale, bScale = bQ.scale / outQ.scale;
    const bool xnnpackSupports = aScale >= 0x1.0p-10f && aScale < 0x1.0p+8f && bScale >= 0x1.0p-10f && bScale < 0x1.0p+8f;
    if (mode == Requant::Tflite || !xnnpackSupports) {
        // tensorflow/lite/kernels/add.cc (int8): inputs scaled to a common 2 * max(scale) with a
        // 20-bit left shift, summed, then rescaled to the output.
        const int leftShift = 20;
        const double twiceMax = double(2 * std::max(aQ.scale, bQ.scale));
        int32_t m1, m2, mo;
        int s1, s2, so;
        quantizeMultiplier(double(aQ.scale) / twiceMax, &m1, &s1);
        quantizeMultiplier(double(bQ.scale) / twiceMax, &m2, &s2);
        quantizeMultiplier(twiceMax / double(float(1 << leftShift) * outQ.scale), &mo, &so);
        for (size_t i = 0; i < n; ++i) {
            const int32_t x = (int32_t(a[i]) - aQ.zeroPoint) * (1 << leftShift);
            const int32_t y = (int32_t(b[i]) - bQ.zeroPoint) * (1 << leftShift);
            const int32_t sum = multiplyByQuantizedMultiplier(x, m1, s1) + multiplyByQuantizedMultiplier(y, m2, s2);
            const int32_t v = multiplyByQuantizedMultiplier(sum, mo, so) + outQ.zeroPoint;
            out[i] = int8_t(std::clamp(v, -128, 127));
        }
        return;
    }
    // XNNPACK qs8 vadd: integer multipliers of ~21 bits, one rounding shift (round half up).
    const float maxScale = std::max(std::fabs(aScale), std::fabs(bScale));
    const int32_t maxExp = int32_t(floatBits(maxScale) >> 23) - 127;
    const int shift = std::clamp(20 - maxExp, 1, 31);
    const int64_t am = std::llrint(std::ldexp(double(aScale), shift));
    const int64_t bm = std::llrint(std::ldexp(double(bScale), shift));
    const int64_t bias = (int64_t(1) << (shift - 1)) - am * aQ.zeroPoint - bm * bQ.zeroPoint;
    for (size_t i = 0; i < n; ++i) {
        const int64_t acc = bias + int64_t(a[i]) * am + int64_t(b[i]) * bm;
        const int64_t v = (acc >> shift) + outQ.zeroPoint;  // arithmetic shift: floor
        out[i] = int8_t(std::clamp<int64_t>(v, -128, 127));
    }
}

}  // namespace pastiche::quant
