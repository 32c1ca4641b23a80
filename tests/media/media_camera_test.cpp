// The camera source's watchdog with fake grab functions (no camera on the test machines): a
// camera that stops answering and one whose driver starts failing both end with a clear error,
// quickly, after the frames they did deliver.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/media/sources_internal.h"

namespace pastiche {
namespace {

using namespace std::chrono_literals;

SourceInfo fakeInfo() {
    SourceInfo info;
    info.kind = SourceKind::Camera;
    info.description = "camera 9 (/dev/video9)";
    info.width = 32;
    info.height = 24;
    info.fps = 100;
    info.live = true;
    return info;
}

TEST(MediaCamera, StalledCameraTripsTheWatchdog) {
    auto released = std::make_shared<std::atomic<bool>>(false);
    auto calls = std::make_shared<std::atomic<int>>(0);
    media::CameraGrab grab = [released, calls](cv::Mat& bgr) {
        if (++*calls <= 3) {
            bgr = cv::Mat(24, 32, CV_8UC3, cv::Scalar(1, 2, 3));
            std::this_thread::sleep_for(5ms);
            return true;
        }
        while (!released->load()) std::this_thread::sleep_for(5ms);  // a driver call that never returns
        return false;
    };
    {
        auto cam = media::makeCameraSource(grab, fakeInfo(), 300ms);
        Frame f;
        int frames = 0;
        auto t0 = std::chrono::steady_clock::now();
        ReadStatus rs;
        while ((rs = cam->read(f)) == ReadStatus::Frame) {
            ++frames;
            EXPECT_EQ(f.image.pixels[0], 3);  // BGR -> RGB
        }
        EXPECT_EQ(rs, ReadStatus::Error);
        EXPECT_GE(frames, 1);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
        const std::string msg = cam->lastError().message();
        EXPECT_NE(msg.find("camera 9 (/dev/video9) stopped delivering frames"), std::string::npos) << msg;
        EXPECT_NE(msg.find("unplugged"), std::string::npos) << msg;
        EXPECT_EQ(cam->read(f), ReadStatus::Error);  // stays failed
    }  // destroying it with the grab still stuck must not hang (the thread is detached)
    released->store(true);
}

TEST(MediaCamera, DriverFailureEndsTheStreamWithAnError) {
    auto calls = std::make_shared<std::atomic<int>>(0);
    media::CameraGrab grab = [calls](cv::Mat& bgr) {
        if (++*calls > 5) return false;  // unplugged: V4L2 read fails
        bgr = cv::Mat(24, 32, CV_8UC3, cv::Scalar(0, 0, 0));
        std::this_thread::sleep_for(2ms);
        return true;
    };
    auto cam = media::makeCameraSource(grab, fakeInfo(), 2000ms);
    Frame f;
    auto t0 = std::chrono::steady_clock::now();
    while (cam->read(f) == ReadStatus::Frame) {
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);  // not the watchdog: the failure itself
    EXPECT_NE(cam->lastError().message().find("the driver returned no frame"), std::string::npos)
        << cam->lastError().message();
}

}  // namespace
}  // namespace pastiche
