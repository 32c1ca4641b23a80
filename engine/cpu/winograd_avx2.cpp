// Winograd F(2x2, 3x3) convolution, AVX2/FMA (compiled with -mavx2 -mfma; used only when the CPU
// has them). Lavin & Gray's minimal filtering: per 2x2 output tile, V = B^T d B of the 4x4 input
// tile, M = V (.) U summed over input channels (16 GEMMs of tiles x inC x outC), Y = A^T M A. The
// residual trunk and the two upsampled expand layers (75% of the network's multiplies) need 2.25x
// fewer multiplies this way; the transforms are adds on 8-channel vectors. fp32 error stays ~1e-6.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>

#include "engine/cpu/conv_kernels.h"

namespace pastiche::cpu {
namespace {

std::vector<float> packU(const std::vector<float>& ohwi, int outC, int inC) {
    // U = G g G^T with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
    static const float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
    std::vector<float> u(size_t(16) * inC * outC);
    for (int o = 0; o < outC; ++o)
        for (int i = 0; i < inC; ++i) {
            float g[3][3], t[4][3];
            for (int ky = 0; ky < 3; ++ky)
                for (int kx = 0; kx < 3; ++kx) g[ky][kx] = ohwi[((size_t(o) * 3 + ky) * 3 + kx) * inC + i];
            for (int a = 0; a < 4; ++a)
                for (int kx = 0; kx < 3; ++kx) t[a][kx] = G[a][0] * g[0][kx] + G[a][1] * g[1][kx] + G[a][2] * g[2][kx];
            for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b)
                    u[(size_t(a * 4 + b) * inC + i) * outC + o] = t[a][0] * G[b][0] + t[a][1] * G[b][1] + t[a][2] * G[b][2];
        }
    return u;
}

// V and M hold 16 planes (one per transform coefficient) of tiles x channels. The planes are
// written and read together, so their distance is padded off multiples of 4 KiB (L1 set and
// store-forwarding aliasing made the transforms 5x slower at 192 and 384 wide).
size_t planeStride(int tiles, int channels) {
    size_t s = size_t(tiles) * channels;
    s = (s + 15) / 16 * 16;       // whole cache lines
    if ((s / 16) % 2 == 0) s += 16;  // an odd number of cache lines
    return s;
}

size_t scratch(int outWidth, int inC, int outC) {
    const int tiles = (outWidth + 1) / 2;
    return 16 * planeStride(tiles, inC) + 16 * planeStride(tiles, outC);  // V, M
}

// V = B^T d B for 8 channels, d given as 16 row-major vectors; writes V[xi] at v + xi * vStride.
inline void inputTransform(const __m256 d[16], float* v, size_t vStride) {
    __m256 t[16];
    for (int i = 0; i < 4; ++i) {  // rows: B^T on the left
        const __m256 d0 = d[0 * 4 + i], d1 = d[1 * 4 + i], d2 = d[2 * 4 + i], d3 = d[3 * 4 + i];
        t[0 * 4 + i] = _mm256_sub_ps(d0, d2);
        t[1 * 4 + i] = _mm256_add_ps(d1, d2);
        t[2 * 4 + i] = _mm256_sub_ps(d2, d1);
        t[3 * 4 + i] = _mm256_sub_ps(d1, d3);
    }
    for (int a = 0; a < 4; ++a) {  // columns: B on the right
        const __m256 t0 = t[a * 4 + 0], t1 = t[a * 4 + 1], t2 = t[a * 4 + 2], t3 = t[a * 4 + 3];
        _mm256_storeu_ps(v + (a * 4 + 0) * vStride, _mm256_sub_ps(t0, t2));
        _mm256_storeu_ps(v + (a * 4 + 1) * vStride, _mm256_add_ps(t1, t2));
        _mm256_storeu_ps(v + (a * 4 + 2) * vStride, _mm256_sub_ps(t2, t1));
        _mm256_storeu_ps(v + (a * 4 + 3) * vStride, _mm256_sub_ps(t1, t3));
    }
}

// M[xi][tile][outC] = sum over ci of V[xi][tile][ci] * U[xi][ci][outC], R tiles x NB blocks.
template <int R, int NB, int IC>
inline void gemmTile(const float* v, const float* u, float* m, int outC) {
    __m256 acc[R][NB];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int b = 0; b < NB; ++b) acc[r][b] = _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int ci = 0; ci < IC; ++ci) {
        __m256 wv[NB];
#pragma GCC unroll 16
        for (int b = 0; b < NB; ++b) wv[b] = _mm256_loadu_ps(u + ci * outC + b * 8);
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) {
            const __m256 x = _mm256_broadcast_ss(v + r * IC + ci);
#pragma GCC unroll 16
            for (int b = 0; b < NB; ++b) acc[r][b] = _mm256_fmadd_ps(x, wv[b], acc[r][b]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
        for (int b = 0; b < NB; ++b) _mm256_storeu_ps(m + r * outC + b * 8, acc[r][b]);
}

template <int NB, int R, int IC>
void gemm(const float* v, const float* u, float* m, int tiles, size_t vStride, size_t mStride) {
    constexpr int outC = NB * 8;
    for (int xi = 0; xi < 16; ++xi) {
        const float* vx = v + xi * vStride;
        const float* ux = u + size_t(xi) * IC * outC;
        float* mx = m + xi * mStride;
        int t = 0;
        for (; t + R <= tiles; t += R) gemmTile<R, NB, IC>(vx + t * IC, ux, mx + t * outC, outC);
        for (; t < tiles; ++t) gemmTile<1, NB, IC>(vx + t * IC, ux, mx + t * outC, outC);
    }
}

template <int IC>
void gemmFor(int outC, const float* v, const float* u, float* m, int tiles, size_t vs, size_t ms) {
    switch (outC / 8) {
    case 1: gemm<1, 12, IC>(v, u, m, tiles, vs, ms); break;
    case 2: gemm<2, 6, IC>(v, u, m, tiles, vs, ms); break;
    case 3: gemm<3, 4, IC>(v, u, m, tiles, vs, ms); break;
    default: gemm<4, 3, IC>(v, u, m, tiles, vs, ms); break;
    }
}

void gemmAny(int inC, int outC, const float* v, const float* u, float* m, int tiles, size_t vs, size_t ms) {
    switch (inC) {
    case 8: gemmFor<8>(outC, v, u, m, tiles, vs, ms); break;
    case 16: gemmFor<16>(outC, v, u, m, tiles, vs, ms); break;
    case 32: gemmFor<32>(outC, v, u, m, tiles, vs, ms); break;
    default:  // other multiples of 8 (not in the transfer network): plain loops
        for (int xi = 0; xi < 16; ++xi)
            for (int t = 0; t < tiles; ++t) {
                float* mr = m + xi * ms + size_t(t) * outC;
                std::fill(mr, mr + outC, 0.f);
                for (int ci = 0; ci < inC; ++ci) {
                    const float x = v[xi * vs + size_t(t) * inC + ci];
                    const float* ur = u + (size_t(xi) * inC + ci) * outC;
                    for (int o = 0; o < outC; ++o) mr[o] += x * ur[o];
                }
            }
    }
}

void rows(const ConvParams& p, int outH, int ty0, int ty1, float* scratchBuf, double* sum, double* sumSq) {
    const int C = p.inChannels, O = p.outChannels, W = p.outWidth;
    const int tiles = (W + 1) / 2;
    const int inW = W + 2;  // padded input width in pixels
    const int inH = outH + 2;
    const size_t vStride = planeStride(tiles, C);
    const size_t mStride = planeStride(tiles, O);
    float* V = scratchBuf;
    float* M = V + 16 * vStride;
    for (int ty = ty0; ty < ty1; ++ty) {
        const int y0 = 2 * ty;
        const bool fullRows = y0 + 4 <= inH;
        // Input transform of the whole tile row.
        for (int t = 0; t < tiles; ++t) {
            const int x0 = 2 * t;
            const bool full = fullRows && x0 + 4 <= inW;
            for (int cb = 0; cb < C; cb += 8) {
                __m256 d[16];
                for (int i = 0; i < 4; ++i)
                    for (int j = 0; j < 4; ++j) {
                        const int yy = y0 + i, xx = x0 + j;
                        if (full || (yy < inH && xx < inW))
                            d[i * 4 + j] = _mm256_loadu_ps(p.input + size_t(yy) * p.inRowFloats + size_t(xx) * C + cb);
                        else
                            d[i * 4 + j] = _mm256_setzero_ps();
                    }
                inputTransform(d, V + size_t(t) * C + cb, vStride);
            }
        }
        gemmAny(C, O, V, p.weights, M, tiles, vStride, mStride);
        // Output transform + bias: Y = A^T M A, A^T = [1 1 1 0; 0 1 -1 -1].
        float* out0 = p.output + size_t(y0) * p.outRowFloats;
        float* out1 = out0 + p.outRowFloats;
        const bool second = y0 + 1 < outH;
        for (int t = 0; t < tiles; ++t) {
            const bool secondCol = 2 * t + 1 < W;
            for (int ob = 0; ob < O; ob += 8) {
                __m256 m[16];
                for (int xi = 0; xi < 16; ++xi) m[xi] = _mm256_loadu_ps(M + xi * mStride + size_t(t) * O + ob);
                __m256 s0[4], s1[4];
                for (int j = 0; j < 4; ++j) {
                    s0[j] = _mm256_add_ps(_mm256_add_ps(m[0 * 4 + j], m[1 * 4 + j]), m[2 * 4 + j]);
                    s1[j] = _mm256_sub_ps(_mm256_sub_ps(m[1 * 4 + j], m[2 * 4 + j]), m[3 * 4 + j]);
                }
                const __m256 bias = _mm256_loadu_ps(p.bias + ob);
                const __m256 y00 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0[0], s0[1]), s0[2]), bias);
                const __m256 y01 = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s0[1], s0[2]), s0[3]), bias);
                const __m256 y10 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s1[0], s1[1]), s1[2]), bias);
                const __m256 y11 = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s1[1], s1[2]), s1[3]), bias);
                float* o0 = out0 + size_t(2 * t) * O + ob;
                _mm256_storeu_ps(o0, y00);
                if (secondCol) _mm256_storeu_ps(o0 + O, y01);
                if (second) {
                    float* o1 = out1 + size_t(2 * t) * O + ob;
                    _mm256_storeu_ps(o1, y10);
                    if (secondCol) _mm256_storeu_ps(o1 + O, y11);
                }
            }
        }
        if (sum) {
            avx2RowStats(out0, W, O, sum, sumSq);
            if (second) avx2RowStats(out1, W, O, sum, sumSq);
        }
    }
}

const WinogradKernels kWinograd{packU, scratch, rows};

}  // namespace

const WinogradKernels* avx2WinogradKernels() { return &kWinograd; }

}  // namespace pastiche::cpu
#endif
