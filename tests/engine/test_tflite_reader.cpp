// TFLite reader: the real model files load into the expected typed structure; corrupt, truncated
// and unexpected files give errors that name the file and the problem, never a crash (the
// mutation fuzz below runs under ASan + UBSan in the sanitizer build).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "engine/flatbuffer.h"
#include "engine/tflite_model.h"
#include "engine/tflite_reader.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

const char* kTransfer = "style_transfer_f16_384.tflite";
const char* kTransferInt8 = "style_transfer_quantized_384.tflite";
const char* kPredictor = "style_predict_quantized_256.tflite";

// The fetched copy under the test data dir when present, else ../shared; "" when neither exists.
std::string modelPath(const std::string& name) {
    for (const std::string& p : {test::modelsDir() + "/" + name, test::sharedDir() + "/models/magenta/" + name})
        if (std::filesystem::exists(p)) return p;
    return "";
}

std::vector<uint8_t> readBytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

#define REQUIRE_MODEL(var, name)                                              \
    const std::string var = modelPath(name);                                  \
    if (var.empty()) {                                                        \
        if (const char* r = std::getenv("PASTICHE_REQUIRE_GOLDENS"); r && std::string(r) == "1") \
            FAIL() << "model " << name << " not found";                       \
        GTEST_SKIP() << "model " << name << " not found";                     \
    }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// Real files

TEST(TfliteReader, TransferNetworkStructure) {
    REQUIRE_MODEL(path, kTransfer);
    auto net = loadTransferNetwork(path);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    ASSERT_EQ(net->layers.size(), 16u);
    EXPECT_EQ(net->sourcePath, path);

    struct Expect {
        const char* name;
        int k, s, pad, in, out;
        bool up, norm;
        Activation act;
        ResidualRole role;
    };
    using A = Activation;
    using R = ResidualRole;
    std::vector<Expect> expect = {
        {"transformer/contract/conv1", 9, 1, 4, 3, 8, false, false, A::Relu, R::None},
        {"transformer/contract/conv2", 3, 2, 1, 8, 16, false, false, A::Relu, R::None},
        {"transformer/contract/conv3", 3, 2, 1, 16, 32, false, false, A::Relu, R::None},
    };
    static std::vector<std::string> resNames;  // keeps c_str() alive
    resNames.clear();
    for (int r = 1; r <= 5; ++r)
        for (int c = 1; c <= 2; ++c)
            resNames.push_back("transformer/residual/residual" + std::to_string(r) + "/conv" + std::to_string(c));
    for (size_t i = 0; i < resNames.size(); ++i)
        expect.push_back({resNames[i].c_str(), 3, 1, 1, 32, 32, false, true, i % 2 ? A::None : A::Relu,
                          i % 2 ? R::BlockEnd : R::BlockStart});
    expect.push_back({"transformer/expand/conv1", 3, 1, 1, 32, 16, true, true, A::Relu, R::None});
    expect.push_back({"transformer/expand/conv2", 3, 1, 1, 16, 8, true, true, A::Relu, R::None});
    expect.push_back({"transformer/expand/conv3", 9, 1, 4, 8, 3, false, true, A::Sigmoid, R::None});

    for (size_t i = 0; i < expect.size(); ++i) {
        const TransferLayer& l = net->layers[i];
        const Expect& e = expect[i];
        SCOPED_TRACE("layer " + std::to_string(i) + " " + l.name);
        EXPECT_EQ(l.name, e.name);
        EXPECT_EQ(l.kernel, e.k);
        EXPECT_EQ(l.stride, e.s);
        EXPECT_EQ(l.pad, e.pad);
        EXPECT_EQ(l.inChannels, e.in);
        EXPECT_EQ(l.outChannels, e.out);
        EXPECT_EQ(l.upsampleBefore, e.up);
        EXPECT_EQ(l.hasNorm, e.norm);
        EXPECT_EQ(l.activation, e.act);
        EXPECT_EQ(l.residual, e.role);
        EXPECT_EQ(l.weights.size(), size_t(e.out) * e.k * e.k * e.in);
        EXPECT_EQ(l.bias.size(), size_t(e.out));
        double sumAbs = 0;
        for (float w : l.weights) {
            ASSERT_TRUE(std::isfinite(w));
            sumAbs += std::fabs(w);
        }
        EXPECT_GT(sumAbs, 0.0) << "weights all zero";
        if (e.norm) {
            EXPECT_EQ(l.norm.gammaWeights.size(), size_t(e.out) * kStyleVectorSize);
            EXPECT_EQ(l.norm.betaWeights.size(), size_t(e.out) * kStyleVectorSize);
            EXPECT_EQ(l.norm.gammaBias.size(), size_t(e.out));
            EXPECT_EQ(l.norm.betaBias.size(), size_t(e.out));
            // 1e-5 stored as fp16
            EXPECT_NEAR(l.norm.epsilon, 1e-5f, 1e-7f);
            EXPECT_NE(l.norm.gammaWeights, l.norm.betaWeights);
        }
    }
}

// The reader finds weights by following the graph; cross-check against the tensors that carry the
// layer's name in the file (conv weights, gamma = StyleNorm/Conv_1, beta = StyleNorm/Conv).
TEST(TfliteReader, TransferWeightsMatchTheNamedTensors) {
    REQUIRE_MODEL(path, kTransfer);
    auto net = loadTransferNetwork(path);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    const std::vector<uint8_t> bytes = readBytes(path);
    auto m = tflite::parseModel(bytes.data(), bytes.size(), kTransfer);
    ASSERT_TRUE(m.isOk()) << m.status().message();
    auto named = [&](const std::string& name) -> std::vector<float> {
        for (size_t i = 0; i < m->tensors.size(); ++i)
            if (m->tensors[i].name == name) {
                auto v = tflite::constFloats(m.value(), int(i));
                return v.isOk() ? v.value() : std::vector<float>{};
            }
        return {};
    };
    int checked = 0;
    for (const TransferLayer& l : net->layers) {
        SCOPED_TRACE(l.name);
        const bool expand = l.name.find("/expand/") != std::string::npos;
        const std::string scope = l.name + (expand ? "/conv" : "");
        const std::vector<float> w = named(scope + "/weights");
        ASSERT_FALSE(w.empty());
        EXPECT_EQ(l.weights, w);
        if (!l.hasNorm) continue;
        EXPECT_EQ(l.norm.gammaWeights, named("style_params/" + scope + "/StyleNorm/Conv_1/weights"));
        EXPECT_EQ(l.norm.gammaBias, named("style_params/" + scope + "/StyleNorm/Conv_1/Conv2D_bias"));
        EXPECT_EQ(l.norm.betaWeights, named("style_params/" + scope + "/StyleNorm/Conv/weights"));
        EXPECT_EQ(l.norm.betaBias, named("style_params/" + scope + "/StyleNorm/Conv/Conv2D_bias"));
        ++checked;
    }
    EXPECT_EQ(checked, 13);
}

// The fp16 -> fp32 conversion against values computed by hand.
TEST(TfliteReader, HalfToFloat) {
    EXPECT_EQ(tflite::halfToFloat(0x3c00), 1.0f);
    EXPECT_EQ(tflite::halfToFloat(0xc000), -2.0f);
    EXPECT_EQ(tflite::halfToFloat(0x3555), 0.333251953125f);
    EXPECT_EQ(tflite::halfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(tflite::halfToFloat(0x7bff), 65504.0f);
    EXPECT_TRUE(std::isinf(tflite::halfToFloat(0x7c00)));
    EXPECT_TRUE(std::isnan(tflite::halfToFloat(0x7e00)));
    EXPECT_EQ(tflite::halfToFloat(0x0000), 0.0f);
    EXPECT_TRUE(std::signbit(tflite::halfToFloat(0x8000)));
}

TEST(TfliteReader, StyleNetworkStructure) {
    REQUIRE_MODEL(path, kPredictor);
    auto net = loadStyleNetwork(path);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    EXPECT_EQ(net->ops.size(), 66u);
    EXPECT_EQ(net->tensors.size(), 67u);
    int counts[6] = {};
    for (const StyleOp& op : net->ops) counts[int(op.kind)]++;
    EXPECT_EQ(counts[int(StyleOpKind::Quantize)], 1);
    EXPECT_EQ(counts[int(StyleOpKind::Conv2D)], 36);
    EXPECT_EQ(counts[int(StyleOpKind::DepthwiseConv2D)], 17);
    EXPECT_EQ(counts[int(StyleOpKind::Add)], 10);
    EXPECT_EQ(counts[int(StyleOpKind::Mean)], 1);
    EXPECT_EQ(counts[int(StyleOpKind::Dequantize)], 1);

    const StyleOp& first = net->ops.front();
    ASSERT_EQ(first.kind, StyleOpKind::Quantize);
    const StyleTensor& q = net->tensors[size_t(first.output)];
    EXPECT_NEAR(q.quant.scale[0], 1.f / 255.f, 1e-9f);
    EXPECT_EQ(q.quant.zeroPoint[0], -128);
    EXPECT_EQ(net->ops.back().kind, StyleOpKind::Dequantize);
    EXPECT_EQ(net->tensors[size_t(net->input)].shape, (std::vector<int>{1, 256, 256, 3}));
    EXPECT_EQ(net->tensors[size_t(net->output)].shape, (std::vector<int>{1, 1, 1, 100}));

    // First conv: 3x3 stride 2 SAME, 3 -> 32, ReLU6, per-channel scales.
    const StyleOp& conv = net->ops[1];
    EXPECT_EQ(conv.kind, StyleOpKind::Conv2D);
    EXPECT_EQ(conv.kernelH, 3);
    EXPECT_EQ(conv.strideH, 2);
    EXPECT_EQ(conv.padding, PaddingKind::Same);
    EXPECT_TRUE(conv.relu6);
    EXPECT_EQ(conv.weights.size(), 32u * 3 * 3 * 3);
    EXPECT_EQ(conv.bias.size(), 32u);
    EXPECT_EQ(conv.weightQuant.scale.size(), 32u);
    EXPECT_NE(conv.weightQuant.scale[0], conv.weightQuant.scale[1]);
    // Final 1x1 conv to 100 channels, no activation.
    const StyleOp& last = net->ops[net->ops.size() - 2];
    EXPECT_EQ(last.kind, StyleOpKind::Conv2D);
    EXPECT_EQ(last.weights.size(), 100u * 1280);
    EXPECT_FALSE(last.relu6);
    for (const StyleOp& op : net->ops)
        if (op.kind == StyleOpKind::DepthwiseConv2D) {
            EXPECT_EQ(op.depthMultiplier, 1);
        }
}

TEST(TfliteReader, RejectsQuantizedTransferModelClearly) {
    REQUIRE_MODEL(path, kTransferInt8);
    auto net = loadTransferNetwork(path);
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), kTransferInt8)) << net.status().message();
    EXPECT_TRUE(contains(net.status().message(), "int8")) << net.status().message();
}

TEST(TfliteReader, RejectsTheWrongKindOfNetwork) {
    REQUIRE_MODEL(transfer, kTransfer);
    REQUIRE_MODEL(predictor, kPredictor);
    auto a = loadStyleNetwork(transfer);
    ASSERT_FALSE(a.isOk());
    EXPECT_TRUE(contains(a.status().message(), "unsupported graph")) << a.status().message();
    auto b = loadTransferNetwork(predictor);
    ASSERT_FALSE(b.isOk());
    EXPECT_EQ(b.status().message().rfind(kPredictor, 0), 0u) << b.status().message();
}

TEST(TfliteReader, MissingFileNamesThePath) {
    auto net = loadTransferNetwork("/nonexistent/dir/model.tflite");
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), "/nonexistent/dir/model.tflite")) << net.status().message();
    auto s = loadStyleNetwork("/nonexistent/style.tflite");
    ASSERT_FALSE(s.isOk());
}

// ---------------------------------------------------------------------------------------------
// Targeted corruptions with specific messages

struct Located {
    std::vector<uint8_t> bytes;
    fb::Table root, subgraph;
};

Located locate(const std::string& path) {
    Located l;
    l.bytes = readBytes(path);
    auto root = fb::Table::root(l.bytes.data(), l.bytes.size());
    EXPECT_TRUE(root.isOk());
    l.root = root.value();
    auto subgraphs = l.root.vector(2, 4);
    EXPECT_TRUE(subgraphs.isOk());
    auto sg = subgraphs->table(0);
    EXPECT_TRUE(sg.isOk());
    l.subgraph = sg.value();
    return l;
}

void put32(std::vector<uint8_t>& b, size_t pos, uint32_t v) { std::memcpy(b.data() + pos, &v, 4); }

fb::Table tensorTable(const Located& l, uint32_t index) {
    auto tensors = l.subgraph.vector(0, 4);
    EXPECT_TRUE(tensors.isOk());
    auto t = tensors->table(index);
    EXPECT_TRUE(t.isOk());
    return t.value();
}

TEST(TfliteReader, TruncatedFiles) {
    REQUIRE_MODEL(path, kTransfer);
    const std::vector<uint8_t> bytes = readBytes(path);
    for (size_t n : {size_t(0), size_t(8), size_t(100), bytes.size() / 2}) {
        auto net = parseTransferNetwork(bytes.data(), n, "truncated.tflite");
        ASSERT_FALSE(net.isOk()) << n << " bytes";
        EXPECT_TRUE(contains(net.status().message(), "truncated.tflite: ")) << net.status().message();
        auto style = parseStyleNetwork(bytes.data(), n, "truncated.tflite");
        ASSERT_FALSE(style.isOk());
    }
    EXPECT_TRUE(contains(parseTransferNetwork(bytes.data(), 0, "t").status().message(), "too small"));
    EXPECT_TRUE(contains(parseTransferNetwork(nullptr, 0, "t").status().message(), "too small"));
}

TEST(TfliteReader, NotATfliteFile) {
    std::vector<uint8_t> junk(4096, 0x41);
    auto net = parseTransferNetwork(junk.data(), junk.size(), "junk.bin");
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), "junk.bin: not a TensorFlow Lite model")) << net.status().message();
}

TEST(TfliteReader, BadRootOffset) {
    REQUIRE_MODEL(path, kTransfer);
    std::vector<uint8_t> bytes = readBytes(path);
    put32(bytes, 0, 0xfffffff0u);
    auto net = parseTransferNetwork(bytes.data(), bytes.size(), "root.tflite");
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), "root.tflite: table at 0xfffffff0 is outside the file"))
        << net.status().message();
}

TEST(TfliteReader, HugeVectorLength) {
    REQUIRE_MODEL(path, kTransfer);
    Located l = locate(path);
    // The tensors vector of subgraph 0: its length word lies at field position + offset.
    const size_t field = l.subgraph.fieldPosition(0);
    ASSERT_NE(field, 0u);
    uint32_t rel;
    std::memcpy(&rel, l.bytes.data() + field, 4);
    put32(l.bytes, field + rel, 0x7fffffffu);
    auto net = parseTransferNetwork(l.bytes.data(), l.bytes.size(), "huge.tflite");
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), "huge.tflite: tensors: vector at")) << net.status().message();
    EXPECT_TRUE(contains(net.status().message(), "claims 2147483647 elements")) << net.status().message();
}

// Finds a tensor by name in the pristine file.
int tensorIndex(const std::vector<uint8_t>& bytes, const std::string& name) {
    auto m = tflite::parseModel(bytes.data(), bytes.size(), "x");
    if (!m) return -1;
    for (size_t i = 0; i < m->tensors.size(); ++i)
        if (m->tensors[i].name == name) return int(i);
    return -1;
}

TEST(TfliteReader, WrongTensorTypeGivesSizeMismatch) {
    REQUIRE_MODEL(path, kTransfer);
    Located l = locate(path);
    const int t = tensorIndex(l.bytes, "transformer/contract/conv1/weights");
    ASSERT_GE(t, 0);
    fb::Table tensor = tensorTable(l, uint32_t(t));
    const size_t typePos = tensor.fieldPosition(1);
    ASSERT_NE(typePos, 0u);
    ASSERT_EQ(l.bytes[typePos], tflite::kFloat16);
    l.bytes[typePos] = tflite::kInt8;
    auto net = parseTransferNetwork(l.bytes.data(), l.bytes.size(), kTransfer);
    ASSERT_FALSE(net.isOk());
    EXPECT_EQ(net.status().message(), std::string(kTransfer) + ": tensor " + std::to_string(t) +
                                          " 'transformer/contract/conv1/weights': buffer has 3888 bytes, shape needs 1944");
}

TEST(TfliteReader, ShapeNotMatchingBuffer) {
    REQUIRE_MODEL(path, kTransfer);
    Located l = locate(path);
    const int t = tensorIndex(l.bytes, "transformer/contract/conv2/weights");
    ASSERT_GE(t, 0);
    fb::Table tensor = tensorTable(l, uint32_t(t));
    auto shape = tensor.vector(0, 4);
    ASSERT_TRUE(shape.isOk());
    ASSERT_EQ(shape->size(), 4u);
    // [16,3,3,8] -> [16,3,5,8]
    const size_t dimPos = size_t(shape->bytes() - l.bytes.data()) + 2 * 4;
    put32(l.bytes, dimPos, 5);
    auto net = parseTransferNetwork(l.bytes.data(), l.bytes.size(), kTransfer);
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), "'transformer/contract/conv2/weights': buffer has 2304 bytes, shape needs 3840"))
        << net.status().message();
}

TEST(TfliteReader, WrongActivationTypeInPredictor) {
    REQUIRE_MODEL(path, kPredictor);
    Located l = locate(path);
    const int t = tensorIndex(l.bytes, "MobilenetV2/Conv/Relu6");
    ASSERT_GE(t, 0);
    fb::Table tensor = tensorTable(l, uint32_t(t));
    const size_t typePos = tensor.fieldPosition(1);
    ASSERT_NE(typePos, 0u);
    l.bytes[typePos] = tflite::kUInt8;
    auto net = parseStyleNetwork(l.bytes.data(), l.bytes.size(), kPredictor);
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), std::string(kPredictor) + ": unsupported graph: tensor " +
                                                     std::to_string(t) + " 'MobilenetV2/Conv/Relu6': expected INT8, found UINT8"))
        << net.status().message();
}

TEST(TfliteReader, UnsupportedOperatorInTransfer) {
    REQUIRE_MODEL(path, kTransfer);
    Located l = locate(path);
    // Turn the MIRROR_PAD operator code into PAD (34), which the typed network cannot express.
    auto codes = l.root.vector(1, 4);
    ASSERT_TRUE(codes.isOk());
    bool changed = false;
    for (uint32_t i = 0; i < codes->size(); ++i) {
        auto c = codes->table(i);
        ASSERT_TRUE(c.isOk());
        auto code = c->scalar<int32_t>(3, 0);
        auto deprecated = c->scalar<int8_t>(0, 0);
        ASSERT_TRUE(code.isOk() && deprecated.isOk());
        if (std::max<int>(code.value(), deprecated.value()) == tflite::kMirrorPad) {
            if (c->fieldPosition(3)) put32(l.bytes, c->fieldPosition(3), 34);
            if (c->fieldPosition(0)) l.bytes[c->fieldPosition(0)] = 34;
            changed = true;
        }
    }
    ASSERT_TRUE(changed);
    auto net = parseTransferNetwork(l.bytes.data(), l.bytes.size(), kTransfer);
    ASSERT_FALSE(net.isOk());
    EXPECT_TRUE(contains(net.status().message(), "unsupported graph: before a convolution: expected a MIRROR_PAD"))
        << net.status().message();
}

// ---------------------------------------------------------------------------------------------
// Mutation fuzz: random truncations, byte flips and interesting 32-bit words on the real files.
// Every result must be a network or an error naming the file. Iterations per file:
// PASTICHE_FUZZ_ITERATIONS (default 8000, 1500 under ASan), seed PASTICHE_FUZZ_SEED (default 1).

#if defined(__SANITIZE_ADDRESS__)
constexpr int kDefaultFuzzIterations = 1500;  // ASan is ~6x slower; keeps the run near 30 s
#else
constexpr int kDefaultFuzzIterations = 8000;
#endif

int envInt(const char* name, int def) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : def;
}

void fuzzModel(const std::string& path, bool transfer) {
    const std::vector<uint8_t> pristine = readBytes(path);
    ASSERT_GT(pristine.size(), 1000u);
    // Bias mutations toward the flatbuffer structure (everything except bulk constant data), where
    // the interesting bugs would be.
    std::vector<std::pair<size_t, size_t>> structure;
    {
        auto m = tflite::parseModel(pristine.data(), pristine.size(), "x");
        ASSERT_TRUE(m.isOk());
        std::vector<std::pair<size_t, size_t>> data;
        for (const auto& t : m->tensors)
            if (t.data && t.elements * size_t(tflite::typeSize(t.type)) > 64) {
                const size_t b = size_t(t.data - pristine.data());
                data.push_back({b, b + t.elements * size_t(tflite::typeSize(t.type))});
            }
        std::sort(data.begin(), data.end());
        size_t cur = 0;
        for (auto [b, e] : data) {
            if (b > cur) structure.push_back({cur, b});
            cur = std::max(cur, e);
        }
        if (cur < pristine.size()) structure.push_back({cur, pristine.size()});
    }
    const int iterations = envInt("PASTICHE_FUZZ_ITERATIONS", kDefaultFuzzIterations);
    const unsigned seed = unsigned(envInt("PASTICHE_FUZZ_SEED", 1));
    const std::string name = std::filesystem::path(path).filename().string();
    int ok = 0, errors = 0;
    std::vector<uint8_t> bytes;
    const auto start = std::chrono::steady_clock::now();
    for (int it = 0; it < iterations; ++it) {
        std::mt19937 rng(seed * 7919u + unsigned(it) + (transfer ? 0u : 1000003u));
        bytes = pristine;
        auto pick = [&](size_t n) { return size_t(std::uniform_int_distribution<size_t>(0, n - 1)(rng)); };
        auto structuralPos = [&]() {
            const auto& r = structure[pick(structure.size())];
            return r.first + pick(r.second - r.first);
        };
        const int mutations = 1 + int(pick(8));
        for (int k = 0; k < mutations && !bytes.empty(); ++k) {
            const size_t pos = pick(4) ? std::min(structuralPos(), bytes.size() - 1) : pick(bytes.size());
            switch (pick(5)) {
                case 0: bytes[pos] ^= uint8_t(1u << pick(8)); break;
                case 1: bytes[pos] = uint8_t(rng()); break;
                case 2: {
                    static const uint32_t words[] = {0u, 1u, 0xffffffffu, 0x7fffffffu, 0x80000000u, 0xfffffff0u, 4u, 0x10000u};
                    if (pos + 4 <= bytes.size()) put32(bytes, pos & ~size_t(3), words[pick(8)]);
                    break;
                }
                case 3:
                    if (pos + 4 <= bytes.size()) put32(bytes, pos & ~size_t(3), uint32_t(rng()) % uint32_t(bytes.size() + 64));
                    break;
                case 4:
                    if (pick(3) == 0) bytes.resize(pick(bytes.size()));
                    break;
            }
        }
        // Both readers see every mutant: the one meant for the file, and the other one, whose
        // graph walk then meets a well-formed but unexpected model.
        const std::string label = name + "#" + std::to_string(it);
        Status transferStatus, styleStatus;
        {
            auto net = parseTransferNetwork(bytes.data(), bytes.size(), label);
            transferStatus = net.status();
            if (net) {
                // A network that loads is consistent enough for the backends.
                ASSERT_EQ(net->layers.size(), 16u) << label;
                for (const TransferLayer& l : net->layers) {
                    ASSERT_EQ(l.weights.size(), size_t(l.outChannels) * l.kernel * l.kernel * l.inChannels) << label;
                    ASSERT_EQ(l.bias.size(), size_t(l.outChannels)) << label;
                    if (l.hasNorm) {
                        ASSERT_EQ(l.norm.gammaWeights.size(), size_t(l.outChannels) * kStyleVectorSize) << label;
                    }
                }
            }
        }
        {
            auto net = parseStyleNetwork(bytes.data(), bytes.size(), label);
            styleStatus = net.status();
        }
        const Status& st = transfer ? transferStatus : styleStatus;
        if (st.isOk()) {
            ++ok;
        } else {
            ++errors;
        }
        for (const Status* s : {&transferStatus, &styleStatus}) {
            if (!s->isOk()) {
                ASSERT_EQ(s->message().rfind(label + ": ", 0), 0u) << "error does not name the file: " << s->message();
            }
        }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[fuzz] %s: %d iterations (seed %u): %d parsed, %d rejected with an error, %.1f s\n", name.c_str(),
                iterations, seed, ok, errors, s);
    EXPECT_GT(errors, 0);
}

TEST(TfliteReader, MutationFuzzTransfer) {
    REQUIRE_MODEL(path, kTransfer);
    fuzzModel(path, true);
}
TEST(TfliteReader, MutationFuzzTransferInt8) {
    REQUIRE_MODEL(path, kTransferInt8);
    fuzzModel(path, true);
}
TEST(TfliteReader, MutationFuzzPredictor) {
    REQUIRE_MODEL(path, kPredictor);
    fuzzModel(path, false);
}

}  // namespace
}  // namespace pastiche
