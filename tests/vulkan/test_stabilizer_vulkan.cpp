// The video stabilizer (app/core/temporal_stabilizer.h) on the Vulkan backend: the grid lock and the
// trunk blend run on the device (TransferBackend::setDeviceStability with gridLock), a device that
// refuses the lock leaves it to the host, and a Vulkan failure mid-video moves it to the CPU
// backend, where the host's flow takes over after one unblended frame.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/core/image_io.h"
#include "app/core/stylizer.h"
#include "app/core/temporal_stabilizer.h"
#include "engine/tflite_reader.h"
#include "support/test_support.h"

namespace pastiche::test {
namespace {

double cellDiff(double a, double b) {  // a - b up to whole 4 px cells
    const double d = a - b;
    return d - 4 * std::round(d / 4);
}

// Frame f of a pan by (2, 1) px a frame across a picture with structure in both directions.
Image8 panFrame(int w, int h, int f) {
    Image8 im(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) {
                const float X = float(x + 2 * f), Y = float(y + f);
                const float v = 0.5f + 0.2f * std::sin(0.09f * X + 0.05f * Y + float(c)) +
                                0.15f * std::sin(0.04f * X - 0.11f * Y) +
                                0.1f * std::sin(0.2f * X) * std::sin(0.15f * Y);
                im.pixels[(size_t(y) * w + x) * 3 + c] =
                    uint8_t(std::lround(std::fmin(1.f, std::fmax(0.f, v)) * 255.f));
            }
    return im;
}

TEST(StabilizerOnVulkan, BlendsWithTheDeviceFlowAndSurvivesAFallback) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens (models) not made";
    auto net = loadTransferNetwork(modelsDir() + "/style_transfer_f16_384.tflite");
    ASSERT_TRUE(net) << net.status().message();
    StylizerOptions options;
    options.backend.choice = BackendSpec::Choice::Vulkan;
    std::vector<std::string> notices;
    auto made = Stylizer::create(std::make_shared<TransferNetwork>(std::move(net).value()), options,
                                 [&](const std::string& m) { notices.push_back(m); });
    if (!made) GTEST_SKIP() << "no Vulkan: " << made.status().message();
    Stylizer& stylizer = *made.value();
    ASSERT_TRUE(stylizer.supportsDeviceStability());
    ASSERT_TRUE(stylizer.setStyle(readStyleVector(goldenPath("vec_ours.bin"))));
    TemporalStabilizer stabilizer;
    const int w = 160, h = 120;
    Image8 out(w, h);
    for (int f = 0; f < 4; ++f) {
        ASSERT_TRUE(stabilizer.stylize(stylizer, panFrame(w, h, f), out)) << f;
        const StabilizerFrameReport& r = stabilizer.lastFrame();
        std::printf("vulkan frame %d: blended %d kept %.3f spread %.3f offset (%.2f, %.2f)\n", f, int(r.trunkBlended),
                    r.keptFraction, r.flowSpread, r.offsetX, r.offsetY);
        EXPECT_EQ(r.trunkBlended, f > 0) << f;
        if (f > 0) { EXPECT_GT(r.keptFraction, 0.6) << f; }
        // the device's lock follows the pan: the content moves by (-2, -1) a frame, and g_t is
        // its displacement less whole cells
        EXPECT_NEAR(cellDiff(r.offsetX, -2.0 * f), 0.0, 0.2) << f;
        EXPECT_NEAR(cellDiff(r.offsetY, -1.0 * f), 0.0, 0.2) << f;
    }
    // A frame too small for the device's flow (its canvas under 32 px) runs plain, no error.
    TemporalStabilizer small;
    Image8 tinyOut(20, 16);
    for (int f = 0; f < 2; ++f) {
        ASSERT_TRUE(small.stylize(stylizer, panFrame(20, 16, f), tinyOut)) << f;
        EXPECT_FALSE(small.lastFrame().trunkBlended);
    }
    // The device is lost mid-video: the frame still comes out (on the CPU), unblended; the host's
    // flow needs one frame of its own, and the frame after that blends again.
    setenv("PASTICHE_VK_FAIL", "run", 1);
    const Status lost = stabilizer.stylize(stylizer, panFrame(w, h, 4), out);
    unsetenv("PASTICHE_VK_FAIL");
    ASSERT_TRUE(lost) << lost.message();
    EXPECT_EQ(stylizer.backend().kind(), BackendKind::Cpu);
    EXPECT_FALSE(notices.empty());
    EXPECT_FALSE(stabilizer.lastFrame().trunkBlended);
    for (int f = 5; f < 7; ++f) {
        ASSERT_TRUE(stabilizer.stylize(stylizer, panFrame(w, h, f), out));
        std::printf("cpu frame %d: blended %d kept %.3f\n", f, int(stabilizer.lastFrame().trunkBlended),
                    stabilizer.lastFrame().keptFraction);
        EXPECT_EQ(stabilizer.lastFrame().trunkBlended, f == 6) << f;
    }
}

// The device cannot take the lock (its buffers, forced here): that frame runs plain, and from the
// next one the host keeps the lock while the device still blends the trunk.
TEST(StabilizerOnVulkan, HostKeepsTheLockWhenTheDeviceCannot) {
    if (!goldensAvailable()) GTEST_SKIP() << "goldens (models) not made";
    auto net = loadTransferNetwork(modelsDir() + "/style_transfer_f16_384.tflite");
    ASSERT_TRUE(net) << net.status().message();
    StylizerOptions options;
    options.backend.choice = BackendSpec::Choice::Vulkan;
    auto made = Stylizer::create(std::make_shared<TransferNetwork>(std::move(net).value()), options, {});
    if (!made) GTEST_SKIP() << "no Vulkan: " << made.status().message();
    Stylizer& stylizer = *made.value();
    ASSERT_TRUE(stylizer.setStyle(readStyleVector(goldenPath("vec_ours.bin"))));
    TemporalStabilizer stabilizer;
    const int w = 160, h = 120;
    Image8 out(w, h);
    setenv("PASTICHE_VK_FAIL", "gridlock", 1);
    const Status first = stabilizer.stylize(stylizer, panFrame(w, h, 0), out);
    unsetenv("PASTICHE_VK_FAIL");
    ASSERT_TRUE(first) << first.message();
    EXPECT_EQ(stylizer.backend().kind(), BackendKind::Vulkan);
    for (int f = 1; f < 4; ++f) {
        ASSERT_TRUE(stabilizer.stylize(stylizer, panFrame(w, h, f), out)) << f;
        const StabilizerFrameReport& r = stabilizer.lastFrame();
        std::printf("host lock, frame %d: blended %d offset (%.2f, %.2f)\n", f, int(r.trunkBlended), r.offsetX,
                    r.offsetY);
        EXPECT_EQ(r.trunkBlended, f > 1) << f;  // the host path starts its own history at frame 1
        if (f > 1) {
            EXPECT_NEAR(cellDiff(r.offsetX, -2.0 * (f - 1)), 0.0, 0.2) << f;
            EXPECT_NEAR(cellDiff(r.offsetY, -1.0 * (f - 1)), 0.0, 0.2) << f;
        }
    }
}

}  // namespace
}  // namespace pastiche::test
