#include "vulkan_test_util.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include "engine/vulkan/vk_context.h"
#include "support/test_support.h"

namespace pastiche::test {
namespace {

// Validation layer on for every test in this binary, before any instance exists.
struct EnableValidation {
    EnableValidation() { setenv("PASTICHE_VK_VALIDATION", "1", 0); }
} enableValidation;

std::vector<float> uniform(size_t n, std::mt19937& rng, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

}  // namespace

bool vulkanAvailable(std::string* why) {
    static int state = -1;
    static std::string reason;
    if (state < 0) {
        auto devices = listVulkanDevices();
        if (!devices) reason = devices.status().message();
        else if (devices->empty()) reason = "no Vulkan 1.2 device";
        state = reason.empty() ? 1 : 0;
    }
    if (why) *why = reason;
    return state == 1;
}

TransferLayer randomLayer(const std::string& name, int k, int s, int in, int out, bool upsample, bool norm,
                          Activation act, ResidualRole role, unsigned seed) {
    std::mt19937 rng(seed);
    TransferLayer l;
    l.name = name;
    l.kernel = k;
    l.stride = s;
    l.pad = k / 2;
    l.inChannels = in;
    l.outChannels = out;
    l.upsampleBefore = upsample;
    const float scale = std::sqrt(3.f / float(k * k * in));
    l.weights = uniform(size_t(out) * k * k * in, rng, -scale, scale);
    l.bias = uniform(size_t(out), rng, -0.1f, 0.1f);
    l.hasNorm = norm;
    if (norm) {
        l.norm.gammaWeights = uniform(size_t(out) * kStyleVectorSize, rng, -0.05f, 0.05f);
        l.norm.gammaBias = uniform(size_t(out), rng, 0.8f, 1.2f);
        l.norm.betaWeights = uniform(size_t(out) * kStyleVectorSize, rng, -0.05f, 0.05f);
        l.norm.betaBias = uniform(size_t(out), rng, -0.2f, 0.2f);
    }
    l.activation = act;
    l.residual = role;
    return l;
}

TransferNetwork magentaShapedNetwork(unsigned seed) {
    TransferNetwork net;
    net.sourcePath = "synthetic";
    unsigned s = seed;
    auto add = [&](TransferLayer l) { net.layers.push_back(std::move(l)); };
    add(randomLayer("contract/conv1", 9, 1, 3, 8, false, true, Activation::Relu, ResidualRole::None, s++));
    add(randomLayer("contract/conv2", 3, 2, 8, 16, false, true, Activation::Relu, ResidualRole::None, s++));
    add(randomLayer("contract/conv3", 3, 2, 16, 32, false, true, Activation::Relu, ResidualRole::None, s++));
    for (int r = 1; r <= 5; ++r) {
        const std::string n = "residual/residual" + std::to_string(r);
        add(randomLayer(n + "/conv1", 3, 1, 32, 32, false, true, Activation::Relu, ResidualRole::BlockStart, s++));
        add(randomLayer(n + "/conv2", 3, 1, 32, 32, false, true, Activation::None, ResidualRole::BlockEnd, s++));
    }
    add(randomLayer("expand/conv1", 3, 1, 32, 16, true, true, Activation::Relu, ResidualRole::None, s++));
    add(randomLayer("expand/conv2", 3, 1, 16, 8, true, true, Activation::Relu, ResidualRole::None, s++));
    add(randomLayer("expand/conv3", 9, 1, 8, 3, false, true, Activation::Sigmoid, ResidualRole::None, s++));
    return net;
}

StyleVector randomStyle(unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(0.f, 1.f);
    StyleVector v;
    for (float& x : v) x = d(rng);
    return v;
}

ImageF testFrame(int w, int h, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> noise(-0.1f, 0.1f);
    ImageF img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) {
                float v = 0.5f + 0.35f * std::sin(0.07f * float(x) * float(c + 1) + 0.05f * float(y)) + noise(rng);
                img.pixels[(size_t(y) * w + x) * 3 + c] = std::fmin(1.f, std::fmax(0.f, v));
            }
    return img;
}

std::string realModelPath() {
    const char* env = std::getenv("PASTICHE_VK_MODEL");
    std::vector<std::string> candidates;
    if (env && *env) candidates.push_back(env);
    candidates.push_back(sharedDir() + "/models/magenta/style_transfer_f16_384.tflite");
    candidates.push_back(std::string(PASTICHE_SOURCE_DIR) + "/.devdata/style_transfer_f16_384.tflite");
    candidates.push_back(".devdata/style_transfer_f16_384.tflite");
    for (const auto& c : candidates)
        if (std::ifstream(c).good()) return c;
    return {};
}

std::unique_ptr<TransferBackend> makeVulkan(const TransferNetwork& net, Precision p, bool profile) {
    BackendOptions o;
    o.kind = BackendKind::Vulkan;
    o.precision = p;
    o.profile = profile;
    auto b = createVulkanBackend(net, o);
    EXPECT_TRUE(b.isOk()) << b.status().message();
    return b ? std::move(b.value()) : nullptr;
}

std::unique_ptr<TransferBackend> makeCpu(const TransferNetwork& net) {
    BackendOptions o;
    o.kind = BackendKind::Cpu;
    auto b = createCpuBackend(net, o);
    EXPECT_TRUE(b.isOk()) << b.status().message();
    return b ? std::move(b.value()) : nullptr;
}

ImageF runFloat(TransferBackend& b, const ImageF& in, const StyleVector& style) {
    ImageF out(in.width, in.height);
    Status s = b.reshape(in.width, in.height);
    EXPECT_TRUE(s.isOk()) << s.message();
    s = b.setStyle(style);
    EXPECT_TRUE(s.isOk()) << s.message();
    s = b.run(in.view(), out.view());
    EXPECT_TRUE(s.isOk()) << s.message();
    return out;
}

std::vector<std::string> takeValidationMessages() {
    auto m = vk::validationMessages();
    vk::clearValidationMessages();
    return m;
}

}  // namespace pastiche::test
