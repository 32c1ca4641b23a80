// The device grid lock (DeviceStability::gridLock, engine/vulkan/grid_lock_op.h), engine only
// (it also runs where there is no OpenCV, e.g. the H200 bench machine): on synthetic sequences
// (grid_lock_sequences.h) the device must find the motion, keep g_t = D_t - 4 round(D_t / 4),
// make a pan's output steadier than the trunk blend alone, restart and re-plan cleanly.
// test_grid_lock_host.cpp compares it with the host's GridLock. fp32 (lavapipe runs it in
// seconds); the validation layer is on and must stay silent.
#include <random>
#include <set>

#include "grid_lock_sequences.h"

namespace pastiche::test {
namespace {

using namespace grid_lock;
class VulkanGridLock : public ValidationSilentTest {};

// lose that (g stays ~0), and the result must stay sharp enough to repeat itself.
TEST_F(VulkanGridLock, FourPixelPanReproducesTheTexture) {
    PASTICHE_REQUIRE_VULKAN();
    const int w = 192, h = 144, frames = 4;
    std::vector<ImageF> in;
    for (int t = 0; t < frames; ++t) in.push_back(panFrame(w, h, t, 4, 0));
    const Sequence lock = runSequence(in, 0.8f, true), control = runSequence(in, 0.8f, false);
    ASSERT_EQ(lock.out.size(), size_t(frames));
    ASSERT_EQ(control.out.size(), size_t(frames));
    for (size_t t = 0; t < lock.reports.size(); ++t) printReport(t, lock.reports[t]);
    const double pLock = meanStepPsnr(lock, 4, 0, "4 px pan, grid lock"),
                 pControl = meanStepPsnr(control, 4, 0, "4 px pan, trunk blend only");
    EXPECT_GT(pLock, 30.0);
    EXPECT_GE(pLock, pControl - 0.5);
}

// lock's whole point is that the output then moves with the scene instead.
TEST_F(VulkanGridLock, OnePixelPanIsSteadierWithTheLock) {
    PASTICHE_REQUIRE_VULKAN();
    const int w = 192, h = 144, frames = 8;
    std::vector<ImageF> in;
    for (int t = 0; t < frames; ++t) in.push_back(panFrame(w, h, t, 1, 0));
    const Sequence lock = runSequence(in, 0.8f, true), control = runSequence(in, 0.8f, false);
    ASSERT_EQ(lock.out.size(), size_t(frames));
    ASSERT_EQ(control.out.size(), size_t(frames));
    for (size_t t = 0; t < lock.reports.size(); ++t) printReport(t, lock.reports[t]);
    const double pLock = meanStepPsnr(lock, 1, 0, "1 px pan, grid lock"),
                 pControl = meanStepPsnr(control, 1, 0, "1 px pan, trunk blend only");
    EXPECT_GT(pLock, pControl);
}

// the same size (no multiple of 4): the frames keep running, in range, and the lock starts afresh.
TEST_F(VulkanGridLock, RestartAndToggle) {
    PASTICHE_REQUIRE_VULKAN();
    const int w = 170, h = 126;
    const TransferNetwork net = magentaShapedNetwork(23);
    const StyleVector style = randomStyle(23);
    std::vector<ImageF> in;
    for (int t = 0; t < 9; ++t) in.push_back(panFrame(w, h, t, 3, 1));
    auto vk = makeVulkan(net, Precision::Fp32);
    ASSERT_TRUE(vk);
    ASSERT_TRUE(vk->reshape(w, h).isOk());
    ASSERT_TRUE(vk->setStyle(style).isOk());
    std::vector<DeviceStabilityReport> reports;
    auto run = [&](int t, bool gridLock, bool restart) {
        const Status st = vk->setDeviceStability(lockOf(0.8f, gridLock, restart));
        EXPECT_TRUE(st.isOk()) << st.message();
        ImageF o(w, h);
        const Status ran = vk->run(in[size_t(t)].view(), o.view());
        EXPECT_TRUE(ran.isOk()) << ran.message();
        reports.push_back(vk->deviceStabilityReport());
        printReport(size_t(t), reports.back());
        double sum = 0;
        for (float v : o.pixels) sum += std::isfinite(v) ? v : 1e30;
        EXPECT_GT(sum / double(o.pixels.size()), 0.05) << "frame " << t;
        EXPECT_LT(sum / double(o.pixels.size()), 0.95) << "frame " << t;
    };
    run(0, true, true);
    for (int t = 1; t < 3; ++t) run(t, true, false);
    EXPECT_NEAR(reports[2].motionX, 3.0, 0.1);
    EXPECT_NEAR(reports[2].motionY, 1.0, 0.1);
    run(3, true, true);  // restart mid-pan
    ASSERT_TRUE(reports[3].valid && reports[3].gridLock);
    EXPECT_EQ(reports[3].motionX, 0.0);
    EXPECT_EQ(reports[3].motionY, 0.0);
    EXPECT_EQ(reports[3].offsetX, 0.0);
    EXPECT_EQ(reports[3].offsetY, 0.0);
    EXPECT_FALSE(reports[3].blended);
    run(4, true, false);  // the lock starts again from frame 3
    EXPECT_NEAR(reports[4].motionX, 3.0, 0.1);
    EXPECT_NEAR(cellDiff(reports[4].offsetX, -1.0), 0.0, 0.15);
    EXPECT_NEAR(cellDiff(reports[4].offsetY, 1.0), 0.0, 0.15);
    run(5, false, false);  // off: the trunk blend alone, at the frame's own padding
    EXPECT_TRUE(reports[5].valid);
    EXPECT_FALSE(reports[5].gridLock);
    run(6, false, false);
    EXPECT_TRUE(reports[6].valid && reports[6].blended);
    EXPECT_FALSE(reports[6].gridLock);
    run(7, true, false);  // on again: a new plan, the lock's old state (frame 4) must not count
    EXPECT_TRUE(reports[7].valid && reports[7].gridLock);
    EXPECT_EQ(reports[7].offsetX, 0.0);
    EXPECT_EQ(reports[7].offsetY, 0.0);
    run(8, true, false);
    EXPECT_TRUE(reports[8].valid && reports[8].gridLock);
    EXPECT_NEAR(reports[8].motionX, 3.0, 0.1);
    EXPECT_NEAR(reports[8].motionY, 1.0, 0.1);
}

// rule drops, so the canvas stays in place (no resampling) and the lock stays on.
TEST_F(VulkanGridLock, StaticNoisySceneStaysInPlace) {
    PASTICHE_REQUIRE_VULKAN();
    const int w = 192, h = 144, frames = 6;
    const ImageF clean = panFrame(w, h, 0, 0, 0);
    std::mt19937 rng(5);
    std::uniform_int_distribution<int> noise(-3, 3);
    std::vector<ImageF> in;
    for (int t = 0; t < frames; ++t) {
        ImageF f = clean;
        for (float& v : f.pixels) v = std::fmin(1.f, std::fmax(0.f, v + float(noise(rng)) / 255.f));
        in.push_back(std::move(f));
    }
    const Sequence s = runSequence(in, 0.8f, true);
    ASSERT_EQ(s.reports.size(), size_t(frames));
    for (size_t t = 0; t < s.reports.size(); ++t) {
        const DeviceStabilityReport& r = s.reports[t];
        printReport(t, r);
        ASSERT_TRUE(r.valid && r.gridLock) << "frame " << t;
        EXPECT_TRUE(r.globalMotion) << "frame " << t;
        EXPECT_FALSE(r.similarity) << "frame " << t;
        EXPECT_LT(std::abs(r.offsetX), 0.05) << "frame " << t;
        EXPECT_LT(std::abs(r.offsetY), 0.05) << "frame " << t;
    }
}

// Without room for the lock's buffers (forced) the backend says why and keeps running: plain
// frames, and the trunk's stability without the lock.
TEST_F(VulkanGridLock, RefusedLockSaysWhyAndFramesStillRun) {
    const TransferNetwork net = magentaShapedNetwork(21);
    auto vk = makeVulkan(net, Precision::Fp32);
    if (!vk) GTEST_SKIP() << "no Vulkan";
    ASSERT_TRUE(vk->reshape(96, 72).isOk());
    ASSERT_TRUE(vk->setStyle(randomStyle(21)).isOk());
    setenv("PASTICHE_VK_FAIL", "gridlock", 1);
    const Status refused = vk->setDeviceStability(lockOf(0.8f, true, true));
    unsetenv("PASTICHE_VK_FAIL");
    EXPECT_FALSE(refused.isOk());
    EXPECT_NE(refused.message().find("grid lock"), std::string::npos) << refused.message();
    EXPECT_NE(refused.message().find("forced failure"), std::string::npos) << refused.message();
    const ImageF frame = panFrame(96, 72, 0, 1.0, 0.0);
    ImageF out(96, 72);
    ASSERT_TRUE(vk->setDeviceStability(lockOf(0.f, true, false)).isOk());
    EXPECT_TRUE(vk->run(frame.view(), out.view()).isOk());
    EXPECT_FALSE(vk->deviceStabilityReport().gridLock);
    ASSERT_TRUE(vk->setDeviceStability(lockOf(0.8f, false, true)).isOk());
    EXPECT_TRUE(vk->run(frame.view(), out.view()).isOk());
    const DeviceStabilityReport r = vk->deviceStabilityReport();
    EXPECT_TRUE(r.valid);
    EXPECT_FALSE(r.gridLock);
}

// RGB8 frames whose width is a multiple of 4 leave the warp back packed (lock_warp_out.comp,
// PACKED: no planar frame, no download pass). Every byte must be the float frame's value as the
// download converts it, in all three modes (the anchor's whole pixels, a Lanczos shift, a
// similarity) and on partial tiles (196 = 12 x 16 + 4); 194 keeps the planar path and must too.
TEST_F(VulkanGridLock, PackedRgb8FramesEqualTheFloatFrames) {
    PASTICHE_REQUIRE_VULKAN();
    const TransferNetwork net = magentaShapedNetwork(29);
    const StyleVector style = randomStyle(29);
    for (const auto& [w, h] : {std::pair{196, 140}, std::pair{194, 142}}) {
        std::vector<Image8> in;  // a pan by fractions of a pixel from a restart, then a zoom from one
        auto add = [&](const ImageF& f) {
            Image8 b(w, h);
            for (size_t i = 0; i < b.pixels.size(); ++i) b.pixels[i] = uint8_t(f.pixels[i] * 255.f + 0.5f);
            in.push_back(std::move(b));
        };
        for (int t = 0; t < 3; ++t) add(panFrame(w, h, t, 1.25, -0.6));
        for (int t = 0; t < 3; ++t) add(zoomFrame(w, h, t, 1.004));
        auto bytes = makeVulkan(net, Precision::Fp32), floats = makeVulkan(net, Precision::Fp32);
        ASSERT_TRUE(bytes && floats);
        for (auto* vk : {bytes.get(), floats.get()}) {
            ASSERT_TRUE(vk->reshape(w, h).isOk());
            ASSERT_TRUE(vk->setStyle(style).isOk());
        }
        std::set<int> modes;  // 0 whole pixels (g = 0), 1 a shift, 2 a similarity
        size_t differing = 0;
        int worst = 0;
        for (size_t f = 0; f < in.size(); ++f) {
            const DeviceStability st = lockOf(0.8f, true, f == 0 || f == 3);
            ASSERT_TRUE(bytes->setDeviceStability(st).isOk());
            ASSERT_TRUE(floats->setDeviceStability(st).isOk());
            Image8 b(w, h);
            ImageF fl(w, h);
            ASSERT_TRUE(bytes->run(in[f].view(), b.view()).isOk());
            ASSERT_TRUE(floats->run(in[f].view(), fl.view()).isOk());
            const DeviceStabilityReport r = bytes->deviceStabilityReport();
            ASSERT_TRUE(r.gridLock);
            printReport(f, r);
            const bool whole = std::abs(r.offsetX) < 1e-3 && std::abs(r.offsetY) < 1e-3;
            modes.insert(r.similarity ? 2 : (whole ? 0 : 1));
            for (size_t i = 0; i < b.pixels.size(); ++i) {
                const float v = fl.pixels[i] * 255.f + 0.5f;
                const int want = int(v < 0.f ? 0.f : (v > 255.f ? 255.f : v));
                const int d = std::abs(int(b.pixels[i]) - want);
                differing += d != 0;
                worst = std::max(worst, d);
            }
        }
        std::printf("%dx%d: modes seen %zu, bytes differing from the float frames %zu (worst %d)\n", w, h, modes.size(),
                    differing, worst);
        EXPECT_EQ(modes.size(), 3u) << "the sequence must take the lock through all three warps";
        EXPECT_EQ(differing, 0u);
    }
}

// Frames in flight with the grid lock: on a GPU with two compute queues the next frame's motion
// stages run beside this frame's decoder and warp back (vulkan_backend.cpp, submitLocked). Every
// output must equal the same frames run one at a time, bit for bit (fp32): a missing dependency
// between the parts of two frames shows as a difference there (lavapipe has one queue and runs
// the parts in turn, so this bites on the GPU run of bench/h200_stability.sh).
TEST_F(VulkanGridLock, FramesInFlightEqualFramesOneAtATime) {
    PASTICHE_REQUIRE_VULKAN();
    const int w = 256, h = 144, frames = 7;
    const TransferNetwork net = magentaShapedNetwork(31);
    const StyleVector style = randomStyle(31);
    std::vector<Image8> in;
    for (int t = 0; t < frames; ++t) {
        const ImageF f = panFrame(w, h, t, t < 4 ? 1.25 : -2.5, t < 4 ? -0.6 : 0.75);
        Image8 b(w, h);
        for (size_t i = 0; i < b.pixels.size(); ++i) b.pixels[i] = uint8_t(f.pixels[i] * 255.f + 0.5f);
        in.push_back(std::move(b));
    }
    auto one = makeVulkan(net, Precision::Fp32), many = makeVulkan(net, Precision::Fp32);
    ASSERT_TRUE(one && many);
    for (auto* vk : {one.get(), many.get()}) {
        ASSERT_TRUE(vk->reshape(w, h).isOk());
        ASSERT_TRUE(vk->setStyle(style).isOk());
        ASSERT_TRUE(vk->setDeviceStability(lockOf(0.8f, true, true)).isOk());
    }
    std::vector<Image8> a(size_t(frames), Image8(w, h)), b(size_t(frames), Image8(w, h));
    for (int f = 0; f < frames; ++f) {
        ASSERT_TRUE(one->run(in[size_t(f)].view(), a[size_t(f)].view()).isOk());
        EXPECT_TRUE(one->deviceStabilityReport().gridLock) << "frame " << f;
    }
    const int slots = many->framesInFlight();
    for (int i = 0; i < frames + slots; ++i) {
        if (i >= slots) {
            ASSERT_TRUE(many->collect((i - slots) % slots, b[size_t(i - slots)].view()).isOk());
        }
        if (i < frames) {
            ASSERT_TRUE(many->submit(in[size_t(i)].view(), i % slots).isOk());
        }
    }
    size_t differing = 0;
    for (int f = 0; f < frames; ++f)
        for (size_t k = 0; k < a[size_t(f)].pixels.size(); ++k)
            differing += a[size_t(f)].pixels[k] != b[size_t(f)].pixels[k];
    std::printf("%d frames, %d in flight: %zu bytes differ from the frames run one at a time\n", frames, slots,
                differing);
    EXPECT_EQ(differing, 0u);
}

}  // namespace
}  // namespace pastiche::test
