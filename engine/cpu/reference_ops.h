// Straightforward CPU ops of the transfer network (reference implementations): plain loops, fp32,
// the order of operations TFLite uses. Slow on purpose; tests compare every optimised kernel
// (CPU AVX2/baseline, Vulkan) with these.
#pragma once

#include <vector>

#include "engine/cpu/tensor.h"
#include "engine/transfer_network.h"

namespace pastiche::cpu::ref {

// Index into [0, n) of coordinate i under MIRROR_PAD REFLECT (the edge pixel is not repeated:
// -1 -> 1, n -> n - 2). Valid for -n < i < 2n - 1 and n >= 2.
inline int reflectIndex(int i, int n) {
    if (i < 0) return -i;
    if (i >= n) return 2 * (n - 1) - i;
    return i;
}

// MIRROR_PAD REFLECT with independent amounts per side.
Tensor reflectPad(const Tensor& in, int top, int bottom, int left, int right);
inline Tensor reflectPad(const Tensor& in, int pad) { return reflectPad(in, pad, pad, pad, pad); }

// Nearest-neighbour 2x upsampling (RESIZE_NEAREST_NEIGHBOR, align_corners = false, exact 2x).
Tensor upsample2x(const Tensor& in);

// VALID convolution, square kernel, weights OHWI [outC][k][k][inC], plus bias.
Tensor conv2d(const Tensor& in, const std::vector<float>& weightsOhwi, const std::vector<float>& bias,
              int kernel, int stride, int outChannels);

// Instance norm in TFLite's order: mean, variance = mean of squared differences (accumulated in
// double), scale = gamma * rsqrt(var + eps), y = x * scale + (beta - mean * scale).
void instanceNorm(Tensor& t, const std::vector<float>& gamma, const std::vector<float>& beta, float epsilon);

void applyActivation(Tensor& t, Activation act);
void addInPlace(Tensor& t, const Tensor& other);

// One layer: [upsample] -> reflect pad -> conv + bias -> [norm] -> [+ skip] -> activation.
Tensor runLayer(const TransferLayer& layer, const Tensor& in, const std::vector<float>* gamma,
                const std::vector<float>* beta, const Tensor* skip);

// The whole network on an input whose sides are multiples of TransferNetwork::kSizeMultiple
// (values 0..1, 3 channels); returns the sigmoid output, same size.
Tensor runNetwork(const TransferNetwork& net, const StyleParams& params, const Tensor& input);

// The size rule for any size: reflect-pad right/bottom to TransferNetwork::paddedSide, run, crop
// back to the input's size.
Tensor runNetworkAnySize(const TransferNetwork& net, const StyleParams& params, const Tensor& input);

}  // namespace pastiche::cpu::ref
