// Optimised convolution kernels of the CPU backend, chosen once at run time: AVX2/FMA
// (conv2d_avx2.cpp, compiled with -mavx2 -mfma) when the CPU has both, else a portable baseline
// (conv2d_generic.cpp). Both compute a VALID convolution + bias over an already padded NHWC input
// for a range of output rows, and optionally accumulate per-channel sum and sum of squares (in
// double) for the instance norm that follows, so no extra pass over the output is needed.
#pragma once

#include <vector>

#include "engine/transfer_network.h"

namespace pastiche::cpu {

struct ConvParams {
    const float* input = nullptr;  // padded input, NHWC
    size_t inRowFloats = 0;        // distance between input rows, in floats
    int inChannels = 0;
    int kernel = 3;
    int stride = 1;
    float* output = nullptr;       // NHWC, outW x outC per row
    size_t outRowFloats = 0;
    int outWidth = 0;
    int outChannels = 0;
    const float* weights = nullptr;  // packed by the same kernel set's pack()
    const float* bias = nullptr;
};

// Winograd F(2x2, 3x3) for stride-1 3x3 convolutions with channel counts that are multiples of 8
// (outC <= 32): 16 multiplies per 2x2 outputs instead of 36. Works on one row of 2x2 output tiles
// at a time: input transform into per-thread scratch, 16 small GEMMs, output transform (+ bias).
struct WinogradKernels {
    static bool eligible(int kernel, int stride, int inC, int outC) {
        return kernel == 3 && stride == 1 && inC % 8 == 0 && outC % 8 == 0 && outC <= 32;
    }
    // OHWI 3x3 weights -> U = G g G^T, laid out [16][inC][outC].
    std::vector<float> (*pack)(const std::vector<float>& ohwi, int outC, int inC);
    size_t (*scratchFloats)(int outWidth, int inC, int outC);
    // Tile rows [ty0, ty1) (output rows 2*ty, 2*ty + 1 below outHeight); p.weights is the packed U.
    void (*rows)(const ConvParams& p, int outHeight, int ty0, int ty1, float* scratch, double* sum, double* sumSq);
};

struct ConvKernels {
    const char* name;
    // Repacks OHWI weights into the layout rows() reads.
    std::vector<float> (*pack)(const std::vector<float>& ohwi, int outC, int kernel, int inC);
    // Output rows [y0, y1). sum/sumSq (outChannels doubles each, may be null) are added to.
    void (*rows)(const ConvParams& p, int y0, int y1, double* sum, double* sumSq);
    // The layer epilogue for one row of `width` pixels of `channels` channels:
    // dst = act(src * scale[c] + shift[c] (+ skip)); skip may be null; dst may equal src.
    void (*normRow)(const float* src, const float* skip, const float* scale, const float* shift, float* dst,
                    int width, int channels, Activation act);
    const WinogradKernels* winograd;  // null where not available
};

// The portable epilogue (also the AVX2 set's fallback for odd channel counts).
void normRowGeneric(const float* src, const float* skip, const float* scale, const float* shift, float* dst,
                    int width, int channels, Activation act);

const ConvKernels& baselineConvKernels();
const ConvKernels* avx2ConvKernels();  // nullptr when not built for x86-64
const WinogradKernels* avx2WinogradKernels();
bool cpuHasAvx2Fma();
// Internal to the AVX2 kernels: adds one NHWC row's per-channel sum and sum of squares.
void avx2RowStats(const float* row, int width, int channels, double* sum, double* sumSq);
// AVX2/FMA when the CPU has them (and PASTICHE_CPU_BASELINE is not set), else the baseline.
const ConvKernels& bestConvKernels();

}  // namespace pastiche::cpu
