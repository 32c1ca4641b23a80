// The whole transfer network built from the reference ops: the ground truth for the optimised
// CPU backend at any size, and itself checked against TFLite at 384x384.
#include <stdexcept>

#include "engine/cpu/reference_ops.h"

namespace pastiche::cpu::ref {

Tensor runLayer(const TransferLayer& layer, const Tensor& in, const std::vector<float>* gamma,
                const std::vector<float>* beta, const Tensor* skip) {
    Tensor x = layer.upsampleBefore ? upsample2x(in) : in;
    if (layer.pad > 0) x = reflectPad(x, layer.pad);
    Tensor y = conv2d(x, layer.weights, layer.bias, layer.kernel, layer.stride, layer.outChannels);
    if (layer.hasNorm) instanceNorm(y, *gamma, *beta, layer.norm.epsilon);
    if (skip) addInPlace(y, *skip);
    applyActivation(y, layer.activation);
    return y;
}

Tensor runNetwork(const TransferNetwork& net, const StyleParams& params, const Tensor& input) {
    Tensor x = input;
    Tensor skip;
    for (size_t l = 0; l < net.layers.size(); ++l) {
        const TransferLayer& layer = net.layers[l];
        if (layer.residual == ResidualRole::BlockStart) skip = x;
        const bool end = layer.residual == ResidualRole::BlockEnd;
        x = runLayer(layer, x, layer.hasNorm ? &params.gamma[l] : nullptr,
                     layer.hasNorm ? &params.beta[l] : nullptr, end ? &skip : nullptr);
    }
    return x;
}

Tensor runNetworkAnySize(const TransferNetwork& net, const StyleParams& params, const Tensor& input) {
    const int padH = TransferNetwork::paddedSide(input.height) - input.height;
    const int padW = TransferNetwork::paddedSide(input.width) - input.width;
    Tensor padded = reflectPad(input, 0, padH, 0, padW);
    Tensor out = runNetwork(net, params, padded);
    Tensor cropped(input.height, input.width, out.channels);
    for (int y = 0; y < input.height; ++y)
        for (int x = 0; x < input.width; ++x)
            for (int c = 0; c < out.channels; ++c) cropped.at(y, x, c) = out.at(y, x, c);
    return cropped;
}

}  // namespace pastiche::cpu::ref
