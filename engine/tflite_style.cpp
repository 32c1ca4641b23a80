// Maps style_predict_quantized_256.tflite onto StyleNetwork: the ops in file order (TFLite's
// execution order), activation tensors renumbered densely, int8 weights and int32 biases copied.
// Every op is checked so that the executor can trust shapes: an op reads only tensors that are
// already computed, and its output shape is what the op produces from its input shapes.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/tflite_model.h"
#include "engine/tflite_reader.h"

namespace pastiche {

using namespace tflite;

namespace {

class StyleBuilder {
public:
    explicit StyleBuilder(const Model& m) : m_(m), map_(m.tensors.size(), -1) {}
    Result<StyleNetwork> build();

private:
    Status unsupported(const std::string& what) const { return m_.error("unsupported graph: " + what); }
    Status checkActivationTensor(int t, bool isFloat) const;
    // An op input: an activation tensor computed earlier (or the network input).
    Result<int> input(int op, int t) const {
        if (t < 0 || map_[size_t(t)] < 0)
            return unsupported(m_.describeOp(op) + ": reads " + m_.describe(t) + " before it is computed");
        return map_[size_t(t)];
    }
    Result<int> output(int op, int t, bool isFloat);
    template <class T>
    Result<T> option(int op, int expectedType, int field, T def) const {
        const Operator& o = m_.ops[size_t(op)];
        if (!o.options.valid()) return def;
        if (o.optionsType != expectedType) return unsupported(m_.describeOp(op) + ": unexpected options type");
        auto v = o.options.scalar<T>(field, def);
        if (!v) return m_.error(m_.describeOp(op) + ": options: " + v.status().message());
        return v;
    }
    Status convOp(int op, StyleOp& s);
    Status addOp(int op, StyleOp& s);
    Status meanOp(int op, StyleOp& s);

    const Model& m_;
    StyleNetwork net_;
    std::vector<int> map_;  // file tensor -> StyleNetwork tensor
};

Status StyleBuilder::checkActivationTensor(int t, bool isFloat) const {
    const Tensor& tensor = m_.tensors[size_t(t)];
    if (tensor.data) return unsupported(m_.describe(t) + ": expected an activation, found a constant");
    if (tensor.shape.size() != 4 || tensor.shape[0] != 1)
        return unsupported(m_.describe(t) + ": expected a [1,H,W,C] tensor");
    if (isFloat) {
        if (tensor.type != kFloat32) return unsupported(m_.describe(t) + ": expected FLOAT32");
        return Status::ok();
    }
    if (tensor.type != kInt8) return unsupported(m_.describe(t) + ": expected INT8, found " + typeName(tensor.type));
    if (tensor.scales.size() != 1 || tensor.zeroPoints.size() != 1)
        return unsupported(m_.describe(t) + ": expected per-tensor quantization");
    if (!std::isfinite(tensor.scales[0]) || !(tensor.scales[0] > 1e-12f) || tensor.scales[0] > 1e6f)
        return unsupported(m_.describe(t) + ": bad quantization scale");
    if (tensor.zeroPoints[0] < -128 || tensor.zeroPoints[0] > 127)
        return unsupported(m_.describe(t) + ": zero point out of range");
    return Status::ok();
}

Result<int> StyleBuilder::output(int op, int t, bool isFloat) {
    PASTICHE_RETURN_IF_ERROR(checkActivationTensor(t, isFloat));
    if (map_[size_t(t)] >= 0) return unsupported(m_.describeOp(op) + ": writes a tensor computed earlier");
    StyleTensor st;
    const Tensor& tensor = m_.tensors[size_t(t)];
    st.name = tensor.name;
    st.shape = tensor.shape;
    st.isFloat = isFloat;
    if (!isFloat) {
        st.quant.scale = tensor.scales;
        st.quant.zeroPoint = {int32_t(tensor.zeroPoints[0])};
    }
    map_[size_t(t)] = int(net_.tensors.size());
    net_.tensors.push_back(std::move(st));
    return map_[size_t(t)];
}

Status StyleBuilder::convOp(int op, StyleOp& s) {
    const Operator& o = m_.ops[size_t(op)];
    const bool depthwise = o.code == kDepthwiseConv2D;
    const int optType = depthwise ? kDepthwiseConv2DOptions : kConv2DOptions;
    const std::string what = m_.describeOp(op);
    if (o.inputs.size() != 3 || o.inputs[1] < 0 || o.inputs[2] < 0)
        return unsupported(what + ": expected input, weights and bias");
    auto padding = option<int8_t>(op, optType, 0, 0);
    auto strideW = option<int32_t>(op, optType, 1, 0);
    auto strideH = option<int32_t>(op, optType, 2, 0);
    auto multiplier = depthwise ? option<int32_t>(op, optType, 3, 0) : Result<int32_t>(1);
    auto act = option<int8_t>(op, optType, depthwise ? 4 : 3, 0);
    auto dilW = option<int32_t>(op, optType, depthwise ? 5 : 4, 1);
    auto dilH = option<int32_t>(op, optType, depthwise ? 6 : 5, 1);
    for (const Status& st : {padding.status(), strideW.status(), strideH.status(), multiplier.status(), act.status(),
                             dilW.status(), dilH.status()})
        if (!st.isOk()) return st;
    if (padding.value() != 0 && padding.value() != 1) return unsupported(what + ": unknown padding");
    if (strideW.value() < 1 || strideW.value() > 4 || strideH.value() < 1 || strideH.value() > 4)
        return unsupported(what + ": unsupported strides");
    if (dilW.value() != 1 || dilH.value() != 1) return unsupported(what + ": dilation is not supported");
    if (act.value() != kActNone && act.value() != kActRelu6) return unsupported(what + ": unsupported fused activation");
    if (depthwise && multiplier.value() != 1) return unsupported(what + ": depth multiplier must be 1");
    s.padding = padding.value() == 0 ? PaddingKind::Same : PaddingKind::Valid;
    s.strideW = strideW.value();
    s.strideH = strideH.value();
    s.relu6 = act.value() == kActRelu6;
    s.depthMultiplier = 1;

    const auto& in = net_.tensors[size_t(s.inputs[0])].shape;
    const Tensor& w = m_.tensors[size_t(o.inputs[1])];
    const Tensor& b = m_.tensors[size_t(o.inputs[2])];
    if (!w.data || w.type != kInt8 || w.shape.size() != 4)
        return unsupported(what + ": " + m_.describe(o.inputs[1]) + ": expected constant INT8 weights [O,H,W,I]");
    const int outC = depthwise ? w.shape[3] : w.shape[0];
    if (depthwise ? (w.shape[0] != 1 || outC != in[3]) : (w.shape[3] != in[3]))
        return unsupported(what + ": " + m_.describe(o.inputs[1]) + ": weight shape does not match " +
                           std::to_string(in[3]) + " input channels");
    s.kernelH = w.shape[1];
    s.kernelW = w.shape[2];
    if (s.kernelH > 15 || s.kernelW > 15) return unsupported(what + ": kernel too large");
    if (!b.data || b.type != kInt32 || b.shape != std::vector<int>{outC})
        return unsupported(what + ": " + m_.describe(o.inputs[2]) + ": expected constant INT32 bias [" + std::to_string(outC) + "]");
    if (w.scales.size() != size_t(outC) && w.scales.size() != 1)
        return unsupported(what + ": " + m_.describe(o.inputs[1]) + ": expected one scale per output channel");
    if (w.scales.size() > 1 && w.quantizedDimension != (depthwise ? 3 : 0))
        return unsupported(what + ": " + m_.describe(o.inputs[1]) + ": quantized along the wrong dimension");
    for (float sc : w.scales)
        if (!std::isfinite(sc) || !(sc > 0.f) || sc > 1e6f) return unsupported(what + ": bad weight scale");
    for (int64_t zp : w.zeroPoints)
        if (zp != 0) return unsupported(what + ": weights must be symmetric (zero point 0)");
    s.weights.resize(w.elements);
    std::memcpy(s.weights.data(), w.data, w.elements);
    s.bias.resize(b.elements);
    std::memcpy(s.bias.data(), b.data, b.elements * 4);
    s.weightQuant.scale.assign(size_t(outC), w.scales[0]);
    if (w.scales.size() > 1) s.weightQuant.scale = w.scales;
    s.weightQuant.zeroPoint.assign(size_t(outC), 0);

    // Output shape: SAME -> ceil(in / stride), VALID -> (in - k) / stride + 1.
    auto outSize = [&](int inSize, int k, int stride) {
        return s.padding == PaddingKind::Same ? (inSize + stride - 1) / stride : (inSize - k) / stride + 1;
    };
    if (s.padding == PaddingKind::Valid && (in[1] < s.kernelH || in[2] < s.kernelW))
        return unsupported(what + ": input smaller than the kernel");
    const std::vector<int> expect{1, outSize(in[1], s.kernelH, s.strideH), outSize(in[2], s.kernelW, s.strideW), outC};
    if (net_.tensors[size_t(s.output)].shape != expect) return unsupported(what + ": output shape does not match");
    return Status::ok();
}

Status StyleBuilder::addOp(int op, StyleOp& s) {
    auto act = option<int8_t>(op, kAddOptions, 0, 0);
    if (!act) return act.status();
    if (act.value() != kActNone) return unsupported(m_.describeOp(op) + ": fused activation not supported on ADD");
    const auto& out = net_.tensors[size_t(s.output)].shape;
    for (int in : s.inputs)
        if (net_.tensors[size_t(in)].shape != out || net_.tensors[size_t(in)].isFloat)
            return unsupported(m_.describeOp(op) + ": inputs must be INT8 with the output's shape (no broadcasting)");
    return Status::ok();
}

Status StyleBuilder::meanOp(int op, StyleOp& s) {
    const Operator& o = m_.ops[size_t(op)];
    auto axes = constInts(m_, o.inputs[1]);
    if (!axes) return axes.status();
    auto keep = option<uint8_t>(op, kReducerOptions, 0, 0);
    if (!keep) return keep.status();
    std::vector<int64_t> a = axes.value();
    std::sort(a.begin(), a.end());
    if (a != std::vector<int64_t>{1, 2} || !keep.value())
        return unsupported(m_.describeOp(op) + ": expected a mean over H and W keeping dimensions");
    const auto& in = net_.tensors[size_t(s.inputs[0])].shape;
    if (net_.tensors[size_t(s.output)].shape != std::vector<int>{1, 1, 1, in[3]})
        return unsupported(m_.describeOp(op) + ": output shape does not match");
    return Status::ok();
}

Result<StyleNetwork> StyleBuilder::build() {
    if (m_.inputs.size() != 1 || m_.outputs.size() != 1) return unsupported("expected one input and one output");
    const int in = m_.inputs[0];
    PASTICHE_RETURN_IF_ERROR(checkActivationTensor(in, true));
    const int S = StyleNetwork::kInputSize;
    if (m_.tensors[size_t(in)].shape != std::vector<int>{1, S, S, 3})
        return unsupported(m_.describe(in) + ": expected shape [1,256,256,3]");
    net_.input = 0;
    map_[size_t(in)] = 0;
    net_.tensors.push_back({m_.tensors[size_t(in)].name, m_.tensors[size_t(in)].shape, true, {}});

    for (size_t i = 0; i < m_.ops.size(); ++i) {
        const int op = int(i);
        const Operator& o = m_.ops[i];
        StyleOp s;
        if (o.outputs.size() != 1) return unsupported(m_.describeOp(op) + ": expected one output");
        size_t nActIn = 1;
        bool floatIn = false, floatOut = false;
        switch (o.code) {
            case kQuantize: s.kind = StyleOpKind::Quantize; floatIn = true; break;
            case kConv2D: s.kind = StyleOpKind::Conv2D; break;
            case kDepthwiseConv2D: s.kind = StyleOpKind::DepthwiseConv2D; break;
            case kAdd: s.kind = StyleOpKind::Add; nActIn = 2; break;
            case kMean: s.kind = StyleOpKind::Mean; break;
            case kDequantize: s.kind = StyleOpKind::Dequantize; floatOut = true; break;
            default: return unsupported(m_.describeOp(op) + ": operator not supported in the style network");
        }
        const size_t nIn = o.code == kConv2D || o.code == kDepthwiseConv2D ? 3 : o.code == kMean ? 2 : nActIn;
        if (o.inputs.size() != nIn) return unsupported(m_.describeOp(op) + ": expected " + std::to_string(nIn) + " inputs");
        for (size_t k = 0; k < nActIn; ++k) {
            auto t = input(op, o.inputs[k]);
            if (!t) return t.status();
            if (net_.tensors[size_t(t.value())].isFloat != floatIn)
                return unsupported(m_.describeOp(op) + ": " + m_.describe(o.inputs[k]) + " has the wrong type");
            s.inputs.push_back(t.value());
        }
        auto out = output(op, o.outputs[0], floatOut);
        if (!out) return out.status();
        s.output = out.value();
        s.name = net_.tensors[size_t(s.output)].name;
        const auto& inShape = net_.tensors[size_t(s.inputs[0])].shape;
        switch (s.kind) {
            case StyleOpKind::Quantize:
            case StyleOpKind::Dequantize:
                if (net_.tensors[size_t(s.output)].shape != inShape)
                    return unsupported(m_.describeOp(op) + ": changes the shape");
                break;
            case StyleOpKind::Conv2D:
            case StyleOpKind::DepthwiseConv2D: PASTICHE_RETURN_IF_ERROR(convOp(op, s)); break;
            case StyleOpKind::Add: PASTICHE_RETURN_IF_ERROR(addOp(op, s)); break;
            case StyleOpKind::Mean: PASTICHE_RETURN_IF_ERROR(meanOp(op, s)); break;
        }
        net_.ops.push_back(std::move(s));
    }
    const int outT = m_.outputs[0];
    if (map_[size_t(outT)] < 0 || !net_.tensors[size_t(map_[size_t(outT)])].isFloat)
        return unsupported(m_.describe(outT) + ": the output must be a FLOAT32 tensor computed by the network");
    if (net_.tensors[size_t(map_[size_t(outT)])].shape != std::vector<int>{1, 1, 1, kStyleVectorSize})
        return unsupported(m_.describe(outT) + ": expected shape [1,1,1,100]");
    net_.output = map_[size_t(outT)];
    return std::move(net_);
}

}  // namespace

Result<StyleNetwork> parseStyleNetwork(const uint8_t* data, size_t size, const std::string& nameForMessages) {
    auto model = parseModel(data, size, nameForMessages);
    if (!model) return model.status();
    auto net = StyleBuilder(model.value()).build();
    if (!net) return net.status();
    net->sourcePath = nameForMessages;
    return net;
}

}  // namespace pastiche
