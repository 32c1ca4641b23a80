// Sources without files: spec parsing, the test pattern, still images, missing cameras.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "media_test_util.h"
#include "transcode_harness.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

TEST(MediaSourceSpec, ParsesAllForms) {
    auto cam = SourceSpec::parse("camera:2");
    ASSERT_TRUE(cam);
    EXPECT_EQ(cam->kind, SourceKind::Camera);
    EXPECT_EQ(cam->cameraIndex, 2);
    EXPECT_EQ(SourceSpec::parse("/dev/video3")->cameraIndex, 3);
    EXPECT_EQ(SourceSpec::parse("1")->kind, SourceKind::Camera);
    EXPECT_EQ(SourceSpec::parse("clip.mp4")->kind, SourceKind::VideoFile);
    EXPECT_EQ(SourceSpec::parse("photo.JPG")->kind, SourceKind::StillImage);
    EXPECT_EQ(SourceSpec::parse("file:x.png")->kind, SourceKind::VideoFile);
    EXPECT_EQ(SourceSpec::parse("image:x")->kind, SourceKind::StillImage);
    EXPECT_EQ(SourceSpec::parse("test-pattern")->kind, SourceKind::TestPattern);
    EXPECT_FALSE(SourceSpec::parse("camera:x"));
    EXPECT_FALSE(SourceSpec::parse(""));
}

std::vector<Frame> readFrames(FrameSource& s, int n) {
    std::vector<Frame> frames;
    for (int i = 0; i < n; ++i) {
        Frame f;
        EXPECT_EQ(s.read(f), ReadStatus::Frame);
        frames.push_back(std::move(f));
    }
    return frames;
}

TEST(MediaTestPattern, DeterministicMovingAndTimed) {
    SourceSpec spec;
    auto a = openSource(spec);
    ASSERT_TRUE(a) << a.status().message();
    EXPECT_EQ(a.value()->info().width, 1280);
    EXPECT_EQ(a.value()->info().height, 720);
    EXPECT_DOUBLE_EQ(a.value()->info().fps, 30.0);
    spec.width = 320;
    spec.height = 180;
    spec.fps = 25;
    auto b = openSource(spec), c = openSource(spec);
    auto fb = readFrames(*b.value(), 12), fc = readFrames(*c.value(), 12);
    for (int i = 0; i < 12; ++i) {
        EXPECT_EQ(fb[size_t(i)].image.width, 320);
        EXPECT_EQ(fb[size_t(i)].image.pixels, fc[size_t(i)].image.pixels) << "frame " << i << " not deterministic";
        EXPECT_EQ(fb[size_t(i)].ptsMicros, i * 40000);
    }
    // It moves: consecutive frames differ, and not only in the counter box.
    size_t differing = 0;
    for (size_t p = 0; p < fb[0].image.pixels.size(); ++p) differing += fb[0].image.pixels[p] != fb[11].image.pixels[p];
    EXPECT_GT(differing, 3000u);
    EXPECT_NE(fb[1].image.pixels, fb[2].image.pixels);
}

TEST(MediaStillImage, OnceForFileModeRepeatedForLive) {
    auto dir = test::makeTempDir("still");
    cv::Mat bgr(37, 53, CV_8UC3, cv::Scalar(10, 20, 30));  // B,G,R
    std::string path = (dir / "still.png").string();
    ASSERT_TRUE(cv::imwrite(path, bgr));
    SourceSpec spec;
    spec.kind = SourceKind::StillImage;
    spec.path = path;
    auto once = openSource(spec);
    ASSERT_TRUE(once) << once.status().message();
    Frame f;
    ASSERT_EQ(once.value()->read(f), ReadStatus::Frame);
    EXPECT_EQ(f.image.width, 53);
    EXPECT_EQ(f.image.height, 37);
    EXPECT_EQ(f.image.pixels[0], 30);  // RGB order
    EXPECT_EQ(f.image.pixels[2], 10);
    EXPECT_EQ(once.value()->read(f), ReadStatus::EndOfStream);
    spec.fps = 10;
    auto repeat = openSource(spec);
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(repeat.value()->read(f), ReadStatus::Frame);
        EXPECT_EQ(f.ptsMicros, i * 100000);
    }
    spec.path = (dir / "missing.png").string();
    auto missing = openSource(spec);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.status().message().find("missing.png"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(MediaCamera, MissingCameraIsAClearErrorWithoutHanging) {
    auto t0 = std::chrono::steady_clock::now();
    SourceSpec spec;
    spec.kind = SourceKind::Camera;
    spec.cameraIndex = 57;
    auto cam = openSource(spec);
    ASSERT_FALSE(cam);
    EXPECT_NE(cam.status().message().find("camera 57"), std::string::npos) << cam.status().message();
    EXPECT_NE(cam.status().message().find("/dev/video57"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    // Enumeration must not throw or hang; this machine may have no camera at all.
    auto cameras = listCameras();
    for (const auto& c : cameras) EXPECT_FALSE(c.device.empty());
}

Status invert(const Frame& in, Frame& out) {
    out.image = in.image;
    for (auto& p : out.image.pixels) p = uint8_t(255 - p);
    return {};
}

TEST(MediaTestPattern, DeliversEveryFrameInOrder) {
    SourceSpec spec;
    spec.width = 64;
    spec.height = 48;
    auto src = openSource(spec);
    std::vector<int64_t> indices;
    auto r = test::transcode(*src.value(), invert, nullptr, 120, [&](const Frame& f) { indices.push_back(f.index); });
    ASSERT_TRUE(r.status) << r.status.message();
    EXPECT_EQ(r.stats.framesIn, 120);
    EXPECT_EQ(r.stats.framesOut, 120);
    ASSERT_EQ(indices.size(), 120u);
    for (size_t i = 0; i < indices.size(); ++i) EXPECT_EQ(indices[i], int64_t(i));
}

TEST(MediaHarness, FrameErrorStopsWithContext) {
    SourceSpec spec;
    spec.width = 32;
    spec.height = 32;
    auto src = openSource(spec);
    auto failing = [](const Frame& in, Frame& out) {
        if (in.index == 5) return Status::error("boom");
        return invert(in, out);
    };
    auto r = test::transcode(*src.value(), failing, nullptr, 1000);
    ASSERT_FALSE(r.status);
    EXPECT_NE(r.status.message().find("frame 5"), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find("boom"), std::string::npos);
    EXPECT_EQ(r.stats.framesOut, 5);
}

}  // namespace
}  // namespace pastiche

namespace pastiche {
namespace {

TEST(MediaStillSink, WritesPngExactlyAndJpegClosely) {
    auto dir = test::makeTempDir("stillsink");
    SourceSpec spec;
    spec.width = 97;
    spec.height = 55;
    auto src = openSource(spec);
    Frame f;
    ASSERT_EQ(src.value()->read(f), ReadStatus::Frame);
    const std::string png = (dir / "a.png").string(), jpg = (dir / "a.jpg").string();
    ASSERT_TRUE(writeStillImage(png, f));
    ASSERT_TRUE(writeStillImage(jpg, f));
    SourceSpec back;
    back.kind = SourceKind::StillImage;
    back.path = png;
    Frame p, j;
    ASSERT_EQ(openSource(back).value()->read(p), ReadStatus::Frame);
    EXPECT_EQ(p.image.pixels, f.image.pixels);
    back.path = jpg;
    ASSERT_EQ(openSource(back).value()->read(j), ReadStatus::Frame);
    EXPECT_GT(test::psnr8(j.image, f.image), 25.0);
    EXPECT_FALSE(writeStillImage((dir / "missing" / "x.png").string(), f));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pastiche
