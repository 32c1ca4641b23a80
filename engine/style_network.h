// Typed representation of the style prediction network (MobileNetV2, fully int8-quantized in
// style_predict_quantized_256.tflite). Executed with TFLite's integer semantics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pastiche {

struct QuantParams {
    std::vector<float> scale;       // one per tensor, or one per output channel for weights
    std::vector<int32_t> zeroPoint;
};

enum class StyleOpKind { Quantize, Conv2D, DepthwiseConv2D, Add, Mean, Dequantize };
enum class PaddingKind { Same, Valid };

struct StyleOp {
    StyleOpKind kind = StyleOpKind::Conv2D;
    std::string name;            // output tensor name, for messages
    std::vector<int> inputs;     // indices into StyleNetwork::tensors (activation tensors only)
    int output = -1;
    // Conv2D / DepthwiseConv2D
    int kernelH = 0, kernelW = 0, strideH = 1, strideW = 1;
    PaddingKind padding = PaddingKind::Same;
    int depthMultiplier = 1;
    bool relu6 = false;                 // fused activation (clamped in the quantized domain)
    std::vector<int8_t> weights;        // Conv: OHWI [out][kh][kw][in]; Depthwise: [1][kh][kw][out]
    std::vector<int32_t> bias;          // [out]
    QuantParams weightQuant;            // per output channel
};

struct StyleTensor {
    std::string name;
    std::vector<int> shape;  // NHWC
    bool isFloat = false;    // float32 (network input/output) or int8
    QuantParams quant;       // for int8
};

struct StyleNetwork {
    std::string sourcePath;
    std::vector<StyleTensor> tensors;  // activation tensors
    std::vector<StyleOp> ops;          // in execution order
    int input = -1;                    // float [1,256,256,3]
    int output = -1;                   // float [1,1,1,100]
    static constexpr int kInputSize = 256;
};

}  // namespace pastiche
