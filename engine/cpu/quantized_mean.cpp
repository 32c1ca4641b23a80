#include <algorithm>

#include "engine/cpu/quantized_math.h"
#include "engine/cpu/quantized_ops.h"

namespace pastiche::quant {

void meanHW(const int8_t* in, QShape is, QParams inQ, int8_t* out, QParams outQ, Requant mode) {
    const int n = is.h * is.w;
    if (mode == Requant::Tflite) {
        // reference_ops::Mean for quantized 4D inputs over axes {1,2}:
        // acc = sum(q); acc = acc * (in_scale / (n * out_scale)); + (zp_out - zp_in * in_scale / out_scale)
        const float zpShift = float(inQ.zeroPoint) * inQ.scale / outQ.scale;
        const int32_t bias = outQ.zeroPoint - int32_t(std::clamp(zpShift, -1e9f, 1e9f));
        const float realScale = inQ.scale / (float(n) * outQ.scale);
        int32_t m;
        int s;
        quantizeMultiplier(double(realScale), &m, &s);
        for (int c = 0; c < is.c; ++c) {
            int32_t acc = 0;
            for (int p = 0; p < n; ++p) acc += in[size_t(p) * is.c + c];
            const int32_t v = multiplyByQuantizedMultiplier(acc, m, s) + bias;
            out[c] = int8_t(std::clamp(v, -128, 127));
        }
        return;
    }
    // XNNPACK global average pooling (qs8): (sum - n * zp_in) * (in_scale / out_scale / n), fp32.
    const float scale = (inQ.scale / outQ.scale) / float(n);
    for (int c = 0; c < is.c; ++c) {
        int32_t acc = -n * inQ.zeroPoint;
        for (int p = 0; p < n; ++p) acc += in[size_t(p) * is.c + c];
        out[c] = int8_t(requantizeFp32(acc, scale, outQ.zeroPoint, -128, 127));
    }
}

}  // namespace pastiche::quant
