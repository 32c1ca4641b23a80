// Vulkan backend vs the CPU backend (the reference), on lavapipe in CI and on real GPUs: every
// shader variant through small synthetic networks at odd sizes, the real model at three sizes,
// pipelining, reshape, Rgb8 frames, forced failures. The validation layer is on; every test ends
// by asserting it reported nothing.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/tflite_reader.h"
#include "support/test_support.h"
#include "vulkan_test_util.h"

namespace pastiche::test {
namespace {

class VulkanTest : public ValidationSilentTest {};

std::string describeMismatch(const ImageF& want, const ImageF& got) {
    std::string out;
    int n = 0;
    for (size_t i = 0; i < want.pixels.size() && n < 6; ++i) {
        if (std::fabs(want.pixels[i] - got.pixels[i]) > 1e-4) {
            out += "\n  x " + std::to_string((i / 3) % size_t(want.width)) + " y " +
                   std::to_string(i / 3 / size_t(want.width)) + " c " + std::to_string(i % 3) + ": want " +
                   std::to_string(want.pixels[i]) + " got " + std::to_string(got.pixels[i]);
            ++n;
        }
    }
    return out;
}

struct OpCase {
    const char* name;
    std::vector<TransferLayer> layers;
};

std::vector<OpCase> opCases() {
    using A = Activation;
    using R = ResidualRole;
    std::vector<OpCase> cases;
    cases.push_back({"conv9x9_sigmoid", {randomLayer("c", 9, 1, 3, 3, false, false, A::Sigmoid, R::None, 1)}});
    cases.push_back({"conv3x3_none", {randomLayer("c", 3, 1, 3, 3, false, false, A::None, R::None, 2)}});
    cases.push_back({"conv9x9_norm_relu",
                     {randomLayer("a", 9, 1, 3, 8, false, true, A::Relu, R::None, 3),
                      randomLayer("b", 3, 1, 8, 3, false, false, A::None, R::None, 4)}});
    cases.push_back({"stride2_upsample_norm",
                     {randomLayer("a", 3, 2, 3, 16, false, true, A::Relu, R::None, 5),
                      randomLayer("b", 3, 1, 16, 3, true, true, A::Relu, R::None, 6)}});
    cases.push_back({"residual_block",
                     {randomLayer("a", 3, 1, 3, 32, false, true, A::Relu, R::None, 7),
                      randomLayer("b", 3, 1, 32, 32, false, true, A::Relu, R::BlockStart, 8),
                      randomLayer("c", 3, 1, 32, 32, false, true, A::None, R::BlockEnd, 9),
                      randomLayer("d", 9, 1, 32, 3, false, false, A::Sigmoid, R::None, 10)}});
    return cases;
}

TEST_F(VulkanTest, ListsDevices) {
    PASTICHE_REQUIRE_VULKAN();
    auto devices = listVulkanDevices();
    ASSERT_TRUE(devices.isOk());
    ASSERT_FALSE(devices->empty());
    for (const auto& d : devices.value()) {
        EXPECT_FALSE(d.name.empty());
        EXPECT_FALSE(d.type.empty());
        std::printf("device %d: %s (%s, %s, %llu MiB, fp16 %d, matrix units: %s)\n", d.index, d.name.c_str(),
                    d.type.c_str(), d.driver.c_str(), static_cast<unsigned long long>(d.memoryBytes >> 20), int(d.fp16),
                    d.matrixUnits.empty() ? "none" : d.matrixUnits.c_str());
    }
}

TEST_F(VulkanTest, EveryOpMatchesCpuFp32AtOddSizes) {
    PASTICHE_REQUIRE_VULKAN();
    const StyleVector style = randomStyle(11);
    for (const OpCase& c : opCases()) {
        TransferNetwork net;
        net.sourcePath = c.name;
        net.layers = c.layers;
        auto vk = makeVulkan(net, Precision::Fp32);
        auto cpu = makeCpu(net);
        ASSERT_TRUE(vk && cpu);
        // 181x171: above the output size where wide layers switch to their large-frame tiles.
        for (auto [w, h] : {std::pair{37, 29}, std::pair{64, 48}, std::pair{53, 70}, std::pair{181, 171}}) {
            const ImageF in = testFrame(w, h, unsigned(w * h));
            const ImageF want = runFloat(*cpu, in, style);
            const ImageF got = runFloat(*vk, in, style);
            EXPECT_LE(maxAbsDiff(want.pixels, got.pixels), 1e-4) << c.name << " at " << w << "x" << h
                                                                  << describeMismatch(want, got);
        }
    }
}

TEST_F(VulkanTest, EveryOpFp16Psnr) {
    PASTICHE_REQUIRE_VULKAN();
    auto probe = makeVulkan(magentaShapedNetwork(1), Precision::Auto);
    ASSERT_TRUE(probe);
    if (!probe->device().fp16) GTEST_SKIP() << probe->device().name << " has no fp16 support";
    const StyleVector style = randomStyle(12);
    for (const OpCase& c : opCases()) {
        TransferNetwork net;
        net.layers = c.layers;
        auto vk = makeVulkan(net, Precision::Fp16);
        auto cpu = makeCpu(net);
        ASSERT_TRUE(vk && cpu);
        EXPECT_EQ(vk->precision(), Precision::Fp16);
        const ImageF in = testFrame(45, 37, 5);
        const ImageF want = runFloat(*cpu, in, style);
        const ImageF got = runFloat(*vk, in, style);
        EXPECT_GE(psnr(want.pixels, got.pixels), 40.0) << c.name;
    }
}

// The real transfer network (or, without the model file, a synthetic one of the same shape).
TransferNetwork networkUnderTest(std::string* which) {
    const std::string path = realModelPath();
    if (!path.empty()) {
        auto net = loadTransferNetwork(path);
        EXPECT_TRUE(net.isOk()) << net.status().message();
        if (net) {
            *which = path;
            return std::move(net.value());
        }
    }
    *which = "synthetic Magenta-shaped network (model file not found)";
    return magentaShapedNetwork(42);
}

TEST_F(VulkanTest, WholeNetworkMatchesCpu) {
    PASTICHE_REQUIRE_VULKAN();
    std::string which;
    const TransferNetwork net = networkUnderTest(&which);
    auto cpu = makeCpu(net);
    auto vk32 = makeVulkan(net, Precision::Fp32);
    auto vkAuto = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(cpu && vk32 && vkAuto);
    const StyleVector style = randomStyle(3);
    for (auto [w, h] : {std::pair{384, 384}, std::pair{321, 201}, std::pair{641, 361}}) {
        const ImageF in = testFrame(w, h, 7);
        const ImageF want = runFloat(*cpu, in, style);
        const ImageF got = runFloat(*vk32, in, style);
        const double diff = maxAbsDiff(want.pixels, got.pixels);
        EXPECT_LE(diff, 1e-4) << which << " at " << w << "x" << h;
        const ImageF gotAuto = runFloat(*vkAuto, in, style);
        const double p = psnr(want.pixels, gotAuto.pixels);
        EXPECT_GE(p, 40.0) << which << " at " << w << "x" << h;
        std::printf("%dx%d: fp32 max abs %.3g; %s PSNR %.1f dB (%s)\n", w, h, diff,
                    vkAuto->precision() == Precision::Fp16 ? "fp16" : "fp32", p, which.c_str());
    }
}

TEST_F(VulkanTest, Rgb8FramesMatchCpu) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(5);
    auto cpu = makeCpu(net);
    auto vk = makeVulkan(net, Precision::Fp32);
    ASSERT_TRUE(cpu && vk);
    const int w = 97, h = 61;
    const ImageF f = testFrame(w, h, 9);
    Image8 in(w, h);
    for (size_t i = 0; i < in.pixels.size(); ++i) in.pixels[i] = uint8_t(f.pixels[i] * 255.f + 0.5f);
    const StyleVector style = randomStyle(4);
    Image8 want(w, h), got(w, h);
    for (TransferBackend* b : {cpu.get(), vk.get()}) {
        ASSERT_TRUE(b->reshape(w, h).isOk());
        ASSERT_TRUE(b->setStyle(style).isOk());
    }
    ASSERT_TRUE(cpu->run(in.view(), want.view()).isOk());
    Status s = vk->run(in.view(), got.view());
    ASSERT_TRUE(s.isOk()) << s.message();
    int maxDiff = 0;
    for (size_t i = 0; i < want.pixels.size(); ++i) maxDiff = std::max(maxDiff, std::abs(int(want.pixels[i]) - int(got.pixels[i])));
    EXPECT_LE(maxDiff, 1);
    // A strided output view.
    std::vector<uint8_t> strided(size_t(w * 3 + 13) * h);
    ImageView sv{strided.data(), w, h, PixelFormat::Rgb8, size_t(w * 3 + 13)};
    ASSERT_TRUE(vk->run(in.view(), sv).isOk());
    for (int y = 0; y < h; ++y)
        EXPECT_EQ(0, std::memcmp(strided.data() + size_t(y) * (w * 3 + 13), got.pixels.data() + size_t(y) * w * 3, size_t(w) * 3));
}

namespace {
// Frames submitted in flight (slot after slot, collected in order) against the same frames run
// one at a time, bit for bit, at sizes changed back and forth.
void expectPipelinedMatchesRun(TransferBackend& vk) {
    ASSERT_GE(vk.framesInFlight(), 2);
    ASSERT_TRUE(vk.setStyle(randomStyle(8)).isOk());
    for (auto [w, h] : {std::pair{83, 47}, std::pair{128, 72}, std::pair{83, 47}}) {
        ASSERT_TRUE(vk.reshape(w, h).isOk());
        const int n = vk.framesInFlight() * 2 + 1;
        std::vector<Image8> ins, runs, piped;
        for (int i = 0; i < n; ++i) {
            const ImageF f = testFrame(w, h, unsigned(100 + i));
            Image8 in(w, h);
            for (size_t k = 0; k < in.pixels.size(); ++k) in.pixels[k] = uint8_t(f.pixels[k] * 255.f);
            ins.push_back(in);
            Image8 out(w, h);
            Status s = vk.run(in.view(), out.view());
            ASSERT_TRUE(s.isOk()) << s.message();
            runs.push_back(out);
            piped.emplace_back(w, h);
        }
        const int slots = vk.framesInFlight();
        for (int i = 0; i < n + slots; ++i) {
            if (i >= slots) {
                Status s = vk.collect((i - slots) % slots, piped[size_t(i - slots)].view());
                ASSERT_TRUE(s.isOk()) << s.message();
            }
            if (i < n) {
                Status s = vk.submit(ins[size_t(i)].view(), i % slots);
                ASSERT_TRUE(s.isOk()) << s.message();
            }
        }
        for (int i = 0; i < n; ++i) EXPECT_EQ(runs[size_t(i)].pixels, piped[size_t(i)].pixels) << "frame " << i;
    }
}
}  // namespace

TEST_F(VulkanTest, PipelinedMatchesRunAndReshapeWorks) {
    PASTICHE_REQUIRE_VULKAN();
    auto vk = makeVulkan(magentaShapedNetwork(6), Precision::Auto);
    ASSERT_TRUE(vk);
    expectPipelinedMatchesRun(*vk);
}

// Lanes (vulkan_backend.h): frames in flight on two and three copies of the network's buffers,
// each on its own compute queue where the device has them (lavapipe has one: then only the
// buffers are separate). A lane reading another's buffers would mix frames.
TEST_F(VulkanTest, PipelinedOnSeveralLanesMatchesRun) {
    PASTICHE_REQUIRE_VULKAN();
    for (int lanes : {2, 3}) {
        SCOPED_TRACE("lanes " + std::to_string(lanes));
        const ScopedEnv env("PASTICHE_VK_LANES", std::to_string(lanes).c_str());
        auto vk = makeVulkan(magentaShapedNetwork(6), Precision::Auto);
        ASSERT_TRUE(vk);
        ASSERT_TRUE(vk->reshape(83, 47).isOk());
        EXPECT_EQ(vk->computeLanes(), lanes);
        expectPipelinedMatchesRun(*vk);
    }
}

// The measured choice of tile variants (engine/vulkan/conv_choice.h): measured at the first
// reshape and written beside the pipeline cache, read back by the next backend (which then writes
// nothing and gives the same frame); and every variant, forced on every layer that has it, matches
// the CPU backend (on lavapipe the residual convs' 16x16 and 16x8 scalar tiles).
TEST_F(VulkanTest, ConvVariantsMeasuredRememberedAndEachMatchesCpu) {
    PASTICHE_REQUIRE_VULKAN();
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("pastiche-choice-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    const ScopedEnv cache("XDG_CACHE_HOME", dir.c_str());
    ScopedEnv mode("PASTICHE_VK_CONV_CHOICE", "measure");
    const TransferNetwork net = magentaShapedNetwork(9);
    const ImageF in = testFrame(83, 61, 3);
    const StyleVector style = randomStyle(4);
    auto first = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(first);
    const ImageF a = runFloat(*first, in, style);
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir / "pastiche"))
        if (e.path().extension() == ".conv") files.push_back(e.path());
    ASSERT_EQ(files.size(), 1u) << "no conv choices beside the pipeline cache in " << dir / "pastiche";
    std::ifstream lines(files[0]);
    int remembered = 0;
    for (std::string line; std::getline(lines, line); ++remembered) {
        // "... variants <n> ...<TAB><chosen>": the choice is one of the layer's variants
        const size_t at = line.find(" variants ");
        ASSERT_NE(at, std::string::npos) << line;
        const int count = std::atoi(line.c_str() + at + 10), chosen = std::atoi(line.c_str() + line.rfind('\t') + 1);
        EXPECT_TRUE(chosen >= 0 && chosen < count) << line;
    }
    EXPECT_GE(remembered, 10) << "the ten residual convs have two tile variants each";
    const auto written = std::filesystem::last_write_time(files[0]);
    auto second = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(second);
    const ImageF b = runFloat(*second, in, style);
    EXPECT_EQ(std::filesystem::last_write_time(files[0]), written) << "the second backend measured again";
    EXPECT_EQ(maxAbsDiff(a.pixels, b.pixels), 0.0);

    auto cpu = makeCpu(net);
    ASSERT_TRUE(cpu);
    const ImageF want = runFloat(*cpu, in, style);
    for (const char* variant : {"0", "1"}) {
        mode.set(variant);
        auto vk = makeVulkan(net, Precision::Auto);
        ASSERT_TRUE(vk);
        const ImageF got = runFloat(*vk, in, style);
        EXPECT_GE(psnr(want.pixels, got.pixels), 40.0) << "variant " << variant;
    }
    std::filesystem::remove_all(dir);
}

TEST_F(VulkanTest, ProfileHasEveryLayer) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(2);
    auto vk = makeVulkan(net, Precision::Auto, true);
    ASSERT_TRUE(vk);
    runFloat(*vk, testFrame(64, 64, 1), randomStyle(1));
    auto profile = vk->lastProfile();
    ASSERT_EQ(profile.size(), net.layers.size() + 2);
    double total = 0;
    for (const auto& t : profile) {
        EXPECT_GE(t.milliseconds, 0.0) << t.layer;
        total += t.milliseconds;
    }
    EXPECT_GT(total, 0.0);
}

TEST_F(VulkanTest, ForcedFailuresReturnErrors) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(3);
    setenv("PASTICHE_VK_FAIL", "create", 1);
    BackendOptions o;
    o.kind = BackendKind::Vulkan;
    auto failed = createVulkanBackend(net, o);
    EXPECT_FALSE(failed.isOk());
    EXPECT_NE(failed.status().message().find("forced failure"), std::string::npos);
    unsetenv("PASTICHE_VK_FAIL");
    auto vk = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(vk);
    setenv("PASTICHE_VK_FAIL", "reshape", 1);
    EXPECT_FALSE(vk->reshape(64, 64).isOk());
    unsetenv("PASTICHE_VK_FAIL");
    ASSERT_TRUE(vk->reshape(64, 64).isOk());
    ImageF in = testFrame(64, 64, 1), out(64, 64);
    setenv("PASTICHE_VK_FAIL", "run", 1);
    EXPECT_FALSE(vk->run(in.view(), out.view()).isOk());
    unsetenv("PASTICHE_VK_FAIL");
    EXPECT_TRUE(vk->run(in.view(), out.view()).isOk());
}

TEST_F(VulkanTest, BadArgumentsReturnErrors) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(3);
    auto vk = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(vk);
    ImageF in = testFrame(64, 64, 1), out(64, 64);
    EXPECT_FALSE(vk->run(in.view(), out.view()).isOk());  // before reshape
    EXPECT_FALSE(vk->reshape(4, 4).isOk());
    ASSERT_TRUE(vk->reshape(32, 32).isOk());
    EXPECT_FALSE(vk->run(in.view(), out.view()).isOk());  // wrong size
    EXPECT_FALSE(vk->collect(0, out.view()).isOk());      // nothing submitted
    EXPECT_FALSE(vk->submit(in.view(), 99).isOk());
    BackendOptions o;
    o.kind = BackendKind::Vulkan;
    o.deviceIndex = 1000;
    EXPECT_FALSE(createVulkanBackend(net, o).isOk());
    TransferNetwork bad = net;
    bad.layers[3].weights.pop_back();
    o.deviceIndex = -1;
    EXPECT_FALSE(createVulkanBackend(bad, o).isOk());
}

// Instance norm applied as the next conv loads its input (default) vs a separate norm_apply pass.
TEST_F(VulkanTest, NormOnLoadMatchesSeparatePass) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(9);
    setenv("PASTICHE_VK_FUSE_NORM", "0", 1);
    auto separate = makeVulkan(net, Precision::Fp32);
    setenv("PASTICHE_VK_FUSE_NORM", "1", 1);  // into every conv, the scalar ones too
    auto fused = makeVulkan(net, Precision::Fp32);
    unsetenv("PASTICHE_VK_FUSE_NORM");
    ASSERT_TRUE(separate && fused);
    const ImageF in = testFrame(53, 41, 4);
    const ImageF a = runFloat(*separate, in, randomStyle(6));
    const ImageF b = runFloat(*fused, in, randomStyle(6));
    EXPECT_LE(maxAbsDiff(a.pixels, b.pixels), 1e-5);
    EXPECT_GT(maxAbsDiff(a.pixels, std::vector<float>(a.pixels.size(), 0.f)), 0.01);  // not all zero
}

TEST_F(VulkanTest, Fp32EnvironmentSwitch) {
    PASTICHE_REQUIRE_VULKAN();
    setenv("PASTICHE_VK_FP32", "1", 1);
    auto vk = makeVulkan(magentaShapedNetwork(1), Precision::Auto);
    unsetenv("PASTICHE_VK_FP32");
    ASSERT_TRUE(vk);
    EXPECT_EQ(vk->precision(), Precision::Fp32);
}

}  // namespace
}  // namespace pastiche::test

namespace pastiche::test {
namespace {

// Single-tap kernels (identity, shifted in x or y) at an odd size: the output must equal the
// input exactly for the centre tap and the CPU backend exactly for shifted taps (checks upload,
// padding, tile indexing, crop and download independently of the arithmetic).
TEST_F(VulkanTest, SingleTapConvsMatchExactly) {
    PASTICHE_REQUIRE_VULKAN();
    for (int K : {3, 9}) {
        for (int shift : {0, 1, -K / 2}) {
            for (bool vertical : {false, true}) {
                TransferNetwork net;
                net.layers.push_back(randomLayer("tap", K, 1, 3, 3, false, false, Activation::None, ResidualRole::None, 1));
                TransferLayer& l = net.layers[0];
                std::fill(l.weights.begin(), l.weights.end(), 0.f);
                std::fill(l.bias.begin(), l.bias.end(), 0.f);
                const int m = K / 2, ky = m + (vertical ? shift : 0), kx = m + (vertical ? 0 : shift);
                for (int c = 0; c < 3; ++c) l.weights[((size_t(c) * K + ky) * K + kx) * 3 + size_t(c)] = 1.f;
                auto vk = makeVulkan(net, Precision::Fp32);
                auto cpu = makeCpu(net);
                ASSERT_TRUE(vk && cpu);
                const ImageF in = testFrame(37, 29, 3);
                const ImageF out = runFloat(*vk, in, randomStyle(1));
                if (shift == 0) { EXPECT_EQ(maxAbsDiff(in.pixels, out.pixels), 0.0); }
                const ImageF ref = runFloat(*cpu, in, randomStyle(1));
                EXPECT_EQ(maxAbsDiff(ref.pixels, out.pixels), 0.0)
                    << "K " << K << " shift " << shift << (vertical ? " y" : " x") << describeMismatch(ref, out);
            }
        }
    }
}

}  // namespace
}  // namespace pastiche::test
