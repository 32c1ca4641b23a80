#include "engine/cpu/style_predictor.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

namespace pastiche {

namespace {

using quant::QParams;
using quant::QShape;
using quant::Requant;

QShape shapeOf(const StyleTensor& t) { return {t.shape[1], t.shape[2], t.shape[3]}; }
QParams paramsOf(const StyleTensor& t) { return {t.quant.scale[0], t.quant.zeroPoint[0]}; }

// The reader checks all of this; a hand-built network is checked here too, cheaply, so that the
// kernels can trust shapes and sizes.
Status validate(const StyleNetwork& net) {
    auto bad = [&](const std::string& what) { return Status::error(net.sourcePath + ": style network: " + what); };
    const int nT = int(net.tensors.size());
    for (const StyleTensor& t : net.tensors) {
        if (t.shape.size() != 4 || t.shape[0] != 1) return bad("tensor '" + t.name + "' is not [1,H,W,C]");
        for (int d : t.shape)
            if (d < 1 || d > 1 << 16) return bad("tensor '" + t.name + "' has a bad dimension");
        if (!t.isFloat && (t.quant.scale.size() != 1 || t.quant.zeroPoint.size() != 1 || !(t.quant.scale[0] > 0.f)))
            return bad("tensor '" + t.name + "' lacks quantization parameters");
    }
    if (net.input < 0 || net.input >= nT || net.output < 0 || net.output >= nT) return bad("no input or output");
    std::vector<char> ready(size_t(nT), 0);
    ready[size_t(net.input)] = 1;
    for (const StyleOp& op : net.ops) {
        if (op.output < 0 || op.output >= nT || ready[size_t(op.output)]) return bad("op '" + op.name + "': bad output");
        const size_t nIn = op.kind == StyleOpKind::Add ? 2 : 1;
        if (op.inputs.size() != nIn) return bad("op '" + op.name + "': wrong number of inputs");
        for (int in : op.inputs)
            if (in < 0 || in >= nT || !ready[size_t(in)]) return bad("op '" + op.name + "': input not computed yet");
        const StyleTensor& in = net.tensors[size_t(op.inputs[0])];
        const StyleTensor& out = net.tensors[size_t(op.output)];
        const bool floatIn = op.kind == StyleOpKind::Quantize, floatOut = op.kind == StyleOpKind::Dequantize;
        if (in.isFloat != floatIn || out.isFloat != floatOut) return bad("op '" + op.name + "': wrong tensor types");
        switch (op.kind) {
            case StyleOpKind::Quantize:
            case StyleOpKind::Dequantize:
                if (in.shape != out.shape) return bad("op '" + op.name + "': shape mismatch");
                break;
            case StyleOpKind::Add:
                if (in.shape != out.shape || net.tensors[size_t(op.inputs[1])].shape != out.shape ||
                    net.tensors[size_t(op.inputs[1])].isFloat)
                    return bad("op '" + op.name + "': shape mismatch");
                break;
            case StyleOpKind::Mean:
                if (out.shape != std::vector<int>{1, 1, 1, in.shape[3]}) return bad("op '" + op.name + "': shape mismatch");
                break;
            case StyleOpKind::Conv2D:
            case StyleOpKind::DepthwiseConv2D: {
                const bool dw = op.kind == StyleOpKind::DepthwiseConv2D;
                const int inC = in.shape[3], outC = out.shape[3];
                if (op.kernelH < 1 || op.kernelW < 1 || op.strideH < 1 || op.strideW < 1 || op.kernelH > 15 ||
                    op.kernelW > 15 || (dw && inC != outC))
                    return bad("op '" + op.name + "': bad kernel");
                const size_t wSize = size_t(outC) * op.kernelH * op.kernelW * (dw ? 1 : inC);
                if (op.weights.size() != wSize || op.bias.size() != size_t(outC) ||
                    op.weightQuant.scale.size() != size_t(outC))
                    return bad("op '" + op.name + "': weight sizes do not match the shapes");
                auto o = [&](int i, int k, int s) {
                    return op.padding == PaddingKind::Same ? (i + s - 1) / s : (i - k) / s + 1;
                };
                if ((op.padding == PaddingKind::Valid && (in.shape[1] < op.kernelH || in.shape[2] < op.kernelW)) ||
                    out.shape[1] != o(in.shape[1], op.kernelH, op.strideH) || out.shape[2] != o(in.shape[2], op.kernelW, op.strideW))
                    return bad("op '" + op.name + "': output shape does not match");
                break;
            }
        }
        ready[size_t(op.output)] = 1;
    }
    const StyleTensor& in = net.tensors[size_t(net.input)];
    const StyleTensor& out = net.tensors[size_t(net.output)];
    if (!in.isFloat || in.shape != std::vector<int>{1, StyleNetwork::kInputSize, StyleNetwork::kInputSize, 3})
        return bad("input must be float [1,256,256,3]");
    if (!out.isFloat || !ready[size_t(net.output)] || out.shape != std::vector<int>{1, 1, 1, kStyleVectorSize})
        return bad("output must be a computed float [1,1,1,100]");
    return Status::ok();
}

}  // namespace

Result<StyleVector> predictStyleWith(const StyleNetwork& net, const ImageF& image, Requant mode, int threads) {
    PASTICHE_RETURN_IF_ERROR(validate(net));
    const int S = StyleNetwork::kInputSize;
    if (image.width != S || image.height != S || image.pixels.size() != size_t(S) * S * 3)
        return Status::error("style image must be " + std::to_string(S) + "x" + std::to_string(S) + " RGB, got " +
                             std::to_string(image.width) + "x" + std::to_string(image.height));
    if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));

    std::vector<std::vector<int8_t>> q(net.tensors.size());
    std::vector<std::vector<float>> f(net.tensors.size());
    f[size_t(net.input)] = image.pixels;
    for (const StyleOp& op : net.ops) {
        const StyleTensor& inT = net.tensors[size_t(op.inputs[0])];
        const StyleTensor& outT = net.tensors[size_t(op.output)];
        const QShape os = shapeOf(outT);
        if (outT.isFloat) f[size_t(op.output)].resize(os.size());
        else q[size_t(op.output)].resize(os.size());
        switch (op.kind) {
            case StyleOpKind::Quantize: {
                const QParams p = paramsOf(outT);
                const float inv = 1.f / p.scale;
                const std::vector<float>& src = f[size_t(op.inputs[0])];
                int8_t* dst = q[size_t(op.output)].data();
                for (size_t i = 0; i < src.size(); ++i) {
                    // TFLite: round(x / scale) (half away from zero); XNNPACK: x * (1/scale), nearest even.
                    const float v = mode == Requant::Tflite ? std::round(src[i] / p.scale) : std::nearbyint(src[i] * inv);
                    const float clamped = std::clamp(v + float(p.zeroPoint), -128.f, 127.f);
                    dst[i] = int8_t(std::isnan(clamped) ? p.zeroPoint : int32_t(clamped));
                }
                break;
            }
            case StyleOpKind::Dequantize: {
                const QParams p = paramsOf(inT);
                const std::vector<int8_t>& src = q[size_t(op.inputs[0])];
                float* dst = f[size_t(op.output)].data();
                for (size_t i = 0; i < src.size(); ++i) {
                    const int32_t v = int32_t(src[i]) - p.zeroPoint;
                    dst[i] = mode == Requant::Tflite ? float(double(p.scale) * v) : float(v) * p.scale;
                }
                break;
            }
            case StyleOpKind::Conv2D:
                quant::conv2d(op, q[size_t(op.inputs[0])].data(), shapeOf(inT), paramsOf(inT), q[size_t(op.output)].data(),
                              os, paramsOf(outT), mode, threads);
                break;
            case StyleOpKind::DepthwiseConv2D:
                quant::depthwiseConv2d(op, q[size_t(op.inputs[0])].data(), shapeOf(inT), paramsOf(inT),
                                       q[size_t(op.output)].data(), os, paramsOf(outT), mode, threads);
                break;
            case StyleOpKind::Add: {
                const StyleTensor& in2 = net.tensors[size_t(op.inputs[1])];
                quant::add(q[size_t(op.inputs[0])].data(), paramsOf(inT), q[size_t(op.inputs[1])].data(), paramsOf(in2),
                           q[size_t(op.output)].data(), paramsOf(outT), os.size(), mode);
                break;
            }
            case StyleOpKind::Mean:
                quant::meanHW(q[size_t(op.inputs[0])].data(), shapeOf(inT), paramsOf(inT), q[size_t(op.output)].data(),
                              paramsOf(outT), mode);
                break;
        }
    }
    StyleVector v{};
    std::copy(f[size_t(net.output)].begin(), f[size_t(net.output)].end(), v.begin());
    return v;
}

Result<StyleVector> predictStyle(const StyleNetwork& net, const ImageF& image) {
    return predictStyleWith(net, image, Requant::Xnnpack);
}

}  // namespace pastiche
