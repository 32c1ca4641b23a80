// v4l2loopback output: format negotiation and frame writes against a fake device (the driver's
// answers scripted), the "no device" path, and a real loopback device where one exists.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "app/vcam/frame_formatter.h"
#include "app/vcam/v4l2_device.h"
#include "app/vcam/v4l2_loopback_camera.h"
#include "support/test_support.h"
#include "vcam_test_util.h"

namespace pastiche {
namespace {

using vcam::OutputFormat;

struct FakeState {
    std::string driver = "v4l2 loopback";
    uint32_t deviceCaps = V4L2_CAP_VIDEO_OUTPUT | V4L2_CAP_STREAMING | V4L2_CAP_READWRITE;
    std::function<void(v4l2_pix_format&)> driverAdjusts;  // what the driver does to S_FMT
    std::vector<v4l2_pix_format> requested;
    v4l2_fract timePerFrame{};
    std::mutex mutex;
    std::vector<std::vector<uint8_t>> writes;
};

class FakeLoopback final : public vcam::V4l2Device {
public:
    explicit FakeLoopback(std::shared_ptr<FakeState> s) : s_(std::move(s)) {}
    const std::string& path() const override { return path_; }
    Status queryCapability(v4l2_capability& cap) override {
        std::memset(&cap, 0, sizeof cap);
        std::strncpy(reinterpret_cast<char*>(cap.driver), s_->driver.c_str(), sizeof cap.driver - 1);
        cap.device_caps = s_->deviceCaps;
        cap.capabilities = s_->deviceCaps | V4L2_CAP_DEVICE_CAPS;
        return Status::ok();
    }
    Status setFormat(v4l2_format& f) override {
        if (f.type != V4L2_BUF_TYPE_VIDEO_OUTPUT) return Status::error(path_ + ": VIDIOC_S_FMT: Invalid argument");
        s_->requested.push_back(f.fmt.pix);
        if (s_->driverAdjusts) s_->driverAdjusts(f.fmt.pix);
        return Status::ok();
    }
    Status setFrameRate(v4l2_streamparm& p) override {
        s_->timePerFrame = p.parm.output.timeperframe;
        return Status::ok();
    }
    Status writeFrame(const uint8_t* data, size_t size) override {
        std::lock_guard lock(s_->mutex);
        s_->writes.emplace_back(data, data + size);
        return Status::ok();
    }

private:
    std::shared_ptr<FakeState> s_;
    std::string path_ = "/dev/video42";
};

TEST(VcamV4l2, NegotiatesYuyvAtTheRequestedSize) {
    auto state = std::make_shared<FakeState>();
    FakeLoopback device(state);
    auto format = vcam::negotiateLoopbackFormat(device, 1280, 720, 30);
    ASSERT_TRUE(format) << format.status().message();
    ASSERT_EQ(state->requested.size(), 1u);
    EXPECT_EQ(state->requested[0].pixelformat, uint32_t(V4L2_PIX_FMT_YUYV));
    EXPECT_EQ(state->requested[0].bytesperline, 2560u);
    EXPECT_EQ(state->requested[0].sizeimage, 2560u * 720);
    EXPECT_EQ(format->layout.format, OutputFormat::Yuy2);
    EXPECT_EQ(format->writeSize, 2560u * 720);
    EXPECT_EQ(vcam::fourccText(format->fourcc), "YUYV");
    EXPECT_EQ(state->timePerFrame.denominator * 1.0 / state->timePerFrame.numerator, 30.0);
}

TEST(VcamV4l2, OddWidthsAreMadeEven) {
    auto state = std::make_shared<FakeState>();
    FakeLoopback device(state);
    auto format = vcam::negotiateLoopbackFormat(device, 641, 361, 30);
    ASSERT_TRUE(format) << format.status().message();
    EXPECT_EQ(state->requested[0].width, 640u);
    EXPECT_EQ(format->layout.width, 640);
}

TEST(VcamV4l2, FollowsTheDriversChoiceOfFormatAndStride) {
    auto state = std::make_shared<FakeState>();
    state->driverAdjusts = [](v4l2_pix_format& p) {  // a driver that only does I420, 16-aligned rows
        p.pixelformat = V4L2_PIX_FMT_YUV420;
        p.width = 640, p.height = 360;
        p.bytesperline = 640;
        p.sizeimage = 640 * 360 * 3 / 2 + 4096;  // drivers may round the buffer up
    };
    FakeLoopback device(state);
    auto format = vcam::negotiateLoopbackFormat(device, 1280, 720, 30);
    ASSERT_TRUE(format) << format.status().message();
    EXPECT_EQ(format->layout.format, OutputFormat::I420);
    EXPECT_EQ(format->layout.width, 640);
    EXPECT_EQ(format->writeSize, 640u * 360 * 3 / 2 + 4096);

    state->driverAdjusts = [](v4l2_pix_format& p) { p.bytesperline = p.width * 2 + 64; p.sizeimage = p.bytesperline * p.height; };
    auto padded = vcam::negotiateLoopbackFormat(device, 320, 240, 30);
    ASSERT_TRUE(padded);
    EXPECT_EQ(padded->layout.stride[0], 320u * 2 + 64);
    EXPECT_EQ(padded->layout.size, (320u * 2 + 64) * 240);
}

TEST(VcamV4l2, RefusesWhatItCannotWrite) {
    auto state = std::make_shared<FakeState>();
    state->driverAdjusts = [](v4l2_pix_format& p) { p.pixelformat = V4L2_PIX_FMT_MJPEG; };
    FakeLoopback device(state);
    auto mjpeg = vcam::negotiateLoopbackFormat(device, 640, 480, 30);
    ASSERT_FALSE(mjpeg);
    EXPECT_NE(mjpeg.status().message().find("MJPG"), std::string::npos) << mjpeg.status().message();

    state->driverAdjusts = [](v4l2_pix_format& p) { p.pixelformat = V4L2_PIX_FMT_NV12; p.height = 479; };
    auto oddHeight = vcam::negotiateLoopbackFormat(device, 640, 480, 30);
    ASSERT_FALSE(oddHeight);
    EXPECT_NE(oddHeight.status().message().find("640x479"), std::string::npos) << oddHeight.status().message();
}

TEST(VcamV4l2, RefusesARealCameraAndABusyExclusiveCapsDevice) {
    auto state = std::make_shared<FakeState>();
    state->driver = "uvcvideo";
    state->deviceCaps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
    FakeLoopback device(state);
    auto camera = vcam::negotiateLoopbackFormat(device, 640, 480, 30);
    ASSERT_FALSE(camera);
    EXPECT_NE(camera.status().message().find("not a v4l2loopback device (driver 'uvcvideo')"), std::string::npos);
    EXPECT_NE(camera.status().message().find(vcam::kLoopbackSetupHint), std::string::npos);
    EXPECT_TRUE(state->requested.empty());

    // exclusive_caps=1 with a writer attached shows only the capture side.
    state->driver = "v4l2 loopback";
    auto busy = vcam::negotiateLoopbackFormat(device, 640, 480, 30);
    ASSERT_FALSE(busy);
    EXPECT_NE(busy.status().message().find("another program is writing"), std::string::npos) << busy.status().message();
}

TEST(VcamV4l2Realtime, WritesTheNewestFrameAtTheOutputRate) {
    auto state = std::make_shared<FakeState>();
    vcam::VirtualCameraOptions options;
    options.backend = vcam::VirtualCameraBackend::V4l2Loopback;
    options.width = 160, options.height = 90, options.fps = 50;
    auto camera = vcam::openV4l2LoopbackCamera(std::make_unique<FakeLoopback>(state), options, {});
    ASSERT_TRUE(camera) << camera.status().message();
    EXPECT_EQ(camera.value()->consumers(), -1);
    EXPECT_EQ(camera.value()->describe(), "v4l2loopback /dev/video42 160x90@50 YUYV");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // black until the first frame
    session::SessionFrame frame;
    frame.stylized = std::make_shared<const Image8>(test::syntheticFrame(320, 180));  // scaled to fit
    frame.isStylized = true;
    camera.value()->consume(frame);
    auto start = std::chrono::steady_clock::now();
    size_t before = 0;
    {
        std::lock_guard lock(state->mutex);
        before = state->writes.size();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(camera.value()->close());
    std::lock_guard lock(state->mutex);
    ASSERT_GT(state->writes.size(), before);
    // The pixel check is exact; the rate check is loose (a fake and a shared machine: the real
    // rate is measured through PipeWire).
    double rate = (state->writes.size() - before) / seconds;
    EXPECT_GT(rate, 25.0);
    EXPECT_LT(rate, 60.0);
    auto layout = vcam::defaultLayout(OutputFormat::Yuy2, 160, 90);
    EXPECT_EQ(state->writes.front().size(), layout.size);
    Image8 firstPicture = test::decodeFrame(state->writes.front(), layout);
    for (uint8_t v : firstPicture.pixels) ASSERT_LE(v, 1) << "frames before the first one are black";
    Image8 last = test::decodeFrame(state->writes.back(), layout);
    Image8 expected = test::afterChromaSubsampling(vcam::fitInto(*frame.stylized, 160, 90), OutputFormat::Yuy2);
    EXPECT_GE(test::psnr8(last, expected), 30.0);
}

// The raw camera never reaches a call unless asked for: frames without a style stay out.
TEST(VcamV4l2, OnlyStylizedFramesGoOutByDefault) {
    for (auto which : {vcam::VirtualCameraFrames::StylizedOnly, vcam::VirtualCameraFrames::Any}) {
        auto state = std::make_shared<FakeState>();
        vcam::VirtualCameraOptions options;
        options.backend = vcam::VirtualCameraBackend::V4l2Loopback;
        options.width = 64, options.height = 36, options.fps = 50;
        options.frames = which;
        auto camera = vcam::openV4l2LoopbackCamera(std::make_unique<FakeLoopback>(state), options, {});
        ASSERT_TRUE(camera) << camera.status().message();
        session::SessionFrame raw;  // isStylized false: the style is not ready yet
        raw.stylized = std::make_shared<const Image8>(test::syntheticFrame(64, 36));
        camera.value()->consume(raw);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ASSERT_TRUE(camera.value()->close());
        std::lock_guard lock(state->mutex);
        ASSERT_FALSE(state->writes.empty());
        Image8 last = test::decodeFrame(state->writes.back(), vcam::defaultLayout(OutputFormat::Yuy2, 64, 36));
        const bool black = std::all_of(last.pixels.begin(), last.pixels.end(), [](uint8_t v) { return v <= 1; });
        EXPECT_EQ(black, which == vcam::VirtualCameraFrames::StylizedOnly);
        EXPECT_EQ(camera.value()->framesReceived(), which == vcam::VirtualCameraFrames::Any ? 1 : 0);
    }
}

TEST(VcamV4l2, NoLoopbackDeviceSaysHowToCreateOne) {
    auto empty = std::filesystem::temp_directory_path() / ("pastiche-vcam-nodev-" + std::to_string(::getpid()));
    std::filesystem::create_directories(empty);
    auto found = vcam::findLoopbackDevice(empty.string());
    std::filesystem::remove_all(empty);
    ASSERT_FALSE(found);
    EXPECT_NE(found.status().message().find("sudo modprobe v4l2loopback exclusive_caps=1 card_label=Pastiche"),
              std::string::npos)
        << found.status().message();

    vcam::VirtualCameraOptions options;
    options.backend = vcam::VirtualCameraBackend::V4l2Loopback;
    options.devicePath = "/dev/video-pastiche-missing";
    auto camera = vcam::openVirtualCamera(options, {});
    ASSERT_FALSE(camera);
    EXPECT_NE(camera.status().message().find("/dev/video-pastiche-missing"), std::string::npos);
    EXPECT_NE(camera.status().message().find(vcam::kLoopbackSetupHint), std::string::npos) << camera.status().message();
}

// The real thing, where the module is loaded: write through the output side, read the capture side.
TEST(VcamV4l2, RealLoopbackDeviceCarriesTheFrames) {
    auto path = vcam::findLoopbackDevice();
    if (!path) GTEST_SKIP() << "no v4l2loopback device on this machine (" << path.status().message() << ")";
    vcam::VirtualCameraOptions options;
    options.backend = vcam::VirtualCameraBackend::V4l2Loopback;
    options.devicePath = path.value();
    options.width = 640, options.height = 360;
    auto camera = vcam::openVirtualCamera(options, {});
    ASSERT_TRUE(camera) << camera.status().message();
    session::SessionFrame frame;
    frame.stylized = std::make_shared<const Image8>(test::syntheticFrame(640, 360));
    frame.isStylized = true;
    camera.value()->consume(frame);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int fd = ::open(path.value().c_str(), O_RDONLY);
    ASSERT_GE(fd, 0) << path.value() << ": " << std::strerror(errno);
    auto layout = vcam::defaultLayout(OutputFormat::Yuy2, 640, 360);
    std::vector<uint8_t> bytes(layout.size);
    ssize_t n = ::read(fd, bytes.data(), bytes.size());
    ::close(fd);
    ASSERT_EQ(n, ssize_t(bytes.size())) << "read from " << path.value() << ": " << std::strerror(errno);
    Image8 expected = test::afterChromaSubsampling(*frame.stylized, OutputFormat::Yuy2);
    EXPECT_GE(test::psnr8(test::decodeFrame(bytes, layout), expected), 30.0);
    EXPECT_TRUE(camera.value()->close());
}

}  // namespace
}  // namespace pastiche
