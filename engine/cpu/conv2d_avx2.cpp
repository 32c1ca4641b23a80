// AVX2/FMA convolution kernels (this file is compiled with -mavx2 -mfma; it runs only when
// cpuHasAvx2Fma()). Two register-tiled direct convolutions over NHWC, chosen by shape:
//  - output channels a multiple of 8 (every layer but the last): 8 output channels per vector,
//    input values broadcast; a tile of R output pixels x NB channel blocks stays in registers
//    for the whole kernel window (R * NB = 12 accumulators).
//  - fewer output channels but input channels a multiple of 8 (the final 8 -> 3 layer): input
//    channels per vector, R pixels x CO output channels accumulated, summed horizontally at the
//    end, so no lanes are wasted on the 3 output channels.
// Anything else falls back to the portable baseline.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>

#include "engine/cpu/conv_kernels.h"

namespace pastiche::cpu {
namespace {

constexpr int kGroup = 32;  // output channels per weight group (4 vectors)

enum class Route { OcVector, CiVector, Baseline };

Route route(int outC, int inC) {
    if (outC % 8 == 0) return Route::OcVector;
    if (inC % 8 == 0) return Route::CiVector;
    return Route::Baseline;
}

std::vector<float> pack(const std::vector<float>& ohwi, int outC, int k, int inC) {
    switch (route(outC, inC)) {
    case Route::OcVector: {
        // [group][ky][kx][ci][groupWidth]
        std::vector<float> w(ohwi.size());
        size_t off = 0;
        for (int g0 = 0; g0 < outC; g0 += kGroup) {
            const int gw = std::min(kGroup, outC - g0);
            for (int t = 0; t < k * k; ++t)
                for (int i = 0; i < inC; ++i)
                    for (int o = 0; o < gw; ++o) w[off++] = ohwi[(size_t(g0 + o) * k * k + t) * inC + i];
        }
        return w;
    }
    case Route::CiVector:
        return ohwi;  // OHWI: per output channel, the input channels are contiguous
    case Route::Baseline:
        break;
    }
    return baselineConvKernels().pack(ohwi, outC, k, inC);
}

// R output pixels x NB blocks of 8 output channels.
template <int R, int NB, int KT = 0, int ICT = 0>
inline void tileOc(const float* in, size_t inRow, int pixStep, int inCr, int kr, const float* w, int gw,
                   const float* bias, float* out, int outC) {
    const int k = KT ? KT : kr;
    const int inC = ICT ? ICT : inCr;
    __m256 acc[R][NB];
#pragma GCC unroll 16
    for (int b = 0; b < NB; ++b) {
        const __m256 bv = _mm256_loadu_ps(bias + b * 8);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) acc[r][b] = bv;
    }
    for (int ky = 0; ky < k; ++ky) {
        const float* rowp = in + ky * inRow;
        for (int kx = 0; kx < k; ++kx) {
            const float* p = rowp + kx * inC;
            const float* wk = w + size_t(ky * k + kx) * inC * gw;
            for (int ci = 0; ci < inC; ++ci) {
                __m256 wv[NB];
#pragma GCC unroll 16
                for (int b = 0; b < NB; ++b) wv[b] = _mm256_loadu_ps(wk + ci * gw + b * 8);
#pragma GCC unroll 16
                for (int r = 0; r < R; ++r) {
                    const __m256 x = _mm256_broadcast_ss(p + r * pixStep + ci);
#pragma GCC unroll 16
                    for (int b = 0; b < NB; ++b) acc[r][b] = _mm256_fmadd_ps(x, wv[b], acc[r][b]);
                }
            }
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int b = 0; b < NB; ++b) _mm256_storeu_ps(out + r * outC + b * 8, acc[r][b]);
}

template <int R, int NB, int KT = 0, int ICT = 0>
inline int runTilesOc(const ConvParams& p, const float* inRow, const float* w, int gw, const float* bias,
                      float* outRow, int x, int xEnd) {
    const int pixStep = p.stride * p.inChannels;
    for (; x + R <= xEnd; x += R)
        tileOc<R, NB, KT, ICT>(inRow + size_t(x) * pixStep, p.inRowFloats, pixStep, p.inChannels, p.kernel, w, gw, bias,
                      outRow + size_t(x) * p.outChannels, p.outChannels);
    return x;
}

template <int NB, int R>
void rowOcGroup(const ConvParams& p, const float* inRow, const float* w, const float* bias, float* outRow) {
    constexpr int gw = NB * 8;
    int x = 0;
    // Shapes of the transfer network get fully unrolled tiles.
    if (p.kernel == 9 && p.inChannels == 3) x = runTilesOc<R, NB, 9, 3>(p, inRow, w, gw, bias, outRow, 0, p.outWidth);
    else if (p.kernel == 3 && p.inChannels == 16) x = runTilesOc<R, NB, 3, 16>(p, inRow, w, gw, bias, outRow, 0, p.outWidth);
    else if (p.kernel == 3 && p.inChannels == 32) x = runTilesOc<R, NB, 3, 32>(p, inRow, w, gw, bias, outRow, 0, p.outWidth);
    else if (p.kernel == 3 && p.inChannels == 8) x = runTilesOc<R, NB, 3, 8>(p, inRow, w, gw, bias, outRow, 0, p.outWidth);
    x = runTilesOc<R, NB>(p, inRow, w, gw, bias, outRow, x, p.outWidth);
    if constexpr (R > 4) x = runTilesOc<4, NB>(p, inRow, w, gw, bias, outRow, x, p.outWidth);
    runTilesOc<1, NB>(p, inRow, w, gw, bias, outRow, x, p.outWidth);
}


void rowOc(const ConvParams& p, const float* inRow, float* outRow) {
    size_t wOff = 0;
    const size_t taps = size_t(p.kernel) * p.kernel * p.inChannels;
    for (int g0 = 0; g0 < p.outChannels; g0 += kGroup) {
        const int gw = std::min(kGroup, p.outChannels - g0);
        const float* w = p.weights + wOff;
        const float* b = p.bias + g0;
        float* o = outRow + g0;
        switch (gw / 8) {
        case 1: rowOcGroup<1, 12>(p, inRow, w, b, o); break;
        case 2: rowOcGroup<2, 6>(p, inRow, w, b, o); break;
        case 3: rowOcGroup<3, 4>(p, inRow, w, b, o); break;
        default: rowOcGroup<4, 3>(p, inRow, w, b, o); break;
        }
        wOff += taps * gw;
    }
}

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// R output pixels x CO output channels, input channels 8 per vector.
template <int R, int CO, int KT = 0, int ICT = 0>
inline void tileCi(const float* in, size_t inRow, int pixStep, int inCr, int kr, const float* w, const float* bias,
                   float* out, int outC) {
    const int k = KT ? KT : kr;
    const int inC = ICT ? ICT : inCr;
    __m256 acc[R][CO];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int c = 0; c < CO; ++c) acc[r][c] = _mm256_setzero_ps();
    const size_t wPerOut = size_t(k) * k * inC;
    for (int ky = 0; ky < k; ++ky) {
        for (int kx = 0; kx < k; ++kx) {
            const float* px = in + ky * inRow + kx * inC;
            const float* wk = w + size_t(ky * k + kx) * inC;
            for (int cb = 0; cb < inC; cb += 8) {
                __m256 wv[CO];
#pragma GCC unroll 16
                for (int c = 0; c < CO; ++c) wv[c] = _mm256_loadu_ps(wk + c * wPerOut + cb);
#pragma GCC unroll 16
                for (int r = 0; r < R; ++r) {
                    const __m256 x = _mm256_loadu_ps(px + r * pixStep + cb);
#pragma GCC unroll 16
                    for (int c = 0; c < CO; ++c) acc[r][c] = _mm256_fmadd_ps(x, wv[c], acc[r][c]);
                }
            }
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int c = 0; c < CO; ++c) out[r * outC + c] = hsum(acc[r][c]) + bias[c];
}


template <int CO>
void rowCiGroup(const ConvParams& p, const float* inRow, const float* w, const float* bias, float* outRow) {
    const int pixStep = p.stride * p.inChannels;
    int x = 0;
    if (p.kernel == 9 && p.inChannels == 8)
        for (; x + 4 <= p.outWidth; x += 4)
            tileCi<4, CO, 9, 8>(inRow + size_t(x) * pixStep, p.inRowFloats, pixStep, p.inChannels, p.kernel, w, bias,
                                outRow + size_t(x) * p.outChannels, p.outChannels);
    for (; x + 4 <= p.outWidth; x += 4)
        tileCi<4, CO>(inRow + size_t(x) * pixStep, p.inRowFloats, pixStep, p.inChannels, p.kernel, w, bias,
                      outRow + size_t(x) * p.outChannels, p.outChannels);
    for (; x < p.outWidth; ++x)
        tileCi<1, CO>(inRow + size_t(x) * pixStep, p.inRowFloats, pixStep, p.inChannels, p.kernel, w, bias,
                      outRow + size_t(x) * p.outChannels, p.outChannels);
}

void rowCi(const ConvParams& p, const float* inRow, float* outRow) {
    const size_t wPerOut = size_t(p.kernel) * p.kernel * p.inChannels;
    for (int c0 = 0; c0 < p.outChannels; c0 += 3) {
        const float* w = p.weights + c0 * wPerOut;
        switch (std::min(3, p.outChannels - c0)) {
        case 1: rowCiGroup<1>(p, inRow, w, p.bias + c0, outRow + c0); break;
        case 2: rowCiGroup<2>(p, inRow, w, p.bias + c0, outRow + c0); break;
        default: rowCiGroup<3>(p, inRow, w, p.bias + c0, outRow + c0); break;
        }
    }
}

}  // namespace

// Adds one output row's per-channel sum and sum of squares, in double.
void avx2RowStats(const float* row, int width, int channels, double* sum, double* sumSq) {
    if (channels % 8 == 0) {
        for (int c0 = 0; c0 < channels; c0 += 8) {
            __m256d s0 = _mm256_loadu_pd(sum + c0), s1 = _mm256_loadu_pd(sum + c0 + 4);
            __m256d q0 = _mm256_loadu_pd(sumSq + c0), q1 = _mm256_loadu_pd(sumSq + c0 + 4);
            for (int x = 0; x < width; ++x) {
                const __m256 v = _mm256_loadu_ps(row + size_t(x) * channels + c0);
                const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
                const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
                s0 = _mm256_add_pd(s0, lo);
                s1 = _mm256_add_pd(s1, hi);
                q0 = _mm256_fmadd_pd(lo, lo, q0);
                q1 = _mm256_fmadd_pd(hi, hi, q1);
            }
            _mm256_storeu_pd(sum + c0, s0);
            _mm256_storeu_pd(sum + c0 + 4, s1);
            _mm256_storeu_pd(sumSq + c0, q0);
            _mm256_storeu_pd(sumSq + c0 + 4, q1);
        }
        return;
    }
    for (int x = 0; x < width; ++x)
        for (int c = 0; c < channels; ++c) {
            const double v = row[size_t(x) * channels + c];
            sum[c] += v;
            sumSq[c] += v * v;
        }
}

namespace {

void rows(const ConvParams& p, int y0, int y1, double* sum, double* sumSq) {
    const Route r = route(p.outChannels, p.inChannels);
    if (r == Route::Baseline) {
        baselineConvKernels().rows(p, y0, y1, sum, sumSq);
        return;
    }
    for (int y = y0; y < y1; ++y) {
        const float* inRow = p.input + size_t(y) * p.stride * p.inRowFloats;
        float* outRow = p.output + size_t(y) * p.outRowFloats;
        if (r == Route::OcVector) rowOc(p, inRow, outRow);
        else rowCi(p, inRow, outRow);
        if (sum) avx2RowStats(outRow, p.outWidth, p.outChannels, sum, sumSq);
    }
}

// exp(x) for x in about [-87, 88]: Cody-Waite range reduction and a degree-6 polynomial (the
// Cephes expf coefficients), within 2 ulp of expf; more than enough for the 1e-4 bar.
inline __m256 expPs(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.f)), _mm256_set1_ps(88.f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

template <Activation A>
inline __m256 activate(__m256 v) {
    if constexpr (A == Activation::Relu) return _mm256_max_ps(v, _mm256_setzero_ps());
    if constexpr (A == Activation::Sigmoid) {
        const __m256 one = _mm256_set1_ps(1.f);
        return _mm256_div_ps(one, _mm256_add_ps(one, expPs(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    }
    return v;
}

// Channels a multiple of 8: scale/shift vectors per block. Otherwise the row is treated as a flat
// array whose scale/shift pattern repeats every lcm(channels, 8) floats (channels <= 8).
template <Activation A>
void normRowT(const float* src, const float* skip, const float* scale, const float* shift, float* dst, int width,
              int C) {
    if (C % 8 == 0) {
        for (int c0 = 0; c0 < C; c0 += 8) {
            const __m256 sc = _mm256_loadu_ps(scale + c0), sh = _mm256_loadu_ps(shift + c0);
            for (int x = 0; x < width; ++x) {
                const size_t i = size_t(x) * C + c0;
                __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(src + i), sc, sh);
                if (skip) v = _mm256_add_ps(v, _mm256_loadu_ps(skip + i));
                _mm256_storeu_ps(dst + i, activate<A>(v));
            }
        }
        return;
    }
    if (C > 8) {
        normRowGeneric(src, skip, scale, shift, dst, width, C, A);
        return;
    }
    const int period = C * 8;  // lcm(C, 8) divides 8 * C
    alignas(32) float scP[64], shP[64];
    for (int i = 0; i < period; ++i) scP[i] = scale[i % C], shP[i] = shift[i % C];
    const size_t n = size_t(width) * C;
    size_t i = 0;
    for (; i + size_t(period) <= n; i += size_t(period))
        for (int j = 0; j < period; j += 8) {
            __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(src + i + j), _mm256_load_ps(scP + j), _mm256_load_ps(shP + j));
            if (skip) v = _mm256_add_ps(v, _mm256_loadu_ps(skip + i + j));
            _mm256_storeu_ps(dst + i + j, activate<A>(v));
        }
    const int rest = int((n - i) / size_t(C));
    normRowGeneric(src + i, skip ? skip + i : nullptr, scale, shift, dst + i, rest, C, A);
}

void normRow(const float* src, const float* skip, const float* scale, const float* shift, float* dst, int width,
             int channels, Activation act) {
    switch (act) {
    case Activation::Relu: normRowT<Activation::Relu>(src, skip, scale, shift, dst, width, channels); break;
    case Activation::Sigmoid: normRowT<Activation::Sigmoid>(src, skip, scale, shift, dst, width, channels); break;
    case Activation::None: normRowT<Activation::None>(src, skip, scale, shift, dst, width, channels); break;
    }
}

const ConvKernels kAvx2{"avx2-fma", pack, rows, normRow, avx2WinogradKernels()};

}  // namespace

const ConvKernels* avx2ConvKernels() { return &kAvx2; }

}  // namespace pastiche::cpu
#endif
