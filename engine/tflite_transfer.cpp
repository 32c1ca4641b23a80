// Maps style_transfer_f16_384.tflite onto TransferNetwork by following the graph from the content
// input: [RESIZE_NEAREST_NEIGHBOR] -> MIRROR_PAD -> CONV_2D (VALID) -> [StyleNorm subgraph] ->
// [LOGISTIC] -> [residual ADD], layer after layer. Weights are taken from the op inputs (biases are
// deduplicated across layers in the file, so names cannot be used to find them). Every op of the
// file must be accounted for, so nothing the typed network cannot express is silently dropped.
#include <algorithm>
#include <cmath>

#include "engine/tflite_model.h"
#include "engine/tflite_reader.h"

namespace pastiche {

using namespace tflite;

namespace {

// Layer names the typed network expects, in execution order.
std::vector<std::string> expectedLayerNames() {
    std::vector<std::string> n;
    for (int i = 1; i <= 3; ++i) n.push_back("transformer/contract/conv" + std::to_string(i));
    for (int r = 1; r <= 5; ++r)
        for (int c = 1; c <= 2; ++c)
            n.push_back("transformer/residual/residual" + std::to_string(r) + "/conv" + std::to_string(c));
    for (int i = 1; i <= 3; ++i) n.push_back("transformer/expand/conv" + std::to_string(i));
    return n;
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class TransferBuilder {
public:
    explicit TransferBuilder(const Model& m) : m_(m), claimed_(m.ops.size(), 0) {}

    Result<TransferNetwork> build();

private:
    Status unsupported(const std::string& what) const { return m_.error("unsupported graph: " + what); }

    // The single not-yet-claimed op of the given code that reads tensor t, or -1 if none.
    Result<int> consumer(int t, int code) const {
        int found = -1;
        for (int op : m_.consumers[size_t(t)]) {
            if (claimed_[size_t(op)] || m_.ops[size_t(op)].code != code) continue;
            if (found != -1 && found != op)
                return unsupported(m_.describe(t) + " feeds two " + opName(code) + " ops");
            found = op;
        }
        return found;
    }
    Result<int> requireConsumer(int t, int code, const std::string& context) const {
        auto op = consumer(t, code);
        if (!op) return op.status();
        if (op.value() < 0) return unsupported(context + ": expected a " + opName(code) + " after " + m_.describe(t));
        return op;
    }
    // Checks input/output counts, claims the op and returns its output tensor.
    Result<int> claim(int op, size_t nInputs) {
        const Operator& o = m_.ops[size_t(op)];
        if (o.inputs.size() != nInputs || o.outputs.size() != 1)
            return unsupported(m_.describeOp(op) + ": expected " + std::to_string(nInputs) + " inputs and 1 output");
        for (int in : o.inputs)
            if (in < 0) return unsupported(m_.describeOp(op) + ": an input is missing");
        claimed_[size_t(op)] = 1;
        return o.outputs[0];
    }
    // The other input of a binary op, given one of them.
    int otherInput(int op, int known) const {
        const Operator& o = m_.ops[size_t(op)];
        return o.inputs[0] == known ? o.inputs[1] : o.inputs[0];
    }
    // Constant floats of a weight tensor; claims the DEQUANTIZE that produces it (if any).
    Result<std::vector<float>> weights(int t, const std::vector<int>& shape) {
        if (m_.tensors[size_t(t)].shape != shape) {
            std::string want;
            for (int d : shape) {
                if (!want.empty()) want += ',';
                want += std::to_string(d);
            }
            return unsupported(m_.describe(t) + ": expected shape [" + want + "]");
        }
        auto v = constFloats(m_, t);
        if (!v) return v.status();
        const int p = m_.producer[size_t(t)];
        if (p >= 0) claimed_[size_t(p)] = 1;
        return v;
    }
    // Name of the stored constant behind a (possibly dequantized) weight tensor.
    std::string constName(int t) const {
        const int p = m_.producer[size_t(t)];
        if (p >= 0 && !m_.ops[size_t(p)].inputs.empty() && m_.ops[size_t(p)].inputs[0] >= 0)
            return m_.tensors[size_t(m_.ops[size_t(p)].inputs[0])].name;
        return m_.tensors[size_t(t)].name;
    }
    template <class T>
    Result<T> option(int op, int expectedType, int field, T def) const {
        const Operator& o = m_.ops[size_t(op)];
        if (!o.options.valid()) return def;
        if (o.optionsType != expectedType) return unsupported(m_.describeOp(op) + ": unexpected options type");
        auto v = o.options.scalar<T>(field, def);
        if (!v) return m_.error(m_.describeOp(op) + ": options: " + v.status().message());
        return v;
    }
    Result<int8_t> fusedActivation(int op, int optionsType, int field) const { return option<int8_t>(op, optionsType, field, 0); }
    Status checkReduceHW(int op, int channels);
    Result<int> upsample(int cur, TransferLayer& layer);
    Result<int> mirrorPad(int cur, TransferLayer& layer);
    Result<int> conv(int cur, TransferLayer& layer);
    Result<int> styleNorm(int cur, TransferLayer& layer);
    Result<std::pair<std::vector<float>, std::vector<float>>> styleConv(int t, int channels, const std::string& what,
                                                                       const std::string& layerName);

    const Model& m_;
    std::vector<char> claimed_;
    int content_ = -1, style_ = -1;
};

Result<int> TransferBuilder::upsample(int cur, TransferLayer& layer) {
    auto op = consumer(cur, kResizeNearestNeighbor);
    if (!op) return op.status();
    if (op.value() < 0) return cur;
    auto out = claim(op.value(), 2);
    if (!out) return out.status();
    auto alignCorners = option<uint8_t>(op.value(), kResizeNearestNeighborOptions, 0, 0);
    if (!alignCorners) return alignCorners.status();
    if (alignCorners.value()) return unsupported(m_.describeOp(op.value()) + ": align_corners is not supported");
    auto size = constInts(m_, m_.ops[size_t(op.value())].inputs[1]);
    if (!size) return size.status();
    const auto& in = m_.tensors[size_t(cur)].shape;
    if (size->size() != 2 || in.size() != 4) return unsupported(m_.describeOp(op.value()) + ": expected a 2-element size");
    if (size.value()[0] == 2 * int64_t(in[1]) && size.value()[1] == 2 * int64_t(in[2])) {
        layer.upsampleBefore = true;
    } else if (size.value()[0] != in[1] || size.value()[1] != in[2]) {
        return unsupported(m_.describeOp(op.value()) + ": only nearest 2x (or identity) resizing is supported");
    }
    return out;
}

Result<int> TransferBuilder::mirrorPad(int cur, TransferLayer& layer) {
    auto op = requireConsumer(cur, kMirrorPad, "before a convolution");
    if (!op) return op.status();
    auto out = claim(op.value(), 2);
    if (!out) return out.status();
    auto mode = option<int8_t>(op.value(), kMirrorPadOptions, 0, 0);
    if (!mode) return mode.status();
    if (mode.value() != 0) return unsupported(m_.describeOp(op.value()) + ": only REFLECT mirror padding is supported");
    const int padsTensor = m_.ops[size_t(op.value())].inputs[1];
    auto pads = constInts(m_, padsTensor);
    if (!pads) return pads.status();
    const auto& in = m_.tensors[size_t(cur)].shape;
    const auto& p = pads.value();
    if (p.size() != 8 || in.size() != 4 || p[0] || p[1] || p[6] || p[7] || p[2] != p[3] || p[2] != p[4] || p[2] != p[5])
        return unsupported(m_.describe(padsTensor) + ": expected equal padding on all four sides of H and W");
    if (p[2] < 0 || p[2] >= std::min(in[1], in[2]) || p[2] > 16)
        return unsupported(m_.describe(padsTensor) + ": padding " + std::to_string(p[2]) + " out of range");
    layer.pad = int(p[2]);
    return out;
}

Result<int> TransferBuilder::conv(int cur, TransferLayer& layer) {
    auto op = requireConsumer(cur, kConv2D, "after padding");
    if (!op) return op.status();
    auto out = claim(op.value(), 3);
    if (!out) return out.status();
    const Operator& o = m_.ops[size_t(op.value())];
    auto padding = option<int8_t>(op.value(), kConv2DOptions, 0, 0);
    auto strideW = option<int32_t>(op.value(), kConv2DOptions, 1, 0);
    auto strideH = option<int32_t>(op.value(), kConv2DOptions, 2, 0);
    auto act = fusedActivation(op.value(), kConv2DOptions, 3);
    auto dilW = option<int32_t>(op.value(), kConv2DOptions, 4, 1);
    auto dilH = option<int32_t>(op.value(), kConv2DOptions, 5, 1);
    for (const Status& s : {padding.status(), strideW.status(), strideH.status(), act.status(), dilW.status(), dilH.status()})
        if (!s.isOk()) return s;
    const std::string what = m_.describeOp(op.value());
    if (padding.value() != 1) return unsupported(what + ": expected VALID padding after the mirror pad");
    if (strideW.value() != strideH.value() || strideW.value() < 1 || strideW.value() > 4)
        return unsupported(what + ": unsupported strides " + std::to_string(strideW.value()) + "x" +
                           std::to_string(strideH.value()));
    if (dilW.value() != 1 || dilH.value() != 1) return unsupported(what + ": dilation is not supported");
    if (act.value() == kActRelu) layer.activation = Activation::Relu;
    else if (act.value() != kActNone) return unsupported(what + ": unsupported fused activation " + std::to_string(act.value()));
    layer.stride = strideW.value();

    const auto& in = m_.tensors[size_t(o.inputs[0])].shape;
    const auto& w = m_.tensors[size_t(o.inputs[1])].shape;
    if (in.size() != 4 || in[0] != 1 || w.size() != 4 || w[1] != w[2] || w[3] != in[3])
        return unsupported(what + ": expected a square OHWI kernel matching " + std::to_string(in.size() == 4 ? in[3] : 0) +
                           " input channels");
    if (w[1] > 15 || w[0] > 4096) return unsupported(what + ": kernel too large");
    layer.kernel = w[1];
    layer.inChannels = w[3];
    layer.outChannels = w[0];
    if (layer.pad >= layer.kernel) return unsupported(what + ": padding larger than the kernel");
    auto wv = weights(o.inputs[1], w);
    if (!wv) return wv.status();
    auto bv = weights(o.inputs[2], {w[0]});
    if (!bv) return bv.status();
    layer.weights = std::move(wv.value());
    layer.bias = std::move(bv.value());

    std::string name = constName(o.inputs[1]);
    if (endsWith(name, "/weights")) name.resize(name.size() - 8);
    if (endsWith(name, "/conv")) name.resize(name.size() - 5);
    layer.name = name;

    const auto& os = m_.tensors[size_t(out.value())].shape;
    if (os.size() != 4 || os[3] != layer.outChannels || (in[1] - layer.kernel) / layer.stride + 1 != os[1] ||
        (in[2] - layer.kernel) / layer.stride + 1 != os[2] || in[1] < layer.kernel || in[2] < layer.kernel)
        return unsupported(what + ": output shape does not match the convolution");
    return out;
}

Status TransferBuilder::checkReduceHW(int op, int channels) {
    const Operator& o = m_.ops[size_t(op)];
    auto axes = constInts(m_, o.inputs[1]);
    if (!axes) return axes.status();
    auto keep = option<uint8_t>(op, kReducerOptions, 0, 0);
    if (!keep) return keep.status();
    std::vector<int64_t> a = axes.value();
    std::sort(a.begin(), a.end());
    if (a != std::vector<int64_t>{1, 2} || !keep.value())
        return unsupported(m_.describeOp(op) + ": expected a mean over H and W keeping dimensions");
    if (m_.tensors[size_t(o.outputs[0])].shape != std::vector<int>{1, 1, 1, channels})
        return unsupported(m_.describeOp(op) + ": unexpected output shape");
    return Status::ok();
}

Result<std::pair<std::vector<float>, std::vector<float>>> TransferBuilder::styleConv(int t, int channels,
                                                                                   const std::string& what,
                                                                                   const std::string& layerName) {
    const int op = m_.producer[size_t(t)];
    if (op < 0 || m_.ops[size_t(op)].code != kConv2D || claimed_[size_t(op)])
        return unsupported(m_.describe(t) + ": expected the " + what + " 1x1 convolution of the style vector");
    auto out = claim(op, 3);
    if (!out) return out.status();
    const Operator& o = m_.ops[size_t(op)];
    if (o.inputs[0] != style_) return unsupported(m_.describeOp(op) + ": expected the style vector as input");
    auto act = fusedActivation(op, kConv2DOptions, 3);
    if (!act) return act.status();
    if (act.value() != kActNone) return unsupported(m_.describeOp(op) + ": unexpected fused activation");
    const std::string& name = m_.tensors[size_t(t)].name;
    const std::string tag = what == "gamma" ? "/StyleNorm/Conv_1/" : "/StyleNorm/Conv/";
    if (name.find("style_params/" + layerName + "/") != 0 || name.find(tag) == std::string::npos)
        return unsupported(m_.describe(t) + ": expected a name like 'style_params/" + layerName + "/..." + tag + "...' for " + what);
    auto w = weights(o.inputs[1], {channels, 1, 1, kStyleVectorSize});
    if (!w) return w.status();
    auto b = weights(o.inputs[2], {channels});
    if (!b) return b.status();
    return std::make_pair(std::move(w.value()), std::move(b.value()));
}

// mean = MEAN(x); var = MEAN(SQUARED_DIFFERENCE(x, mean)); mul = RSQRT(var + eps) * gamma;
// out = x * mul + (beta - mean * mul), with the layer's activation fused into the last ADD.
Result<int> TransferBuilder::styleNorm(int x, TransferLayer& layer) {
    const int c = layer.outChannels;
    const std::string ctx = "style norm of " + layer.name;
    auto meanOp = requireConsumer(x, kMean, ctx);
    if (!meanOp) return meanOp.status();
    auto mean = claim(meanOp.value(), 2);
    if (!mean) return mean.status();
    PASTICHE_RETURN_IF_ERROR(checkReduceHW(meanOp.value(), c));

    auto sqdOp = requireConsumer(x, kSquaredDifference, ctx);
    if (!sqdOp) return sqdOp.status();
    auto sqd = claim(sqdOp.value(), 2);
    if (!sqd) return sqd.status();
    if (otherInput(sqdOp.value(), x) != mean.value()) return unsupported(m_.describeOp(sqdOp.value()) + ": expected (x - mean)^2");

    auto varOp = requireConsumer(sqd.value(), kMean, ctx);
    if (!varOp) return varOp.status();
    auto var = claim(varOp.value(), 2);
    if (!var) return var.status();
    PASTICHE_RETURN_IF_ERROR(checkReduceHW(varOp.value(), c));

    auto epsOp = requireConsumer(var.value(), kAdd, ctx);
    if (!epsOp) return epsOp.status();
    auto varEps = claim(epsOp.value(), 2);
    if (!varEps) return varEps.status();
    auto eps = weights(otherInput(epsOp.value(), var.value()), {});
    if (!eps) return eps.status();
    if (eps->size() != 1 || !(eps.value()[0] > 0.f) || eps.value()[0] > 1.f)
        return unsupported(ctx + ": epsilon must be a scalar in (0, 1]");
    layer.norm.epsilon = eps.value()[0];

    auto rsqrtOp = requireConsumer(varEps.value(), kRsqrt, ctx);
    if (!rsqrtOp) return rsqrtOp.status();
    auto rs = claim(rsqrtOp.value(), 1);
    if (!rs) return rs.status();

    auto mulOp = requireConsumer(rs.value(), kMul, ctx);
    if (!mulOp) return mulOp.status();
    auto mul = claim(mulOp.value(), 2);
    if (!mul) return mul.status();
    auto gamma = styleConv(otherInput(mulOp.value(), rs.value()), c, "gamma", layer.name);
    if (!gamma) return gamma.status();

    auto mul1Op = requireConsumer(x, kMul, ctx);
    if (!mul1Op) return mul1Op.status();
    auto mul1 = claim(mul1Op.value(), 2);
    if (!mul1) return mul1.status();
    if (otherInput(mul1Op.value(), x) != mul.value()) return unsupported(m_.describeOp(mul1Op.value()) + ": expected x * scale");

    auto mul2Op = requireConsumer(mean.value(), kMul, ctx);
    if (!mul2Op) return mul2Op.status();
    auto mul2 = claim(mul2Op.value(), 2);
    if (!mul2) return mul2.status();
    if (otherInput(mul2Op.value(), mean.value()) != mul.value())
        return unsupported(m_.describeOp(mul2Op.value()) + ": expected mean * scale");

    auto subOp = requireConsumer(mul2.value(), kSub, ctx);
    if (!subOp) return subOp.status();
    auto sub = claim(subOp.value(), 2);
    if (!sub) return sub.status();
    if (m_.ops[size_t(subOp.value())].inputs[1] != mul2.value())
        return unsupported(m_.describeOp(subOp.value()) + ": expected beta - mean * scale");
    auto beta = styleConv(m_.ops[size_t(subOp.value())].inputs[0], c, "beta", layer.name);
    if (!beta) return beta.status();

    auto addOp = requireConsumer(mul1.value(), kAdd, ctx);
    if (!addOp) return addOp.status();
    auto out = claim(addOp.value(), 2);
    if (!out) return out.status();
    if (otherInput(addOp.value(), mul1.value()) != sub.value())
        return unsupported(m_.describeOp(addOp.value()) + ": expected x * scale + offset");
    for (int op : {sqdOp.value(), mulOp.value(), mul1Op.value(), mul2Op.value(), subOp.value(), epsOp.value()}) {
        const int optType = m_.ops[size_t(op)].code == kMul ? kMulOptions : m_.ops[size_t(op)].code == kSub ? kSubOptions : kAddOptions;
        if (m_.ops[size_t(op)].code == kSquaredDifference) continue;
        auto a = fusedActivation(op, optType, 0);
        if (!a) return a.status();
        if (a.value() != kActNone) return unsupported(m_.describeOp(op) + ": unexpected fused activation");
    }
    auto act = fusedActivation(addOp.value(), kAddOptions, 0);
    if (!act) return act.status();
    if (layer.activation != Activation::None)
        return unsupported(layer.name + ": activation before the style norm");
    if (act.value() == kActRelu) layer.activation = Activation::Relu;
    else if (act.value() != kActNone) return unsupported(m_.describeOp(addOp.value()) + ": unsupported fused activation");

    layer.hasNorm = true;
    layer.norm.gammaWeights = std::move(gamma->first);
    layer.norm.gammaBias = std::move(gamma->second);
    layer.norm.betaWeights = std::move(beta->first);
    layer.norm.betaBias = std::move(beta->second);
    return out;
}

Result<TransferNetwork> TransferBuilder::build() {
    for (const Operator& o : m_.ops) {
        if (o.code == kQuantize)
            return m_.error("int8-quantized activations (QUANTIZE ops) are not supported; use the fp16 model "
                            "style_transfer_f16_384.tflite (model id 'fast')");
    }
    if (m_.inputs.size() != 2 || m_.outputs.size() != 1)
        return unsupported("expected 2 inputs (content image, style vector) and 1 output");
    for (int t : m_.inputs) {
        const Tensor& tensor = m_.tensors[size_t(t)];
        if (tensor.type != kFloat32) return unsupported(m_.describe(t) + ": input must be FLOAT32");
        if (tensor.shape == std::vector<int>{1, 1, 1, kStyleVectorSize}) style_ = t;
        else if (tensor.shape.size() == 4 && tensor.shape[0] == 1 && tensor.shape[3] == 3) content_ = t;
    }
    if (content_ < 0 || style_ < 0)
        return unsupported("inputs must be a [1,H,W,3] content image and a [1,1,1,100] style vector");

    TransferNetwork net;
    const std::vector<std::string> names = expectedLayerNames();
    std::vector<int> layerInputs;
    int cur = content_;
    while (cur != m_.outputs[0]) {
        if (net.layers.size() >= names.size())
            return unsupported("more than " + std::to_string(names.size()) + " layers, or " + m_.describe(cur) +
                               " does not lead to the output");
        const std::string ctx = "layer " + std::to_string(net.layers.size());
        TransferLayer layer;
        layerInputs.push_back(cur);
        auto t = upsample(cur, layer);
        if (!t) return t.status();
        t = mirrorPad(t.value(), layer);
        if (!t) return t.status();
        t = conv(t.value(), layer);
        if (!t) return t.status();
        const size_t index = net.layers.size();
        if (layer.name != names[index])
            return unsupported(ctx + " is '" + layer.name + "', expected '" + names[index] + "'");
        auto meanOp = consumer(t.value(), kMean);
        if (!meanOp) return meanOp.status();
        if (meanOp.value() >= 0) {
            t = styleNorm(t.value(), layer);
            if (!t) return t.status();
        }
        auto sig = consumer(t.value(), kLogistic);
        if (!sig) return sig.status();
        if (sig.value() >= 0) {
            if (layer.activation != Activation::None) return unsupported(layer.name + ": two activations");
            t = claim(sig.value(), 1);
            if (!t) return t.status();
            layer.activation = Activation::Sigmoid;
        }
        // Residual: ADD(input of the previous layer, this layer's output). Other ADDs reading this
        // output (the skip path of the next block) are left for later.
        int add = -1;
        if (index > 0)
            for (int op : m_.consumers[size_t(t.value())])
                if (!claimed_[size_t(op)] && m_.ops[size_t(op)].code == kAdd && m_.ops[size_t(op)].inputs.size() == 2 &&
                    otherInput(op, t.value()) == layerInputs[index - 1])
                    add = op;
        if (add >= 0) {
            if (net.layers[index - 1].residual != ResidualRole::None)
                return unsupported(m_.describeOp(add) + ": only two-layer residual blocks are supported");
            auto act = fusedActivation(add, kAddOptions, 0);
            if (!act) return act.status();
            if (act.value() != kActNone || layer.activation != Activation::None)
                return unsupported(m_.describeOp(add) + ": no activation allowed around the residual add");
            t = claim(add, 2);
            if (!t) return t.status();
            net.layers[index - 1].residual = ResidualRole::BlockStart;
            layer.residual = ResidualRole::BlockEnd;
        }
        if (!net.layers.empty() && net.layers.back().outChannels != layer.inChannels)
            return unsupported(layer.name + ": " + std::to_string(layer.inChannels) + " input channels after a layer with " +
                               std::to_string(net.layers.back().outChannels));
        net.layers.push_back(std::move(layer));
        cur = t.value();
    }
    if (net.layers.size() != names.size())
        return unsupported("found " + std::to_string(net.layers.size()) + " layers, expected " + std::to_string(names.size()));
    if (net.layers.front().inChannels != 3 || net.layers.back().outChannels != 3)
        return unsupported("the network must map RGB to RGB");
    for (size_t op = 0; op < m_.ops.size(); ++op)
        if (!claimed_[op]) return unsupported(m_.describeOp(int(op)) + " is not part of the recognised structure");
    return net;
}

}  // namespace

Result<TransferNetwork> parseTransferNetwork(const uint8_t* data, size_t size, const std::string& nameForMessages) {
    auto model = parseModel(data, size, nameForMessages);
    if (!model) return model.status();
    auto net = TransferBuilder(model.value()).build();
    if (!net) return net.status();
    net->sourcePath = nameForMessages;
    return net;
}

}  // namespace pastiche
