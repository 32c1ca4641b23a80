#include <algorithm>
#include <climits>

#include "engine/cpu/quantized_math.h"
#include "engine/cpu/quantized_ops.h"

namespace pastiche::quant {

namespace {

int32_t clamp32(int64_t v) { return int32_t(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX)); }

}  // namespace

void meanHW(const int8_t* in, QShape is, QParams inQ, int8_t* out, QParams outQ, Requant mode) {
    const int64_t n = int64_t(is.h) * is.w;
    const float ratio = inQ.scale / outQ.scale;
    // XNNPACK's global average pooling takes input/output scale ratios in [2^-8, 2^8); outside
    // that the delegate leaves the op to TFLite's own kernel, and so do we.
    if (mode == Requant::Xnnpack && ratio >= 0x1.0p-8f && ratio < 0x1.0p+8f) {
        // (sum - n * zp_in) * (in_scale / out_scale / n) in fp32, rounded to nearest even.
        const float scale = ratio / float(n);
        for (int c = 0; c < is.c; ++c) {
            int64_t acc = -n * inQ.zeroPoint;
            for (int64_t p = 0; p < n; ++p) acc += in[size_t(p) * is.c + c];
            out[c] = int8_t(requantizeFp32(clamp32(acc), scale, outQ.zeroPoint, -128, 127));
        }
        return;
    }
    // reference_ops::Mean for quantized 4D inputs over axes {1,2}:
    // acc = sum(q) * (in_scale / (n * out_scale)) + (zp_out - int(zp_in * in_scale / out_scale))
    const float zpShift = float(inQ.zeroPoint) * inQ.scale / outQ.scale;
    const int64_t bias = outQ.zeroPoint - int64_t(std::clamp(zpShift, -1e9f, 1e9f));
    const float realScale = inQ.scale / (float(n) * outQ.scale);
    int32_t m;
    int s;
    quantizeMultiplier(double(realScale), &m, &s);
    for (int c = 0; c < is.c; ++c) {
        int64_t acc = 0;
        for (int64_t p = 0; p < n; ++p) acc += in[size_t(p) * is.c + c];
        const int64_t v = int64_t(multiplyByQuantizedMultiplier(clamp32(acc), m, s)) + bias;
        out[c] = int8_t(std::clamp<int64_t>(v, -128, 127));
    }
}

}  // namespace pastiche::quant
