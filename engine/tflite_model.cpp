#include "engine/tflite_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pastiche::tflite {

namespace {

// Tables of schema.fbs used here, by field index.
namespace ModelF { enum { version = 0, operatorCodes = 1, subgraphs = 2, description = 3, buffers = 4 }; }
namespace OpCodeF { enum { deprecatedBuiltin = 0, customCode = 1, version = 2, builtin = 3 }; }
namespace SubGraphF { enum { tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4 }; }
namespace TensorF { enum { shape = 0, type = 1, buffer = 2, name = 3, quantization = 4 }; }
namespace QuantF { enum { min = 0, max = 1, scale = 2, zeroPoint = 3, detailsType = 4, details = 5, quantizedDimension = 6 }; }
namespace OperatorF { enum { opcodeIndex = 0, inputs = 1, outputs = 2, optionsType = 3, options = 4 }; }
namespace BufferF { enum { data = 0, offset = 1, size = 2 }; }

constexpr size_t kMaxElements = size_t(1) << 28;  // far above anything in these models
constexpr int kMaxDim = 1 << 20;

Result<std::vector<int>> readIndexList(const fb::Table& t, int field, size_t limit, bool allowMinusOne,
                                       const std::string& what) {
    auto v = t.vector(field, 4);
    if (!v) return Status::error(what + ": " + v.status().message());
    std::vector<int> out;
    out.reserve(v->size());
    for (uint32_t i = 0; i < v->size(); ++i) {
        const int32_t idx = v->at<int32_t>(i);
        if ((idx < 0 && !(allowMinusOne && idx == -1)) || (idx >= 0 && size_t(idx) >= limit))
            return Status::error(what + ": index " + std::to_string(idx) + " out of range (" + std::to_string(limit) +
                                 " tensors)");
        out.push_back(idx);
    }
    return out;
}

}  // namespace

const char* opName(int code) {
    switch (code) {
        case kAdd: return "ADD";
        case kConv2D: return "CONV_2D";
        case kDepthwiseConv2D: return "DEPTHWISE_CONV_2D";
        case kDequantize: return "DEQUANTIZE";
        case kLogistic: return "LOGISTIC";
        case kMul: return "MUL";
        case kMean: return "MEAN";
        case kSub: return "SUB";
        case kRsqrt: return "RSQRT";
        case kResizeNearestNeighbor: return "RESIZE_NEAREST_NEIGHBOR";
        case kSquaredDifference: return "SQUARED_DIFFERENCE";
        case kMirrorPad: return "MIRROR_PAD";
        case kQuantize: return "QUANTIZE";
        case -1: return "custom op";
        default: return "unsupported op";
    }
}

const char* typeName(int type) {
    switch (type) {
        case kFloat32: return "FLOAT32";
        case kFloat16: return "FLOAT16";
        case kInt32: return "INT32";
        case kUInt8: return "UINT8";
        case kInt64: return "INT64";
        case kInt8: return "INT8";
        default: return "unsupported type";
    }
}

int typeSize(int type) {
    switch (type) {
        case kFloat32: case kInt32: return 4;
        case kFloat16: return 2;
        case kUInt8: case kInt8: return 1;
        case kInt64: return 8;
        default: return 0;
    }
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = uint32_t(h >> 15) << 31;
    const int exp = (h >> 10) & 0x1f;
    const uint32_t mant = h & 0x3ff;
    float f;
    if (exp == 0) {
        f = std::ldexp(float(mant), -24);  // zero or subnormal
    } else if (exp == 31) {
        f = mant ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    } else {
        f = std::ldexp(float(mant | 0x400), exp - 25);
    }
    return sign ? -f : f;
}

std::string Model::describe(int tensor) const {
    if (tensor < 0 || size_t(tensor) >= tensors.size()) return "tensor " + std::to_string(tensor) + " (absent)";
    return "tensor " + std::to_string(tensor) + " '" + tensors[size_t(tensor)].name + "'";
}

std::string Model::describeOp(int op) const {
    if (op < 0 || size_t(op) >= ops.size()) return "op " + std::to_string(op);
    const Operator& o = ops[size_t(op)];
    std::string s = "op " + std::to_string(op) + " (" + opName(o.code);
    if (!o.outputs.empty() && o.outputs[0] >= 0) s += " -> '" + tensors[size_t(o.outputs[0])].name + "'";
    return s + ")";
}

Result<Model> parseModel(const uint8_t* data, size_t size, const std::string& file) {
    Model m;
    m.file = file;
    auto fail = [&](const std::string& what) { return Status::error(file + ": " + what); };
    if (size >= 8 && std::memcmp(data + 4, "TFL3", 4) != 0)
        return fail("not a TensorFlow Lite model (file identifier is not TFL3)");
    auto root = fb::Table::root(data, size);
    if (!root) return fail(root.status().message());

    // Operator codes
    auto codesV = root->vector(ModelF::operatorCodes, 4);
    if (!codesV) return fail("operator codes: " + codesV.status().message());
    std::vector<int> codes;
    std::vector<std::string> customCodes;
    for (uint32_t i = 0; i < codesV->size(); ++i) {
        auto c = codesV->table(i);
        if (!c) return fail("operator code " + std::to_string(i) + ": " + c.status().message());
        auto dep = c->scalar<int8_t>(OpCodeF::deprecatedBuiltin, 0);
        auto bi = c->scalar<int32_t>(OpCodeF::builtin, 0);
        auto custom = c->string(OpCodeF::customCode);
        if (!dep || !bi || !custom) return fail("operator code " + std::to_string(i) + ": malformed");
        int code = std::max<int>(dep.value(), bi.value());
        if (!custom->empty()) code = -1;
        codes.push_back(code);
        customCodes.push_back(custom.value());
    }

    // Buffers
    auto buffersV = root->vector(ModelF::buffers, 4);
    if (!buffersV) return fail("buffers: " + buffersV.status().message());

    // Subgraph 0
    auto subgraphs = root->vector(ModelF::subgraphs, 4);
    if (!subgraphs) return fail("subgraphs: " + subgraphs.status().message());
    if (subgraphs->size() < 1) return fail("the model has no subgraph");
    auto sg = subgraphs->table(0);
    if (!sg) return fail("subgraph 0: " + sg.status().message());

    auto tensorsV = sg->vector(SubGraphF::tensors, 4);
    if (!tensorsV) return fail("tensors: " + tensorsV.status().message());
    const size_t nT = tensorsV->size();
    m.tensors.resize(nT);
    for (uint32_t i = 0; i < nT; ++i) {
        const std::string where = "tensor " + std::to_string(i);
        auto t = tensorsV->table(i);
        if (!t) return fail(where + ": " + t.status().message());
        Tensor& tensor = m.tensors[i];
        auto name = t->string(TensorF::name);
        if (!name) return fail(where + ": name: " + name.status().message());
        tensor.name = name.value();
        const std::string named = where + " '" + tensor.name + "'";
        auto type = t->scalar<int8_t>(TensorF::type, 0);
        if (!type) return fail(named + ": " + type.status().message());
        tensor.type = type.value();  // NOLINT(bugprone-signed-char-misuse): an int8 enum, not a char
        auto shape = t->vector(TensorF::shape, 4);
        if (!shape) return fail(named + ": shape: " + shape.status().message());
        if (shape->size() > 8) return fail(named + ": rank " + std::to_string(shape->size()) + " is too large");
        size_t elements = 1;
        for (uint32_t d = 0; d < shape->size(); ++d) {
            const int32_t dim = shape->at<int32_t>(d);
            if (dim < 1 || dim > kMaxDim) return fail(named + ": bad dimension " + std::to_string(dim) + " in its shape");
            if (elements > kMaxElements / size_t(dim)) return fail(named + ": shape has too many elements");
            elements *= size_t(dim);
            tensor.shape.push_back(dim);
        }
        tensor.elements = elements;

        auto bufferIndex = t->scalar<uint32_t>(TensorF::buffer, 0);
        if (!bufferIndex) return fail(named + ": " + bufferIndex.status().message());
        if (bufferIndex.value() >= buffersV->size())
            return fail(named + ": buffer index " + std::to_string(bufferIndex.value()) + " out of range (" +
                        std::to_string(buffersV->size()) + " buffers)");
        auto buffer = buffersV->table(bufferIndex.value());
        if (!buffer) return fail(named + ": buffer " + std::to_string(bufferIndex.value()) + ": " + buffer.status().message());
        auto bytes = buffer->vector(BufferF::data, 1);
        if (!bytes) return fail(named + ": buffer data: " + bytes.status().message());
        auto extOffset = buffer->scalar<uint64_t>(BufferF::offset, 0);
        if (!extOffset) return fail(named + ": buffer: " + extOffset.status().message());
        if (extOffset.value() > 1) return fail(named + ": buffer data stored outside the flatbuffer (unsupported)");
        if (!bytes->empty()) {
            const int ts = typeSize(tensor.type);
            if (ts == 0) return fail(named + ": constant of unsupported type " + std::to_string(tensor.type));
            const size_t need = elements * size_t(ts);
            if (bytes->byteSize() != need)
                return fail(named + ": buffer has " + std::to_string(bytes->byteSize()) + " bytes, shape needs " +
                            std::to_string(need));
            tensor.data = bytes->bytes();
        }

        if (t->has(TensorF::quantization)) {
            auto q = t->table(TensorF::quantization);
            if (!q) return fail(named + ": quantization: " + q.status().message());
            auto scales = q->vector(QuantF::scale, 4);
            auto zps = q->vector(QuantF::zeroPoint, 8);
            auto qdim = q->scalar<int32_t>(QuantF::quantizedDimension, 0);
            if (!scales || !zps || !qdim) return fail(named + ": malformed quantization parameters");
            for (uint32_t k = 0; k < scales->size(); ++k) tensor.scales.push_back(scales->at<float>(k));
            for (uint32_t k = 0; k < zps->size(); ++k) tensor.zeroPoints.push_back(zps->at<int64_t>(k));
            tensor.quantizedDimension = qdim.value();
        }
    }

    auto inputs = readIndexList(sg.value(), SubGraphF::inputs, nT, false, "subgraph inputs");
    if (!inputs) return fail(inputs.status().message());
    auto outputs = readIndexList(sg.value(), SubGraphF::outputs, nT, false, "subgraph outputs");
    if (!outputs) return fail(outputs.status().message());
    m.inputs = inputs.value();
    m.outputs = outputs.value();

    auto opsV = sg->vector(SubGraphF::operators, 4);
    if (!opsV) return fail("operators: " + opsV.status().message());
    m.producer.assign(nT, -1);
    m.consumers.assign(nT, {});
    for (uint32_t i = 0; i < opsV->size(); ++i) {
        const std::string where = "operator " + std::to_string(i);
        auto o = opsV->table(i);
        if (!o) return fail(where + ": " + o.status().message());
        Operator op;
        auto codeIndex = o->scalar<uint32_t>(OperatorF::opcodeIndex, 0);
        if (!codeIndex) return fail(where + ": " + codeIndex.status().message());
        if (codeIndex.value() >= codes.size())
            return fail(where + ": operator code index " + std::to_string(codeIndex.value()) + " out of range");
        op.code = codes[codeIndex.value()];
        op.customCode = customCodes[codeIndex.value()];
        auto ins = readIndexList(o.value(), OperatorF::inputs, nT, true, where + " inputs");
        if (!ins) return fail(ins.status().message());
        auto outs = readIndexList(o.value(), OperatorF::outputs, nT, false, where + " outputs");
        if (!outs) return fail(outs.status().message());
        op.inputs = ins.value();
        op.outputs = outs.value();
        auto optType = o->scalar<uint8_t>(OperatorF::optionsType, 0);
        if (!optType) return fail(where + ": " + optType.status().message());
        op.optionsType = optType.value();
        if (o->has(OperatorF::options)) {
            auto opt = o->table(OperatorF::options);
            if (!opt) return fail(where + ": options: " + opt.status().message());
            op.options = opt.value();
        }
        for (int out : op.outputs) {
            if (m.producer[size_t(out)] != -1)
                return fail(where + ": " + m.describe(out) + " is produced twice");
            if (m.tensors[size_t(out)].data) return fail(where + ": writes the constant " + m.describe(out));
            m.producer[size_t(out)] = int(i);
        }
        for (int in : op.inputs)
            if (in >= 0) m.consumers[size_t(in)].push_back(int(i));
        m.ops.push_back(std::move(op));
    }
    return m;
}

Result<std::vector<float>> constFloats(const Model& m, int tensor) {
    if (tensor < 0 || size_t(tensor) >= m.tensors.size()) return m.error("missing constant tensor");
    const Tensor* t = &m.tensors[size_t(tensor)];
    int source = tensor;
    if (!t->data) {
        // fp16 weights: FLOAT32 tensor = DEQUANTIZE(FLOAT16 constant)
        const int p = m.producer[size_t(tensor)];
        if (p < 0 || m.ops[size_t(p)].code != kDequantize || m.ops[size_t(p)].inputs.size() != 1 ||
            m.ops[size_t(p)].inputs[0] < 0)
            return m.error(m.describe(tensor) + ": expected constant data");
        source = m.ops[size_t(p)].inputs[0];
        const Tensor& s = m.tensors[size_t(source)];
        if (!s.data || s.type != kFloat16)
            return m.error(m.describe(tensor) + ": expected a DEQUANTIZE of a FLOAT16 constant");
        if (s.shape != t->shape)
            return m.error(m.describe(tensor) + ": DEQUANTIZE changes the shape");
        if (t->type != kFloat32) return m.error(m.describe(tensor) + ": expected type FLOAT32");
        t = &s;
    }
    std::vector<float> out(t->elements);
    if (t->type == kFloat32) {
        std::memcpy(out.data(), t->data, t->elements * 4);
    } else if (t->type == kFloat16) {
        for (size_t i = 0; i < t->elements; ++i) out[i] = halfToFloat(fb::load<uint16_t>(t->data + 2 * i));
    } else {
        return m.error(m.describe(source) + ": expected FLOAT32 or FLOAT16 data, got " + typeName(t->type));
    }
    for (float v : out)
        if (!std::isfinite(v)) return m.error(m.describe(source) + ": contains a non-finite value");
    return out;
}

Result<std::vector<int64_t>> constInts(const Model& m, int tensor) {
    if (tensor < 0 || size_t(tensor) >= m.tensors.size()) return m.error("missing constant tensor");
    const Tensor& t = m.tensors[size_t(tensor)];
    if (!t.data) return m.error(m.describe(tensor) + ": expected constant data");
    std::vector<int64_t> out(t.elements);
    if (t.type == kInt32) {
        for (size_t i = 0; i < t.elements; ++i) out[i] = fb::load<int32_t>(t.data + 4 * i);
    } else if (t.type == kInt64) {
        for (size_t i = 0; i < t.elements; ++i) out[i] = fb::load<int64_t>(t.data + 8 * i);
    } else {
        return m.error(m.describe(tensor) + ": expected INT32 or INT64 data, got " + typeName(t.type));
    }
    return out;
}

}  // namespace pastiche::tflite
