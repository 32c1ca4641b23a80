// The video subcommands through the real binary: `cameras`, `live` with a missing camera, and
// `stylize`/`live --record` on a small generated clip (these need the fetched models; skipped
// without them, like the other model tests).
#include <gtest/gtest.h>

#include <chrono>

#include "media_test_util.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

namespace fs = std::filesystem;

bool haveBinary() { return fs::exists(PASTICHE_BINARY); }

std::string modelsDirForTests() {
    const char* env = std::getenv("PASTICHE_MODELS");
    return env && *env ? env : test::modelsDir();
}

bool haveModels() { return fs::exists(fs::path(modelsDirForTests()) / "style_transfer_f16_384.tflite"); }

std::string pastiche(const std::string& args, int* rc) {
    return test::runCommand(std::string("PASTICHE_MODELS='") + modelsDirForTests() + "' '" PASTICHE_BINARY "' " + args +
                                " 2>&1",
                            rc);
}

TEST(MediaCli, CamerasListsOrSaysNone) {
    if (!haveBinary()) GTEST_SKIP() << "build the pastiche target first";
    int rc = -1;
    std::string out = pastiche("cameras", &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_TRUE(out.find("no cameras found") != std::string::npos || out.find("/dev/video") != std::string::npos) << out;
}

TEST(MediaCli, LiveWithMissingCameraFailsClearly) {
    if (!haveBinary()) GTEST_SKIP() << "build the pastiche target first";
    int rc = 0;
    std::string out = pastiche("live --camera 57 --style /nonexistent.jpg --frames 3", &rc);
    EXPECT_NE(rc, 0);
    EXPECT_NE(out.find("pastiche: error: camera 57 (/dev/video57)"), std::string::npos) << out;
}

// How fast is a wall-clock matter: alone, and not under the sanitizers (ASan at -O1 took 12.5 s).
TEST(MediaCliRealtime, LiveWithMissingCameraFailsFast) {
    if (!haveBinary()) GTEST_SKIP() << "build the pastiche target first";
    auto t0 = std::chrono::steady_clock::now();
    int rc = 0;
    std::string out = pastiche("live --camera 57 --style /nonexistent.jpg --frames 3", &rc);
    EXPECT_NE(rc, 0) << out;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(MediaCli, StylizeVideoAndLiveRecord) {
    if (!haveBinary()) GTEST_SKIP() << "build the pastiche target first";
    if (!haveModels()) GTEST_SKIP() << "models not fetched (" << modelsDirForTests() << ")";
    auto dir = test::makeTempDir("cli");
    const std::string clip = (dir / "small.mp4").string(), out = (dir / "out.mp4").string();
    int rc = 0;
    test::runCommand("ffmpeg -v error -y -f lavfi -i testsrc=size=161x91:rate=10 -f lavfi -i "
                     "sine=frequency=440:sample_rate=48000 -t 1.5 -c:v libx264 -preset ultrafast -pix_fmt yuv444p -c:a aac '" +
                         clip + "'",
                     &rc);
    ASSERT_EQ(rc, 0);
    const std::string style = test::sharedDir() + "/media/styles/udnie.jpg";
    std::string log = pastiche("stylize '" + clip + "' -o '" + out + "' --style '" + style + "' --backend cpu", &rc);
    ASSERT_EQ(rc, 0) << log;
    EXPECT_NE(log.find("15/15 frames"), std::string::npos) << log;  // the progress bar
    EXPECT_NE(log.find(" fps"), std::string::npos) << log;
    auto dec = test::decodeAll(out);
    EXPECT_EQ(dec.pts.size(), 15u);
    EXPECT_LE(std::abs(dec.width - 161), 1);
    EXPECT_LE(std::abs(dec.height - 91), 1);
    EXPECT_NEAR(test::audioSpanSeconds(out), test::audioSpanSeconds(clip), 0.05);
    // Really stylized: far from the input.
    auto in = test::decodeAll(clip);
    Image8 cropped(161, 91);
    for (int y = 0; y < 91; ++y)
        std::copy_n(&dec.first.pixels[size_t(y) * dec.width * 3], 161 * 3, &cropped.pixels[size_t(y) * 161 * 3]);
    EXPECT_LT(test::psnr8(in.first, cropped), 20.0);

    const std::string rec = (dir / "live.mp4").string();
    log = pastiche("live --test-pattern --capture-size 96x64 --fps 30 --frames 12 --style '" + style +
                       "' --backend cpu --record '" + rec + "'",
                   &rc);
    ASSERT_EQ(rc, 0) << log;
    // --frames N stops after N stylized frames (the session may finish one more in flight).
    long long stylized = 0;
    const auto at = log.find("stylized ");
    ASSERT_NE(at, std::string::npos) << log;
    stylized = std::atoll(log.c_str() + at + 9);
    EXPECT_GE(stylized, 12) << log;
    EXPECT_LE(stylized, 14) << log;
    EXPECT_NE(log.find("dropped"), std::string::npos) << log;
    EXPECT_NE(log.find("ms/frame"), std::string::npos) << log;
    auto recorded = test::decodeAll(rec);
    EXPECT_GE(recorded.pts.size(), 1u);
    EXPECT_EQ(recorded.width, 96);
    if (!std::getenv("PASTICHE_KEEP_TEST_FILES")) fs::remove_all(dir);
}

}  // namespace
}  // namespace pastiche
