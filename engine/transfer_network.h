// Typed representation of Magenta's transfer network (the slim mobile variant in
// style_transfer_f16_384.tflite): a list of conv layers, each optionally preceded by a nearest 2x
// upsample and followed by conditional instance norm, an activation and a residual add.
// Backends execute this structure directly; there is no generic graph interpreter.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace pastiche {

constexpr int kStyleVectorSize = 100;
using StyleVector = std::array<float, kStyleVectorSize>;

enum class Activation { None, Relu, Sigmoid };

// Where a layer sits in a residual block. The skip input is the input of the BlockStart layer;
// it is added after the BlockEnd layer's norm (no activation after the add).
enum class ResidualRole { None, BlockStart, BlockEnd };

// Conditional instance norm: y = (x - mean) * rsqrt(var + epsilon) * gamma + beta, per channel,
// with mean/var over H x W and gamma/beta = 1x1 convs of the style vector (TFLite names
// StyleNorm/Conv_1 -> gamma, StyleNorm/Conv -> beta).
struct StyleNormWeights {
    std::vector<float> gammaWeights;  // [channels][kStyleVectorSize]
    std::vector<float> gammaBias;     // [channels]
    std::vector<float> betaWeights;   // [channels][kStyleVectorSize]
    std::vector<float> betaBias;      // [channels]
    float epsilon = 1e-3f;
};

struct TransferLayer {
    std::string name;            // e.g. "transformer/residual/residual3/conv1"
    bool upsampleBefore = false; // nearest-neighbour 2x on the input before padding
    int kernel = 3;              // square kernel size
    int stride = 1;
    int pad = 1;                 // reflect (MIRROR_PAD REFLECT) padding on each side, before the conv
    int inChannels = 0;
    int outChannels = 0;
    std::vector<float> weights;  // OHWI: [outChannels][kernel][kernel][inChannels], fp32
    std::vector<float> bias;     // [outChannels]
    bool hasNorm = false;
    StyleNormWeights norm;
    Activation activation = Activation::None;
    ResidualRole residual = ResidualRole::None;
};

struct TransferNetwork {
    std::string sourcePath;  // the .tflite file it came from, for messages
    std::vector<TransferLayer> layers;
    // Size rule: inputs are reflect-padded to a multiple of this, run, and cropped back.
    static constexpr int kSizeMultiple = 4;
    // The side the network runs at for a frame side n (reflect padding on the right / bottom).
    // Multiples of kSizeMultiple run as they are (so 384x384 matches TFLite exactly); other sides
    // are extended to the next multiple plus one more kSizeMultiple, so that the model's own edge
    // response (it spans the last cell of the quarter-resolution map) lands in the cropped-off
    // margin instead of showing as a 1-3 pixel line at the right / bottom edge.
    static constexpr int paddedSide(int n) {
        return n % kSizeMultiple == 0 ? n : (n + kSizeMultiple - 1) / kSizeMultiple * kSizeMultiple + kSizeMultiple;
    }
};

// Per-layer gamma/beta for one style vector, computed once when the style changes.
struct StyleParams {
    std::vector<std::vector<float>> gamma;  // [layer][channel]; empty for layers without norm
    std::vector<std::vector<float>> beta;
};

// gamma/beta = W * style + b for every normalised layer (fp32, the same order of summation on
// every backend so backends agree).
StyleParams computeStyleParams(const TransferNetwork& net, const StyleVector& style);

// Instance-norm moments from sums over n values (the population variance, never negative):
// the one formula for a whole frame and for tiles that add their sums together.
struct NormMoments {
    double mean = 0, variance = 0;
};
inline NormMoments normMoments(double sum, double sumSq, double n) {
    const double mean = sum / n;
    const double variance = sumSq / n - mean * mean;
    return {mean, variance > 0 ? variance : 0.0};
}

}  // namespace pastiche
