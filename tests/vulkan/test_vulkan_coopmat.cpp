// The cooperative-matrix (tensor core) conv kernel against the CPU reference, and the persistent
// pipeline cache. The coopmat tests need a device that has cooperative matrices (an NVIDIA GPU);
// elsewhere (lavapipe in CI) they skip with a message. The validation layer is on; every test ends
// by asserting it reported nothing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/tflite_reader.h"
#include "support/test_support.h"
#include "vulkan_test_util.h"

namespace pastiche::test {
namespace {

class VulkanCoopMatTest : public ValidationSilentTest {
protected:
    void TearDown() override {
        unsetenv("PASTICHE_VK_COOPMAT");
        ValidationSilentTest::TearDown();
    }
};

// Creates the backend with PASTICHE_VK_COOPMAT=mode (fp16).
std::unique_ptr<TransferBackend> makeCoop(const TransferNetwork& net, const char* mode, bool profile = false) {
    setenv("PASTICHE_VK_COOPMAT", mode, 1);
    auto vk = makeVulkan(net, Precision::Fp16, profile);
    unsetenv("PASTICHE_VK_COOPMAT");
    return vk;
}

// The real model where it is found (realModelPath), else the synthetic one of its shape.
Result<TransferNetwork> realOrSyntheticNetwork() {
    const std::string path = realModelPath();
    if (path.empty()) return magentaShapedNetwork(42);
    return loadTransferNetwork(path);
}

bool usesTensorCores(const TransferBackend& b) { return b.device().matrixUnits.rfind("tensor cores:", 0) == 0; }

#define PASTICHE_REQUIRE_COOPMAT()                                                                        \
    do {                                                                                                  \
        PASTICHE_REQUIRE_VULKAN();                                                                        \
        auto _probe = makeVulkan(magentaShapedNetwork(1), Precision::Auto);                               \
        ASSERT_TRUE(_probe);                                                                              \
        if (!_probe->device().fp16 || _probe->device().matrixUnits.find("cooperative matrix") == std::string::npos) \
            GTEST_SKIP() << _probe->device().name << " has no usable cooperative matrices (fp16 16x16x16 -> fp32); " \
                         << "the scalar kernels run instead";                                             \
    } while (0)

// The fp16x2 kernel's tests need only fp16 arithmetic (lavapipe has it).
#define PASTICHE_REQUIRE_FP16()                                                                         \
    do {                                                                                                \
        PASTICHE_REQUIRE_VULKAN();                                                                      \
        auto _probe = makeVulkan(magentaShapedNetwork(1), Precision::Auto);                             \
        ASSERT_TRUE(_probe);                                                                            \
        if (!_probe->device().fp16) GTEST_SKIP() << _probe->device().name << " has no fp16 arithmetic"; \
    } while (0)

// The tile variant layer `name` ran in the last profiled frame, from its "<name> [conv] variant n"
// entry (PASTICHE_VK_PROFILE_CONV=1); empty without one.
std::string convVariantRan(const TransferBackend& b, const std::string& name) {
    const std::string prefix = name + " [conv] variant ";
    std::string ran;
    for (const LayerTiming& t : b.lastProfile())
        if (t.layer.rfind(prefix, 0) == 0) ran = t.layer.substr(prefix.size());
    return ran;
}

struct CoopCase {
    const char* name;
    std::vector<TransferLayer> layers;
};

// Every layer shape of the transfer network (9x9 3->8 and 8->3, stride 2, 2x upsample, the
// 32-channel residual pair), plus odd channel counts that exercise the padding of input channels
// (3, 12, 20) and of output channels (3, 24).
std::vector<CoopCase> coopCases() {
    using A = Activation;
    using R = ResidualRole;
    std::vector<CoopCase> cases;
    cases.push_back({"magenta_shape", magentaShapedNetwork(21).layers});
    cases.push_back({"conv3x3_3to3_none", {randomLayer("c", 3, 1, 3, 3, false, false, A::None, R::None, 22)}});
    cases.push_back({"conv9x9_3to3_sigmoid", {randomLayer("c", 9, 1, 3, 3, false, false, A::Sigmoid, R::None, 23)}});
    cases.push_back({"odd_channels",
                     {randomLayer("a", 3, 1, 3, 12, false, true, A::Relu, R::None, 24),
                      randomLayer("b", 3, 2, 12, 20, false, true, A::Relu, R::None, 25),
                      randomLayer("c", 3, 1, 20, 24, true, true, A::Relu, R::None, 26),
                      randomLayer("d", 5, 1, 24, 3, false, false, A::Sigmoid, R::None, 27)}});
    cases.push_back({"residual_block",
                     {randomLayer("a", 3, 1, 3, 32, false, true, A::Relu, R::None, 28),
                      randomLayer("b", 3, 1, 32, 32, false, true, A::Relu, R::BlockStart, 29),
                      randomLayer("c", 3, 1, 32, 32, false, true, A::None, R::BlockEnd, 30),
                      randomLayer("d", 3, 1, 32, 3, false, false, A::None, R::None, 31)}});
    return cases;
}

// One layer under test between plain 3x3 layers that make it a whole network (RGB in and out, the
// size kept: a stride-2 layer before an upsampling one); seed and seed + 1 for those layers.
std::vector<TransferLayer> wrapInRgbNetwork(TransferLayer tested, unsigned seed) {
    using A = Activation;
    using R = ResidualRole;
    std::vector<TransferLayer> layers;
    const bool up = tested.upsampleBefore;
    if (tested.inChannels != 3 || up)
        layers.push_back(randomLayer("pre", 3, up ? 2 : 1, 3, tested.inChannels, false, true, A::Relu, R::None, seed));
    const int oc = tested.outChannels;
    layers.push_back(std::move(tested));
    if (oc != 3) layers.push_back(randomLayer("post", 3, 1, oc, 3, false, false, A::Sigmoid, R::None, seed + 1));
    return layers;
}

// The packed variants (conv2d_coopmat.comp: G taps per entry, P pixels per matrix row, sub-pixel
// upsample) at the channel counts that choose each of them, odd ones included. Each case is one
// packed layer between plain 3x3 layers that make it a whole network (RGB in and out, the size
// kept: a stride-2 layer before an upsampling one).
std::vector<CoopCase> packedCases() {
    using A = Activation;
    using R = ResidualRole;
    std::vector<CoopCase> cases;
    cases.push_back(
        {"taps5_9x9_3to8", wrapInRgbNetwork(randomLayer("c", 9, 1, 3, 8, false, true, A::Relu, R::None, 40), 50)});
    cases.push_back(
        {"taps3_9x9_5to6", wrapInRgbNetwork(randomLayer("c", 9, 1, 5, 6, false, false, A::Relu, R::None, 41), 52)});
    cases.push_back(
        {"pix5_9x9_8to3", wrapInRgbNetwork(randomLayer("c", 9, 1, 8, 3, false, false, A::Sigmoid, R::None, 42), 54)});
    cases.push_back(
        {"pix2_5x5_12to7", wrapInRgbNetwork(randomLayer("c", 5, 1, 12, 7, false, true, A::Relu, R::None, 43), 56)});
    cases.push_back(
        {"sub_up_32to16", wrapInRgbNetwork(randomLayer("c", 3, 1, 32, 16, true, true, A::Relu, R::None, 44), 58)});
    cases.push_back(
        {"sub_up_16to8", wrapInRgbNetwork(randomLayer("c", 3, 1, 16, 8, true, true, A::Relu, R::None, 45), 60)});
    cases.push_back(
        {"sub_up_pix5_7to3", wrapInRgbNetwork(randomLayer("c", 3, 1, 7, 3, true, false, A::None, R::None, 46), 62)});
    cases.push_back(
        {"sub_up_20to24", wrapInRgbNetwork(randomLayer("c", 3, 1, 20, 24, true, true, A::Relu, R::None, 47), 64)});
    return cases;
}

// Number of conv layers on the packed kernel variants, from DeviceInfo::matrixUnits.
int packedLayers(const TransferBackend& b) {
    const std::string& s = b.device().matrixUnits;
    const size_t at = s.find(" packed");
    if (at == std::string::npos) return 0;
    size_t from = s.rfind('(', at);
    return from == std::string::npos ? 0 : std::atoi(s.c_str() + from + 1);
}

TEST_F(VulkanCoopMatTest, PackedVariantsMatchCpuAtOddSizes) {
    PASTICHE_REQUIRE_COOPMAT();
    const StyleVector style = randomStyle(17);
    for (const CoopCase& c : packedCases()) {
        TransferNetwork net;
        net.sourcePath = c.name;
        net.layers = c.layers;
        auto vk = makeCoop(net, "all");
        auto cpu = makeCpu(net);
        ASSERT_TRUE(vk && cpu);
        EXPECT_EQ(packedLayers(*vk), 1) << c.name << ": " << vk->device().matrixUnits;
        // Odd sizes: partial tiles, one-tile frames, frames of many tiles; edges of the clamp.
        for (auto [w, h] : {std::pair{37, 29}, std::pair{53, 70}, std::pair{161, 97}, std::pair{181, 171}}) {
            const ImageF in = testFrame(w, h, unsigned(3 * w + h));
            const ImageF want = runFloat(*cpu, in, style);
            const ImageF got = runFloat(*vk, in, style);
            const double p = psnr(want.pixels, got.pixels);
            EXPECT_GE(p, 40.0) << c.name << " at " << w << "x" << h;
            std::printf("packed coopmat %-18s %4dx%-4d PSNR %.1f dB\n", c.name, w, h, p);
        }
    }
}

TEST_F(VulkanCoopMatTest, EveryCoopMatOpMatchesCpuAtOddSizes) {
    PASTICHE_REQUIRE_COOPMAT();
    const StyleVector style = randomStyle(13);
    for (const char* pack : {"1", "0"}) {
        for (const CoopCase& c : coopCases()) {
            TransferNetwork net;
            net.sourcePath = c.name;
            net.layers = c.layers;
            // pack=0 also takes the element-per-invocation tile load (PASTICHE_VK_CM_LOADE=0).
            setenv("PASTICHE_VK_CM_PACK", pack, 1);
            setenv("PASTICHE_VK_CM_LOADE", pack, 1);
            auto vk = makeCoop(net, "all");
            unsetenv("PASTICHE_VK_CM_PACK");
            unsetenv("PASTICHE_VK_CM_LOADE");
            auto cpu = makeCpu(net);
            ASSERT_TRUE(vk && cpu);
            EXPECT_TRUE(usesTensorCores(*vk)) << c.name << ": " << vk->device().matrixUnits;
            if (pack[0] == '0') { EXPECT_EQ(packedLayers(*vk), 0) << vk->device().matrixUnits; }
            // Partial tiles in x and y, one-tile frames, and frames of many tiles.
            for (auto [w, h] : {std::pair{37, 29}, std::pair{53, 70}, std::pair{181, 171}}) {
                const ImageF in = testFrame(w, h, unsigned(w + h));
                const ImageF want = runFloat(*cpu, in, style);
                const ImageF got = runFloat(*vk, in, style);
                bool finite = true;
                for (float v : got.pixels) finite = finite && std::isfinite(v);
                EXPECT_TRUE(finite) << c.name << " at " << w << "x" << h;
                const double p = psnr(want.pixels, got.pixels);
                EXPECT_GE(p, 40.0) << c.name << " at " << w << "x" << h;
                std::printf("coopmat pack=%s %-22s %4dx%-4d PSNR %.1f dB\n", pack, c.name, w, h, p);
            }
        }
    }
}

// conv2d_coopmat_alias (the default where the device has VK_KHR_workgroup_memory_explicit_layout:
// the fp32 accumulators staged over the input tile's shared memory, 16-row tiles for stride-1 layers
// on outputs of >= 100000 pixels) with the packed variants and entry loads and with both off, or the
// plain kernel (PASTICHE_VK_CM_ALIAS=0), on every op case and every packed variant at odd sizes,
// 401x263 taking the 16-row tiles (fp16 PSNR >= 40 dB against the CPU). Two tests: the NVIDIA ICD
// refused vkCreateInstance after ~28 backends of this test in one process (bench/h200_run.sh runs
// each in its own).
void stagingMatchesCpu(const std::vector<std::pair<const char*, const char*>>& aliasPack) {
    const StyleVector style = randomStyle(15);
    std::vector<CoopCase> cases = coopCases();
    for (CoopCase& c : packedCases()) cases.push_back(std::move(c));
    for (auto [alias, pack] : aliasPack) {
        for (const CoopCase& c : cases) {
            TransferNetwork net;
            net.sourcePath = c.name;
            net.layers = c.layers;
            std::unique_ptr<TransferBackend> vk;
            {
                ScopedEnv a("PASTICHE_VK_CM_ALIAS", alias), p("PASTICHE_VK_CM_PACK", pack),
                    l("PASTICHE_VK_CM_LOADE", pack);
                vk = makeCoop(net, "all");
            }
            auto cpu = makeCpu(net);
            ASSERT_TRUE(vk && cpu);
            EXPECT_TRUE(usesTensorCores(*vk)) << c.name << ": " << vk->device().matrixUnits;
            for (auto [w, h] : {std::pair{37, 29}, std::pair{53, 70}, std::pair{181, 171}, std::pair{401, 263}}) {
                const ImageF in = testFrame(w, h, unsigned(w + 2 * h));
                const ImageF want = runFloat(*cpu, in, style);
                const ImageF got = runFloat(*vk, in, style);
                const double p = psnr(want.pixels, got.pixels);
                EXPECT_GE(p, 40.0) << c.name << " alias=" << alias << " pack=" << pack << " at " << w << "x" << h;
                std::printf("coopmat alias=%s pack=%s %-22s %4dx%-4d PSNR %.1f dB\n", alias, pack, c.name, w, h, p);
            }
        }
    }
}

TEST_F(VulkanCoopMatTest, AliasedStagingMatchesCpuAtOddSizes) {
    PASTICHE_REQUIRE_COOPMAT();
    stagingMatchesCpu({{"1", "1"}, {"1", "0"}});
}

TEST_F(VulkanCoopMatTest, PlainStagingMatchesCpuAtOddSizes) {
    PASTICHE_REQUIRE_COOPMAT();
    stagingMatchesCpu({{"0", "1"}});
}

TEST_F(VulkanCoopMatTest, ScalarSwitchTurnsTensorCoresOff) {
    PASTICHE_REQUIRE_COOPMAT();
    auto scalar = makeCoop(magentaShapedNetwork(2), "0");
    auto wide = makeCoop(magentaShapedNetwork(2), "k3");
    ASSERT_TRUE(scalar && wide);
    EXPECT_FALSE(usesTensorCores(*scalar)) << scalar->device().matrixUnits;
    EXPECT_TRUE(usesTensorCores(*wide)) << wide->device().matrixUnits;
    std::printf("%s\n%s\n", scalar->device().matrixUnits.c_str(), wide->device().matrixUnits.c_str());
}

// The real network on tensor cores (default layer choice and every layer) against the CPU
// backend, at an odd size and at 1080p.
TEST_F(VulkanCoopMatTest, WholeNetworkMatchesCpu) {
    PASTICHE_REQUIRE_COOPMAT();
    const std::string path = realModelPath();
    auto loaded = realOrSyntheticNetwork();
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const TransferNetwork net = std::move(loaded.value());
    auto cpu = makeCpu(net);
    ASSERT_TRUE(cpu);
    const StyleVector style = randomStyle(3);
    for (const char* mode : {"auto", "k3", "wide", "all"}) {
        auto vk = makeCoop(net, mode);
        ASSERT_TRUE(vk);
        ASSERT_TRUE(usesTensorCores(*vk));
        for (auto [w, h] : {std::pair{641, 361}, std::pair{1920, 1080}}) {
            const ImageF in = testFrame(w, h, 7);
            const ImageF want = runFloat(*cpu, in, style);
            const ImageF got = runFloat(*vk, in, style);
            const double p = psnr(want.pixels, got.pixels);
            EXPECT_GE(p, 40.0) << mode << " at " << w << "x" << h;
            std::printf("whole network, PASTICHE_VK_COOPMAT=%s, %dx%d: PSNR %.1f dB vs CPU (%s; %s)\n", mode, w, h, p,
                        path.empty() ? "synthetic" : path.c_str(), vk->device().matrixUnits.c_str());
        }
    }
}

// Every tile variant of the coopmat kernel (16x8; 16x16; 16x16 with the vector epilogue), and of the
// fp16x2 kernel (the last 9x9's six tiles, and the first 9x9's alternates after its one coopmat
// variant), forced on every layer that has it (PASTICHE_VK_CONV_CHOICE=n), so each one is checked
// in the whole network at sizes where the thresholds or the measured choice (conv_choice.h) would
// not pick it; odd sizes for the edges.
TEST_F(VulkanCoopMatTest, EveryTileVariantMatchesCpu) {
    PASTICHE_REQUIRE_COOPMAT();
    auto loaded = realOrSyntheticNetwork();
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const TransferNetwork net = std::move(loaded.value());
    auto cpu = makeCpu(net);
    ASSERT_TRUE(cpu);
    const StyleVector style = randomStyle(6);
    ScopedEnv choice("PASTICHE_VK_CONV_CHOICE", "0");
    for (const char* variant : {"0", "1", "2", "3", "4", "5", "6"}) {
        choice.set(variant);
        auto vk = makeVulkan(net, Precision::Auto);
        ASSERT_TRUE(vk);
        ASSERT_TRUE(usesTensorCores(*vk));
        for (auto [w, h] : {std::pair{203, 117}, std::pair{641, 361}}) {
            const ImageF in = testFrame(w, h, 8);
            const double p = psnr(runFloat(*cpu, in, style).pixels, runFloat(*vk, in, style).pixels);
            EXPECT_GE(p, 40.0) << "variant " << variant << " at " << w << "x" << h;
            std::printf("whole network, tile variant %s, %dx%d: PSNR %.1f dB vs CPU\n", variant, w, h, p);
        }
    }
}

// The whole real network against TensorFlow Lite itself at 384x384 (the make_goldens fixture), in
// the default layer choice and with every layer on tensor cores where the device has them.
TEST(VulkanTflite, WholeNetworkMatchesTfliteAt384) {
    PASTICHE_REQUIRE_VULKAN();
    if (!tfliteReferencesAvailable()) GTEST_SKIP() << "goldens not made (make_goldens fixture)";
    const std::string path = realModelPath();
    ASSERT_FALSE(path.empty()) << "style_transfer_f16_384.tflite not found";
    auto net = loadTransferNetwork(path);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    ImageF in(384, 384);
    in.pixels = readRawFloats(goldenPath("content384.bin"));
    ASSERT_EQ(in.pixels.size(), size_t(384) * 384 * 3);
    const StyleVector style = readStyleVector(goldenPath("vec_tflite.bin"));
    const std::vector<float> want = readRawFloats(goldenPath("out384_tflite.bin"));
    takeValidationMessages();
    for (const char* mode : {"auto", "all"}) {
        auto vk = makeCoop(net.value(), mode);
        ASSERT_TRUE(vk);
        const ImageF got = runFloat(*vk, in, style);
        const double p = psnr(want, got.pixels);
        EXPECT_GE(p, 40.0) << "PASTICHE_VK_COOPMAT=" << mode;
        std::printf("whole network vs TFLite at 384x384, PASTICHE_VK_COOPMAT=%s: PSNR %.1f dB, max abs %.3g (%s)\n",
                    mode, p, maxAbsDiff(want, got.pixels), vk->device().matrixUnits.c_str());
    }
    auto messages = takeValidationMessages();
    EXPECT_TRUE(messages.empty()) << messages.size() << " validation messages, first: " << messages.front();
}

// The packed-fp16 kernel for few output channels (conv2d_narrow_f16.comp, PASTICHE_VK_NARROW_H2) on
// every fp16 device (no tensor cores needed, so it runs on lavapipe too): the real last layer's shape
// (with instance norm, then sigmoid) and odd ones (3, 12, 20, 24 input channels; 1, 3, 4 outputs; 5x5
// to 9x9; with and without norm), with the previous layer's norm applied separately
// (PASTICHE_VK_H2_FUSE=0) and on load (the default), at odd sizes against the CPU
// (fp16 PSNR >= 40 dB), with the default fp16 partial sums (PASTICHE_VK_H2_FLUSH) and the longest.
// Each case's output must differ from the scalar kernel's (H2 off): proof that the variant ran.
TEST_F(VulkanCoopMatTest, NarrowHalf2MatchesCpuAtOddSizes) {
    PASTICHE_REQUIRE_FP16();
    using A = Activation;
    using R = ResidualRole;
    std::vector<CoopCase> cases;
    cases.push_back(
        {"h2_9x9_8to3_norm", wrapInRgbNetwork(randomLayer("c", 9, 1, 8, 3, false, true, A::Sigmoid, R::None, 70), 80)});
    cases.push_back(
        {"h2_9x9_3to3", wrapInRgbNetwork(randomLayer("c", 9, 1, 3, 3, false, false, A::Sigmoid, R::None, 71), 82)});
    cases.push_back(
        {"h2_5x5_24to3", wrapInRgbNetwork(randomLayer("c", 5, 1, 24, 3, false, false, A::Sigmoid, R::None, 72), 84)});
    cases.push_back(
        {"h2_7x7_20to4_norm", wrapInRgbNetwork(randomLayer("c", 7, 1, 20, 4, false, true, A::Relu, R::None, 73), 86)});
    cases.push_back(
        {"h2_9x9_8to3", wrapInRgbNetwork(randomLayer("c", 9, 1, 8, 3, false, false, A::Sigmoid, R::None, 75), 90)});
    cases.push_back(
        {"h2_9x9_12to1", wrapInRgbNetwork(randomLayer("c", 9, 1, 12, 1, false, false, A::None, R::None, 74), 88)});
    const StyleVector style = randomStyle(19);
    for (const char* flush : {"", "9"}) {
        for (const char* fuse : {"0", "1"}) {
            for (const CoopCase& c : cases) {
                TransferNetwork net;
                net.sourcePath = c.name;
                net.layers = c.layers;
                std::unique_ptr<TransferBackend> scalar, vk;
                {
                    ScopedEnv h2("PASTICHE_VK_NARROW_H2", "0");
                    ScopedEnv f("PASTICHE_VK_H2_FUSE", fuse);
                    std::optional<ScopedEnv> fl;
                    if (flush[0]) fl.emplace("PASTICHE_VK_H2_FLUSH", flush);
                    scalar = makeCoop(net, "k3");
                    h2.set("1");
                    vk = makeCoop(net, "k3");
                }
                auto cpu = makeCpu(net);
                ASSERT_TRUE(vk && scalar && cpu);
                if (usesTensorCores(*vk)) {
                    EXPECT_NE(vk->device().matrixUnits.find(" 1 fp16x2)"), std::string::npos)
                        << c.name << ": " << vk->device().matrixUnits;
                }
                for (auto [w, h] : {std::pair{37, 29}, std::pair{53, 70}, std::pair{161, 97}, std::pair{181, 171}}) {
                    const ImageF in = testFrame(w, h, unsigned(5 * w + h));
                    const ImageF want = runFloat(*cpu, in, style);
                    const ImageF got = runFloat(*vk, in, style);
                    const ImageF old = runFloat(*scalar, in, style);
                    const double p = psnr(want.pixels, got.pixels), pOld = psnr(want.pixels, old.pixels);
                    EXPECT_GE(p, 40.0) << c.name << " at " << w << "x" << h;
                    EXPECT_NE(maxAbsDiff(got.pixels, old.pixels), 0.0) << c.name << ": fp16x2 kernel not used?";
                    std::printf("fp16x2 %-17s flush=%s norm_on_load=%s %4dx%-4d PSNR %.1f dB (scalar kernel %.1f dB)\n",
                                c.name, flush[0] ? flush : "default", fuse, w, h, p, pOld);
                }
            }
        }
    }
}

// The fp16x2 kernel's tile variants (conv2d_narrow.cpp: the odd row stride, the 8-pixel tiles read
// in 16-byte quads from conv2d_narrow_f16_vec, and two of them with the next chunk prefetched), each
// forced in turn (PASTICHE_VK_CONV_CHOICE=n; the profile names the variant that ran): each matches
// the CPU at odd sizes, and all sum the same products in the same order, so the conv output is
// bit-identical to variant 0's. So is the network's where the tile is the same (variants 1 and 4) or
// the layer has no norm; with a norm, the other tiles' statistics are summed per tile and combined in
// another order (<= 1e-3 seen: 5e-4). Kernels 5, 7 and 9 with 3 to 24 input channels make the quad
// reads run past a row's last pair, or not.
TEST_F(VulkanCoopMatTest, NarrowHalf2TileVariantsAreBitIdentical) {
    PASTICHE_REQUIRE_FP16();
    using A = Activation;
    using R = ResidualRole;
    std::vector<CoopCase> cases;
    cases.push_back(
        {"h2_9x9_8to3_norm", wrapInRgbNetwork(randomLayer("c", 9, 1, 8, 3, false, true, A::Sigmoid, R::None, 60), 61)});
    cases.push_back(
        {"h2_5x5_24to3", wrapInRgbNetwork(randomLayer("c", 5, 1, 24, 3, false, false, A::Sigmoid, R::None, 62), 63)});
    cases.push_back(
        {"h2_7x7_3to4_norm", wrapInRgbNetwork(randomLayer("c", 7, 1, 3, 4, false, true, A::Relu, R::None, 64), 65)});
    const StyleVector style = randomStyle(23);
    const ScopedEnv h2("PASTICHE_VK_NARROW_H2", "1");
    const ScopedEnv split("PASTICHE_VK_PROFILE_CONV", "1");
    ScopedEnv choice("PASTICHE_VK_CONV_CHOICE", "0");
    for (const CoopCase& c : cases) {
        TransferNetwork net;
        net.sourcePath = c.name;
        net.layers = c.layers;
        auto cpu = makeCpu(net);
        ASSERT_TRUE(cpu);
        bool norm = false;
        for (const TransferLayer& l : net.layers) norm = norm || (l.name == "c" && l.hasNorm);
        const std::pair<int, int> sizes[] = {{37, 29}, {181, 171}};
        ImageF want[2], first[2];
        for (int i = 0; i < 2; ++i)
            want[i] = runFloat(*cpu, testFrame(sizes[i].first, sizes[i].second, unsigned(i + 5)), style);
        for (const char* variant : {"0", "1", "2", "3", "4", "5"}) {
            choice.set(variant);
            // One backend, both sizes (reshape). Tensor cores off: a forced variant would change the
            // wrapping layers' tiles (and their norm statistics) too.
            auto vk = makeCoop(net, "0", true);
            ASSERT_TRUE(vk);
            const bool exact = !norm || std::string(variant) == "1" || std::string(variant) == "4";
            for (int i = 0; i < 2; ++i) {
                const auto [w, h] = sizes[i];
                const ImageF got = runFloat(*vk, testFrame(w, h, unsigned(i + 5)), style);
                EXPECT_EQ(convVariantRan(*vk, "c"), variant) << c.name << ": the layer ran another variant";
                const double p = psnr(want[i].pixels, got.pixels);
                EXPECT_GE(p, 40.0) << c.name << " variant " << variant << " at " << w << "x" << h;
                if (first[i].pixels.empty())
                    first[i] = got;
                else
                    EXPECT_LE(maxAbsDiff(first[i].pixels, got.pixels), exact ? 0.0 : 1e-3)
                        << c.name << " variant " << variant << " at " << w << "x" << h;
                std::printf("fp16x2 %-17s variant %s %4dx%-4d PSNR %.1f dB\n", c.name, variant, w, h, p);
            }
        }
    }
}

// The fp16x2 kernel as a measured alternative beside another kernel (narrowHalf2Alternate: the
// first 9x9, 3 -> 8, on the H200; both 9x9s on GPUs without tensor cores), with its own weights (4
// or 8 output channels a tap) and descriptor set. PASTICHE_VK_H2_ALT=1 adds it on lavapipe too. Beside
// the scalar kernel everywhere, and beside the cooperative-matrix one where the device has it (the
// alternates then follow the coopmat variants, whose kernel must not run them); each variant is
// forced in turn and the profile names the one that ran. Every alternate matches the CPU at an odd
// size and differs from variant 0's output (another kernel ran); at least seven variants ran.
TEST_F(VulkanCoopMatTest, NarrowHalf2AlternatesMatchCpu) {
    PASTICHE_REQUIRE_FP16();
    using A = Activation;
    using R = ResidualRole;
    std::vector<CoopCase> cases;
    cases.push_back(
        {"alt_9x9_3to8_norm", wrapInRgbNetwork(randomLayer("c", 9, 1, 3, 8, false, true, A::Relu, R::None, 66), 67)});
    cases.push_back(
        {"alt_7x7_5to6", wrapInRgbNetwork(randomLayer("c", 7, 1, 5, 6, false, false, A::Relu, R::None, 68), 69)});
    cases.push_back({"alt_9x9_8to3_norm",
                     wrapInRgbNetwork(randomLayer("c", 9, 1, 8, 3, false, true, A::Sigmoid, R::None, 70), 71)});
    const StyleVector style = randomStyle(29);
    const ScopedEnv alt("PASTICHE_VK_H2_ALT", "1");
    const ScopedEnv h2("PASTICHE_VK_NARROW_H2", "0");  // the 8 -> 3 layer too stays on the scalar kernel
    const ScopedEnv split("PASTICHE_VK_PROFILE_CONV", "1");
    ScopedEnv choice("PASTICHE_VK_CONV_CHOICE", "0");
    // On a device with tensor cores also beside the cooperative-matrix kernel (the H200's case: the
    // first 9x9), for the first case (each backend costs an instance; the ICD has refused some 28).
    bool coopmat = false;
    {
        auto probe = makeCoop(magentaShapedNetwork(1), "all");
        coopmat = probe && usesTensorCores(*probe);
    }
    for (const char* mode : {"0", "all"}) {
        if (std::string(mode) == "all" && !coopmat) continue;
        for (const CoopCase& c : cases) {
            if (std::string(mode) == "all" && &c != &cases.front()) break;
            TransferNetwork net;
            net.sourcePath = c.name;
            net.layers = c.layers;
            auto cpu = makeCpu(net);
            ASSERT_TRUE(cpu);
            const ImageF in = testFrame(163, 91, 7);
            const ImageF want = runFloat(*cpu, in, style);
            ImageF primary;
            int ran = 0;
            for (int variant = 0; variant < 10; ++variant) {
                choice.set(std::to_string(variant).c_str());
                auto vk = makeCoop(net, mode, true);
                ASSERT_TRUE(vk);
                const ImageF got = runFloat(*vk, in, style);
                if (convVariantRan(*vk, "c") != std::to_string(variant)) break;  // past the layer's last variant
                ++ran;
                const double p = psnr(want.pixels, got.pixels);
                EXPECT_GE(p, 40.0) << c.name << " COOPMAT=" << mode << " variant " << variant;
                if (variant == 0)
                    primary = got;
                else
                    EXPECT_NE(maxAbsDiff(primary.pixels, got.pixels), 0.0) << c.name << " variant " << variant;
                std::printf("fp16x2 alternate %-18s COOPMAT=%-3s variant %d PSNR %.1f dB\n", c.name, mode, variant, p);
            }
            EXPECT_GE(ran, 7) << c.name << " COOPMAT=" << mode << ": the primary kernel and six fp16x2 tiles";
        }
    }
}

// Runs on every device: the first backend writes the pipeline cache file, the second loads it
// (and produces the same output). Times are printed, not asserted (docs/VULKAN.md has figures).
TEST_F(VulkanCoopMatTest, PipelineCachePersists) {
    PASTICHE_REQUIRE_VULKAN();
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("pastiche-cache-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const char* old = std::getenv("XDG_CACHE_HOME");
    const std::string saved = old ? old : "";
    setenv("XDG_CACHE_HOME", dir.c_str(), 1);
    const TransferNetwork net = magentaShapedNetwork(4);
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    auto first = makeVulkan(net, Precision::Auto);
    const double firstMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ASSERT_TRUE(first);
    std::vector<std::filesystem::path> files;
    // (Mesa keeps its own shader cache beside ours, under $XDG_CACHE_HOME/mesa_shader_cache.)
    // (The conv choices, conv_choice.h, go beside it in a .conv file, with its .conv.lock.)
    for (const auto& e : std::filesystem::directory_iterator(dir / "pastiche"))
        if (e.path().filename().string().find(".conv") == std::string::npos) files.push_back(e.path());
    ASSERT_EQ(files.size(), 1u) << "expected one cache file under " << dir / "pastiche";
    EXPECT_NE(files[0].filename().string().find("vk-pipelines-"), std::string::npos);
    const auto size = std::filesystem::file_size(files[0]);
    EXPECT_GE(size, 32u);  // at least the VkPipelineCacheHeaderVersionOne
    const auto written = std::filesystem::last_write_time(files[0]);
    t0 = Clock::now();
    auto second = makeVulkan(net, Precision::Auto);
    const double secondMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ASSERT_TRUE(second);
    EXPECT_EQ(std::filesystem::last_write_time(files[0]), written) << "second start had nothing new to cache";
    const ImageF in = testFrame(41, 33, 2);
    const ImageF a = runFloat(*first, in, randomStyle(5));
    const ImageF b = runFloat(*second, in, randomStyle(5));
    EXPECT_EQ(maxAbsDiff(a.pixels, b.pixels), 0.0);
    std::printf("pipeline cache %s: %llu bytes; backend creation %.1f ms first, %.1f ms second (%.1fx)\n",
                files[0].c_str(), static_cast<unsigned long long>(size), firstMs, secondMs, firstMs / secondMs);
    // A corrupt file is ignored (and replaced), never an error.
    { std::ofstream(files[0], std::ios::binary | std::ios::trunc) << "not a pipeline cache"; }
    auto third = makeVulkan(net, Precision::Auto);
    EXPECT_TRUE(third);
    EXPECT_GE(std::filesystem::file_size(files[0]), 32u);
    if (old) setenv("XDG_CACHE_HOME", saved.c_str(), 1);
    else unsetenv("XDG_CACHE_HOME");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pastiche::test
