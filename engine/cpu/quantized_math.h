// TFLite's integer requantization arithmetic (tensorflow/lite/kernels/internal/common.h and
// quantization_util.cc), and XNNPACK's fp32 requantization, which TFLite's XNNPACK delegate uses
// for the same ops. Written without undefined behaviour for any input.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace pastiche::quant {

// QuantizeMultiplier: m = q * 2^shift with q a Q0.31 fixed-point number in [0.5, 1).
inline void quantizeMultiplier(double m, int32_t* multiplier, int* shift) {
    *multiplier = 0;
    *shift = 0;
    if (!(m > 0.0) || !std::isfinite(m)) return;
    int exp = 0;
    const double q = std::frexp(m, &exp);
    int64_t qFixed = static_cast<int64_t>(std::round(q * double(int64_t(1) << 31)));
    if (qFixed == (int64_t(1) << 31)) {
        qFixed /= 2;
        ++exp;
    }
    if (exp < -31) {
        exp = 0;
        qFixed = 0;
    }
    if (exp > 30) {
        exp = 30;
        qFixed = (int64_t(1) << 31) - 1;
    }
    *multiplier = static_cast<int32_t>(qFixed);
    *shift = exp;
}

// gemmlowp SaturatingRoundingDoublingHighMul
inline int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
    if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
    const int64_t ab = int64_t(a) * int64_t(b);
    const int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
    return static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
}

// gemmlowp RoundingDivideByPOT: x / 2^exponent, rounding half away from zero.
inline int32_t roundingDivideByPOT(int32_t x, int exponent) {
    exponent = std::clamp(exponent, 0, 31);
    const int64_t mask = (int64_t(1) << exponent) - 1;
    const int64_t remainder = int64_t(x) & mask;
    const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return static_cast<int32_t>((int64_t(x) >> exponent) + (remainder > threshold ? 1 : 0));
}

// TFLite MultiplyByQuantizedMultiplier (the double-rounding variant, TFLite's default build).
inline int32_t multiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int64_t shifted = std::clamp<int64_t>(int64_t(x) * (int64_t(1) << left), std::numeric_limits<int32_t>::min(),
                                                std::numeric_limits<int32_t>::max());
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(int32_t(shifted), multiplier), right);
}

// XNNPACK fp32 requantization: clamp(acc * scale) in float, round to nearest even, add zero point.
inline int32_t requantizeFp32(int32_t acc, float scale, int32_t zeroPoint, int32_t qmin, int32_t qmax) {
    float v = float(acc) * scale;
    v = std::max(v, float(qmin - zeroPoint));
    v = std::min(v, float(qmax - zeroPoint));
    // Round to nearest even with XNNPACK's magic-bias trick (|v| <= 255 here), which also avoids
    // a libm call per element.
    constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
    return int32_t((v + kMagic) - kMagic) + zeroPoint;
}

// Quantized activation range of a fused ReLU6 (or none) for an int8 tensor.
inline void activationRange(bool relu6, float scale, int32_t zeroPoint, int32_t* qmin, int32_t* qmax) {
    *qmin = -128;
    *qmax = 127;
    if (!relu6) return;
    *qmin = std::max<int32_t>(-128, zeroPoint + int32_t(std::round(0.f / scale)));
    const float hi = std::round(6.f / scale);
    *qmax = hi > 1e6f ? 127 : std::min<int32_t>(127, zeroPoint + int32_t(hi));
}

}  // namespace pastiche::quant
