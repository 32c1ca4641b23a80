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
};

// The portable epilogue (also the AVX2 set's fallback for odd channel counts).
void normRowGeneric(const float* src, const float* skip, const float* scale, const float* shift, float* dst,
                    int width, int channels, Activation act);

const ConvKernels& baselineConvKernels();
const ConvKernels* avx2ConvKernels();  // nullptr when not built for x86-64
bool cpuHasAvx2Fma();
// AVX2/FMA when the CPU has them (and PASTICHE_CPU_BASELINE is not set), else the baseline.
const ConvKernels& bestConvKernels();

}  // namespace pastiche::cpu
