// Portable baseline conv kernel (no intrinsics; the compiler vectorises the inner loop over output
// channels with whatever the target baseline has, SSE2 on x86-64) and the run-time kernel choice.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "engine/cpu/conv_kernels.h"
#include "engine/env_switch.h"

namespace pastiche::cpu {
namespace {

// HWIO: [ky][kx][ci][outC], so the inner loop over output channels reads contiguous weights.
std::vector<float> packHwio(const std::vector<float>& ohwi, int outC, int k, int inC) {
    std::vector<float> w(ohwi.size());
    for (int o = 0; o < outC; ++o)
        for (int t = 0; t < k * k; ++t)
            for (int i = 0; i < inC; ++i)
                w[(size_t(t) * inC + i) * outC + o] = ohwi[(size_t(o) * k * k + t) * inC + i];
    return w;
}

constexpr int kMaxChunk = 64;

void rowsGeneric(const ConvParams& p, int y0, int y1, double* sum, double* sumSq) {
    const int k = p.kernel, inC = p.inChannels, outC = p.outChannels;
    for (int y = y0; y < y1; ++y) {
        const float* inRow = p.input + size_t(y) * p.stride * p.inRowFloats;
        float* outRow = p.output + size_t(y) * p.outRowFloats;
        for (int x = 0; x < p.outWidth; ++x) {
            const float* px0 = inRow + size_t(x) * p.stride * inC;
            for (int o0 = 0; o0 < outC; o0 += kMaxChunk) {
                const int n = std::min(kMaxChunk, outC - o0);
                float acc[kMaxChunk];
                for (int o = 0; o < n; ++o) acc[o] = p.bias[o0 + o];
                for (int ky = 0; ky < k; ++ky)
                    for (int kx = 0; kx < k; ++kx) {
                        const float* px = px0 + ky * p.inRowFloats + size_t(kx) * inC;
                        const float* w = p.weights + (size_t(ky * k + kx) * inC) * outC + o0;
                        for (int i = 0; i < inC; ++i) {
                            const float v = px[i];
                            const float* wi = w + size_t(i) * outC;
                            for (int o = 0; o < n; ++o) acc[o] += v * wi[o];
                        }
                    }
                float* out = outRow + size_t(x) * outC + o0;
                for (int o = 0; o < n; ++o) out[o] = acc[o];
            }
        }
        if (sum) {
            for (int x = 0; x < p.outWidth; ++x)
                for (int o = 0; o < outC; ++o) {
                    const double v = outRow[size_t(x) * outC + o];
                    sum[o] += v;
                    sumSq[o] += v * v;
                }
        }
    }
}

template <Activation A>
void normRowT(const float* src, const float* skip, const float* scale, const float* shift, float* dst, int width,
              int C) {
    for (int x = 0; x < width; ++x) {
        const float* s = src + size_t(x) * C;
        const float* k = skip ? skip + size_t(x) * C : nullptr;
        float* d = dst + size_t(x) * C;
        for (int c = 0; c < C; ++c) {
            float v = s[c] * scale[c] + shift[c];
            if (k) v += k[c];
            if constexpr (A == Activation::Relu) v = v > 0.f ? v : 0.f;
            if constexpr (A == Activation::Sigmoid) v = 1.f / (1.f + std::exp(-v));
            d[c] = v;
        }
    }
}

}  // namespace

void normRowGeneric(const float* src, const float* skip, const float* scale, const float* shift, float* dst,
                    int width, int channels, Activation act) {
    switch (act) {
    case Activation::Relu: normRowT<Activation::Relu>(src, skip, scale, shift, dst, width, channels); break;
    case Activation::Sigmoid: normRowT<Activation::Sigmoid>(src, skip, scale, shift, dst, width, channels); break;
    case Activation::None: normRowT<Activation::None>(src, skip, scale, shift, dst, width, channels); break;
    }
}

namespace {
const ConvKernels kBaseline{"baseline", packHwio, rowsGeneric, normRowGeneric, nullptr};
}  // namespace

const ConvKernels& baselineConvKernels() { return kBaseline; }

bool cpuHasAvx2Fma() {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

const ConvKernels& bestConvKernels() {
    if (env::requested("PASTICHE_CPU_BASELINE")) return kBaseline;
    if (const ConvKernels* k = avx2ConvKernels(); k && cpuHasAvx2Fma()) return *k;
    return kBaseline;
}

#if !(defined(__x86_64__) || defined(__i386__))
const ConvKernels* avx2ConvKernels() { return nullptr; }
const WinogradKernels* avx2WinogradKernels() { return nullptr; }
#endif

}  // namespace pastiche::cpu
