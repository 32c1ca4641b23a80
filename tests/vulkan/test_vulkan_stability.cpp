// Device-side temporal stability (TransferBackend::setDeviceStability, engine/vulkan/
// trunk_stability.h) against the CPU backend's trunk blend (the host path's reference): on a still
// scene the device must blend the trunk exactly as runBlendingTrunk does with the same weight; on
// an exact pan it must find the pan; restarts, plain frames and bad settings must drop the history.
// The validation layer is on; every test ends by asserting it reported nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/test_support.h"
#include "vulkan_test_util.h"

namespace pastiche::test {
namespace {

class VulkanStability : public ValidationSilentTest {};

// A texture with structure in both directions (the flow needs both gradients), 0..1.
ImageF texture(int w, int h) {
    ImageF img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) {
                const float fx = float(x), fy = float(y), fc = float(c);
                const float v = 0.5f + 0.2f * std::sin(0.11f * fx + 0.07f * fy + fc) +
                                0.15f * std::sin(0.05f * fx - 0.13f * fy + 2.f * fc) +
                                0.1f * std::sin(0.23f * fx) * std::sin(0.19f * fy + fc);
                img.pixels[(size_t(y) * w + x) * 3 + c] = std::fmin(1.f, std::fmax(0.f, v));
            }
    return img;
}

ImageF crop(const ImageF& big, int x0, int y0, int w, int h) {
    ImageF out(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c)
                out.pixels[(size_t(y) * w + x) * 3 + c] = big.pixels[(size_t(y + y0) * big.width + x + x0) * 3 + c];
    return out;
}

DeviceStability stabilityOf(float strength, bool restart) {
    DeviceStability s;
    s.strength = strength;
    s.restart = restart;
    return s;
}

// Frame 1 with style A starts the history; frame 2 (the same picture) with style B blends its trunk
// towards frame 1's. The picture does not move, so the device's flow must be exactly zero and
// every pixel trusted: the result must equal the CPU backend's runBlendingTrunk with weight 0.8.
TEST_F(VulkanStability, StillSceneBlendsLikeTheCpuTrunkBlend) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(11);
    const int w = 100, h = 76;
    const ImageF in = texture(w, h);
    const StyleVector a = randomStyle(1), b = randomStyle(2);
    constexpr float kWeight = 0.8f;

    auto cpu = makeCpu(net);
    ASSERT_TRUE(cpu && cpu->supportsTrunkBlending());
    ASSERT_TRUE(cpu->reshape(w, h).isOk());
    const TrunkShape t = cpu->trunkShape();
    std::vector<float> trunkA(t.floats()), weights(size_t(t.width) * t.height, kWeight);
    ImageF cpuOut(w, h), want(w, h), plainB(w, h);
    ASSERT_TRUE(cpu->setStyle(a).isOk());
    TrunkBlend first;
    first.blendedOut = trunkA.data();
    ASSERT_TRUE(cpu->runBlendingTrunk(in.view(), cpuOut.view(), first).isOk());
    ASSERT_TRUE(cpu->setStyle(b).isOk());
    ASSERT_TRUE(cpu->run(in.view(), plainB.view()).isOk());
    TrunkBlend second;
    second.previous = trunkA.data();
    second.weight = weights.data();
    ASSERT_TRUE(cpu->runBlendingTrunk(in.view(), want.view(), second).isOk());
    // The blend must matter here, or this test could not fail.
    ASSERT_LT(psnr(want.pixels, plainB.pixels), 35.0);

    for (Precision precision : {Precision::Fp32, Precision::Auto}) {
        auto vk = makeVulkan(net, precision);
        ASSERT_TRUE(vk);
        ASSERT_TRUE(vk->supportsDeviceStability());
        ASSERT_TRUE(vk->reshape(w, h).isOk());
        ASSERT_TRUE(vk->setStyle(a).isOk());
        ASSERT_TRUE(vk->setDeviceStability(stabilityOf(kWeight, true)).isOk());
        ImageF out(w, h);
        ASSERT_TRUE(vk->run(in.view(), out.view()).isOk());
        EXPECT_TRUE(vk->deviceStabilityReport().valid);
        EXPECT_FALSE(vk->deviceStabilityReport().blended) << "a restart has no history to blend";
        ASSERT_TRUE(vk->setStyle(b).isOk());
        ASSERT_TRUE(vk->run(in.view(), out.view()).isOk());
        const DeviceStabilityReport r = vk->deviceStabilityReport();
        EXPECT_TRUE(r.valid && r.blended);
        EXPECT_DOUBLE_EQ(r.keptFraction, 1.0);
        EXPECT_EQ(r.meanFlowX, 0.0);
        EXPECT_EQ(r.meanFlowY, 0.0);
        const bool fp16 = vk->precision() == Precision::Fp16;
        const double p = psnr(want.pixels, out.pixels);
        if (fp16)
            EXPECT_GE(p, 40.0);
        else
            EXPECT_LE(maxAbsDiff(want.pixels, out.pixels), 1e-4);
        std::printf("%s: device blend vs CPU trunk blend %.1f dB (plain style B vs blended: %.1f dB)\n",
                    fp16 ? "fp16" : "fp32", p, psnr(want.pixels, plainB.pixels));
    }
}

// An exact pan: each frame is the previous one's window moved by (+3, -2) px, so the backward
// flow (this frame -> the previous) is (+3, -2) everywhere the content is shared.
TEST_F(VulkanStability, FindsAnExactPan) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(12);
    const int w = 160, h = 120, dx = 3, dy = -2, frames = 4;
    const ImageF big = texture(w + dx * frames + 8, h - dy * frames + 8);
    auto vk = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(vk);
    ASSERT_TRUE(vk->reshape(w, h).isOk());
    ASSERT_TRUE(vk->setStyle(randomStyle(3)).isOk());
    ASSERT_TRUE(vk->setDeviceStability(stabilityOf(0.8f, true)).isOk());
    ImageF out(w, h);
    for (int f = 0; f < frames; ++f) {
        const ImageF in = crop(big, 4 + dx * f, 4 - dy * (frames - f), w, h);
        ASSERT_TRUE(vk->run(in.view(), out.view()).isOk());
        const DeviceStabilityReport r = vk->deviceStabilityReport();
        ASSERT_TRUE(r.valid);
        std::printf("frame %d: blended %d, kept %.3f, mean flow (%.3f, %.3f), spread %.3f\n", f, int(r.blended),
                    r.keptFraction, r.meanFlowX, r.meanFlowY, r.spread);
        if (f == 0) continue;
        EXPECT_TRUE(r.blended);
        EXPECT_GT(r.keptFraction, 0.8);
        EXPECT_NEAR(r.meanFlowX, dx, 0.25);
        EXPECT_NEAR(r.meanFlowY, dy, 0.25);
        EXPECT_LT(r.spread, 0.5);
    }
}

// The history belongs to one sequence: a restart, a plain frame in between or a new size drop
// it; strength 0 runs plain frames; settings out of range are refused.
TEST_F(VulkanStability, HistoryIsDroppedAndSettingsChecked) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(13);
    const ImageF in = texture(64, 48);
    auto vk = makeVulkan(net, Precision::Auto);
    ASSERT_TRUE(vk);
    ASSERT_TRUE(vk->reshape(64, 48).isOk());
    ASSERT_TRUE(vk->setStyle(randomStyle(4)).isOk());
    ImageF out(64, 48);
    auto blended = [&] {
        EXPECT_TRUE(vk->run(in.view(), out.view()).isOk());
        return vk->deviceStabilityReport().blended;
    };
    ASSERT_TRUE(vk->setDeviceStability(stabilityOf(0.5f, false)).isOk());
    EXPECT_FALSE(blended()) << "the first frame has no history";
    EXPECT_TRUE(blended());
    ASSERT_TRUE(vk->setDeviceStability(stabilityOf(0.5f, true)).isOk());
    EXPECT_FALSE(blended()) << "restart";
    EXPECT_TRUE(blended());
    ASSERT_TRUE(vk->setDeviceStability(stabilityOf(0.f, false)).isOk());
    ASSERT_TRUE(vk->run(in.view(), out.view()).isOk());
    EXPECT_FALSE(vk->deviceStabilityReport().valid) << "strength 0 runs plain";
    ASSERT_TRUE(vk->setDeviceStability(stabilityOf(0.5f, false)).isOk());
    EXPECT_FALSE(blended()) << "a plain frame in between leaves the history behind";
    EXPECT_TRUE(blended());
    ASSERT_TRUE(vk->reshape(68, 48).isOk());
    const ImageF wider = texture(68, 48);
    ImageF outWider(68, 48);
    ASSERT_TRUE(vk->run(wider.view(), outWider.view()).isOk());
    EXPECT_FALSE(vk->deviceStabilityReport().blended) << "a new size";
    // No room for the stability buffers at a size: the frames still run, plain, and the reason is given.
    setenv("PASTICHE_VK_FAIL", "stability", 1);
    const Status reshaped = vk->reshape(72, 48);
    unsetenv("PASTICHE_VK_FAIL");
    ASSERT_TRUE(reshaped.isOk()) << reshaped.message();
    const Status refused = vk->setDeviceStability(stabilityOf(0.5f, false));
    EXPECT_FALSE(refused.isOk());
    EXPECT_NE(refused.message().find("forced failure"), std::string::npos) << refused.message();
    ASSERT_TRUE(vk->setDeviceStability(stabilityOf(0.f, false)).isOk());
    const ImageF other = texture(72, 48);
    ImageF otherOut(72, 48);
    EXPECT_TRUE(vk->run(other.view(), otherOut.view()).isOk());
    EXPECT_FALSE(vk->deviceStabilityReport().valid);
    DeviceStability bad;
    bad.strength = 1.5f;
    EXPECT_FALSE(vk->setDeviceStability(bad).isOk());
    bad.strength = 0.5f;
    bad.gateLevels = 0;
    EXPECT_FALSE(vk->setDeviceStability(bad).isOk());
}

}  // namespace
}  // namespace pastiche::test
