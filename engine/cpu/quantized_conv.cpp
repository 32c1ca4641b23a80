#include <algorithm>
#include <climits>
#include <vector>

#include "engine/cpu/quantized_math.h"
#include "engine/cpu/quantized_ops.h"

namespace pastiche::quant {

namespace {

// Per output channel requantization, in both semantics.
struct ChannelRequant {
    std::vector<int32_t> multiplier;
    std::vector<int> shift;
    std::vector<float> scale;
    int32_t qmin = -128, qmax = 127, zeroPoint = 0;
    Requant mode = Requant::Tflite;

    ChannelRequant(const StyleOp& op, QParams inQ, QParams outQ, int channels, Requant m) : mode(m) {
        // XNNPACK rejects requantization scales >= 256; the delegate then leaves the op to TFLite's
        // own kernel, and so do we.
        multiplier.resize(size_t(channels));
        shift.resize(size_t(channels));
        scale.resize(size_t(channels));
        for (int c = 0; c < channels; ++c) {
            const float ws = op.weightQuant.scale[size_t(c)];
            // TFLite: double(input_scale) * double(filter_scale) / double(output_scale)
            quantizeMultiplier(double(inQ.scale) * double(ws) / double(outQ.scale), &multiplier[size_t(c)],
                               &shift[size_t(c)]);
            // XNNPACK: input_scale * kernel_scale / output_scale in float
            scale[size_t(c)] = inQ.scale * ws / outQ.scale;
            if (!(scale[size_t(c)] < 256.f)) mode = Requant::Tflite;
        }
        zeroPoint = outQ.zeroPoint;
        activationRange(op.relu6, outQ.scale, outQ.zeroPoint, &qmin, &qmax);
    }
    // acc64 = accumulator + bias, clamped to int32 as TFLite's int32 arithmetic would hold it.
    int8_t apply(int64_t acc64, int c) const {
        const int32_t acc = int32_t(std::clamp<int64_t>(acc64, INT32_MIN, INT32_MAX));
        int32_t v;
        if (mode == Requant::Tflite) {
            v = multiplyByQuantizedMultiplier(acc, multiplier[size_t(c)], shift[size_t(c)]) + zeroPoint;
            v = std::clamp(v, qmin, qmax);
        } else {
            v = requantizeFp32(acc, scale[size_t(c)], zeroPoint, qmin, qmax);
        }
        return int8_t(v);
    }
};

// TFLite's SAME padding: total = max((out - 1) * stride + k - in, 0), before = total / 2.
int padBefore(const StyleOp& op, int in, int out, int k, int stride) {
    if (op.padding == PaddingKind::Valid) return 0;
    return std::max((out - 1) * stride + k - in, 0) / 2;
}

}  // namespace

void conv2d(const StyleOp& op, const int8_t* in, QShape is, QParams inQ, int8_t* out, QShape os, QParams outQ,
            Requant mode, int threads) {
    const ChannelRequant rq(op, inQ, outQ, os.c, mode);
    const int kh = op.kernelH, kw = op.kernelW, sh = op.strideH, sw = op.strideW;
    const int padT = padBefore(op, is.h, os.h, kh, sh), padL = padBefore(op, is.w, os.w, kw, sw);
    const int32_t inOffset = -inQ.zeroPoint;
    const bool pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1;
    // int16 operands let the compiler use multiply-add pairs (pmaddwd) in the dot products.
    const std::vector<int16_t> w16(op.weights.begin(), op.weights.end());
    const size_t patchSize = size_t(kh) * kw * is.c;
    parallelFor(os.h, threads, [&](int y0, int y1) {
        std::vector<int16_t> px(size_t(is.c));
        std::vector<int16_t> patch(patchSize);
        for (int oy = y0; oy < y1; ++oy) {
            for (int ox = 0; ox < os.w; ++ox) {
                int8_t* o = out + (size_t(oy) * os.w + ox) * os.c;
                if (pointwise) {
                    const int8_t* p = in + (size_t(oy) * is.w + ox) * is.c;
                    for (int i = 0; i < is.c; ++i) px[size_t(i)] = int16_t(p[i] + inOffset);
                    for (int oc = 0; oc < os.c; ++oc) {
                        const int16_t* w = w16.data() + size_t(oc) * is.c;
                        const int16_t* x = px.data();
                        int32_t acc = 0;
                        for (int i = 0; i < is.c; ++i) acc += int32_t(x[i]) * int32_t(w[i]);
                        o[oc] = rq.apply(int64_t(acc) + op.bias[size_t(oc)], oc);
                    }
                    continue;
                }
                // Gather the patch (x - zero point; 0 where padded) once, then one dot product per
                // output channel against the OHWI weights.
                int16_t* pp = patch.data();
                for (int ky = 0; ky < kh; ++ky) {
                    const int iy = oy * sh - padT + ky;
                    for (int kx = 0; kx < kw; ++kx, pp += is.c) {
                        const int ix = ox * sw - padL + kx;
                        if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) {
                            std::fill(pp, pp + is.c, int16_t(0));
                            continue;
                        }
                        const int8_t* p = in + (size_t(iy) * is.w + ix) * is.c;
                        for (int i = 0; i < is.c; ++i) pp[i] = int16_t(int32_t(p[i]) + inOffset);
                    }
                }
                for (int oc = 0; oc < os.c; ++oc) {
                    const int16_t* w = w16.data() + size_t(oc) * patchSize;
                    const int16_t* x = patch.data();
                    int32_t acc = 0;
                    for (size_t i = 0; i < patchSize; ++i) acc += int32_t(x[i]) * int32_t(w[i]);
                    o[oc] = rq.apply(int64_t(acc) + op.bias[size_t(oc)], oc);
                }
            }
        }
    });
}

void depthwiseConv2d(const StyleOp& op, const int8_t* in, QShape is, QParams inQ, int8_t* out, QShape os,
                     QParams outQ, Requant mode, int threads) {
    const ChannelRequant rq(op, inQ, outQ, os.c, mode);
    const int kh = op.kernelH, kw = op.kernelW, sh = op.strideH, sw = op.strideW;
    const int padT = padBefore(op, is.h, os.h, kh, sh), padL = padBefore(op, is.w, os.w, kw, sw);
    const int32_t inOffset = -inQ.zeroPoint;
    const std::vector<int16_t> w16(op.weights.begin(), op.weights.end());
    parallelFor(os.h, threads, [&](int y0, int y1) {
        std::vector<int32_t> acc(size_t(os.c));
        std::vector<int16_t> px(size_t(os.c));
        for (int oy = y0; oy < y1; ++oy) {
            for (int ox = 0; ox < os.w; ++ox) {
                std::fill(acc.begin(), acc.end(), 0);
                for (int ky = 0; ky < kh; ++ky) {
                    const int iy = oy * sh - padT + ky;
                    if (iy < 0 || iy >= is.h) continue;
                    for (int kx = 0; kx < kw; ++kx) {
                        const int ix = ox * sw - padL + kx;
                        if (ix < 0 || ix >= is.w) continue;
                        const int8_t* p = in + (size_t(iy) * is.w + ix) * is.c;
                        const int16_t* w = w16.data() + (size_t(ky) * kw + kx) * os.c;
                        int16_t* x = px.data();
                        int32_t* a = acc.data();
                        for (int c = 0; c < os.c; ++c) x[c] = int16_t(int32_t(p[c]) + inOffset);
                        for (int c = 0; c < os.c; ++c) a[c] += int32_t(x[c]) * int32_t(w[c]);
                    }
                }
                int8_t* o = out + (size_t(oy) * os.w + ox) * os.c;
                for (int c = 0; c < os.c; ++c) o[c] = rq.apply(int64_t(acc[size_t(c)]) + op.bias[size_t(c)], c);
            }
        }
    });
}

}  // namespace pastiche::quant
