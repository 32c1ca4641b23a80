// Frame layouts and RGB -> YUY2/NV12/I420/RGBx/BGRx conversion, checked by decoding with
// OpenCV (an independent implementation of BT.601), plus fitting and option parsing.
#include <gtest/gtest.h>

#include "app/vcam/frame_formatter.h"
#include "app/vcam/frame_layout.h"
#include "app/vcam/virtual_camera.h"
#include "support/test_support.h"
#include "vcam_test_util.h"

namespace pastiche {
namespace {

using vcam::OutputFormat;

const OutputFormat kFormats[] = {OutputFormat::Yuy2, OutputFormat::Nv12, OutputFormat::I420, OutputFormat::Rgbx,
                                 OutputFormat::Bgrx};

TEST(VcamLayout, MatchesGStreamerDefaults) {
    auto yuy2 = vcam::defaultLayout(OutputFormat::Yuy2, 1280, 720);
    EXPECT_EQ(yuy2.stride[0], 2560u);
    EXPECT_EQ(yuy2.size, 1280u * 720 * 2);
    auto i420 = vcam::defaultLayout(OutputFormat::I420, 1280, 720);
    EXPECT_EQ(i420.size, 1280u * 720 * 3 / 2);
    EXPECT_EQ(i420.offset[1], 1280u * 720);
    EXPECT_EQ(i420.offset[2], 1280u * 720 + 640 * 360);
    // Chroma rows are padded to 4 bytes like GStreamer's: 2*105 = 210 wide -> 105 -> 108.
    auto odd = vcam::defaultLayout(OutputFormat::I420, 210, 100);
    EXPECT_EQ(odd.stride[0], 212u);
    EXPECT_EQ(odd.stride[1], 108u);
    auto nv12 = vcam::defaultLayout(OutputFormat::Nv12, 640, 360);
    EXPECT_EQ(nv12.stride[1], 640u);
    EXPECT_EQ(nv12.size, 640u * 360 * 3 / 2);
    EXPECT_EQ(vcam::defaultLayout(OutputFormat::Bgrx, 642, 2).stride[0], 642u * 4);
}

class VcamConvert : public ::testing::TestWithParam<OutputFormat> {};

TEST_P(VcamConvert, DecodesBackToTheFrame) {
    const OutputFormat format = GetParam();
    const Image8 frame = test::syntheticFrame(320, 240);
    auto layout = vcam::defaultLayout(format, 320, 240);
    std::vector<uint8_t> bytes(layout.size);
    vcam::convertRgb(frame, layout, bytes.data());
    Image8 decoded = test::decodeFrame(bytes, layout);
    double p = test::psnr8(decoded, test::afterChromaSubsampling(frame, format));
    EXPECT_GE(p, 35.0) << vcam::formatName(format);
    if (format == OutputFormat::Rgbx || format == OutputFormat::Bgrx) {
        EXPECT_EQ(decoded.pixels, frame.pixels);
    }
    // A test that can fail: a different picture is far away.
    EXPECT_LT(test::psnr8(decoded, test::syntheticFrame(320, 240, 1)), 20.0);
}

TEST_P(VcamConvert, BlackIsLimitedRangeBlack) {
    auto layout = vcam::defaultLayout(GetParam(), 64, 32);
    std::vector<uint8_t> bytes(layout.size, 0x55);
    vcam::fillBlack(layout, bytes.data());
    Image8 decoded = test::decodeFrame(bytes, layout);
    for (uint8_t v : decoded.pixels) ASSERT_LE(v, 1);
    if (GetParam() == OutputFormat::Yuy2) {
        EXPECT_EQ(bytes[0], 16);   // Y
        EXPECT_EQ(bytes[1], 128);  // U
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, VcamConvert, ::testing::ValuesIn(kFormats),
                         [](const auto& info) { return vcam::formatName(info.param); });

TEST(VcamFit, LetterboxesAnotherAspect) {
    Image8 square(100, 100);
    std::fill(square.pixels.begin(), square.pixels.end(), 200);
    Image8 out = vcam::fitInto(square, 160, 90);
    ASSERT_EQ(out.width, 160);
    ASSERT_EQ(out.height, 90);
    auto at = [&](int x, int y) { return out.pixels[(size_t(y) * 160 + x) * 3]; };
    EXPECT_EQ(at(5, 45), 0);      // left bar
    EXPECT_EQ(at(154, 45), 0);    // right bar
    EXPECT_EQ(at(80, 45), 200);   // picture, full height
    EXPECT_EQ(at(80, 0), 200);
    Image8 same = vcam::fitInto(test::syntheticFrame(320, 180), 640, 360);  // same aspect: no bars
    EXPECT_GT(same.pixels[(size_t(180) * 640 + 1) * 3 + 1], 100);  // green ramp at the left edge, not a bar
}

TEST(VcamFormatter, ConvertsOncePerFrameAndScales) {
    vcam::FrameFormatter formatter;
    formatter.setLayout(vcam::defaultLayout(OutputFormat::Rgbx, 64, 36));
    auto black = formatter.bytesFor(nullptr);
    EXPECT_EQ(black[0], 0);
    EXPECT_EQ(black[3], 255);
    auto frame = std::make_shared<const Image8>(test::syntheticFrame(128, 72));
    const auto& first = formatter.bytesFor(frame);
    const uint8_t* data = first.data();
    Image8 decoded = test::decodeFrame(first, formatter.layout());
    EXPECT_GE(test::psnr8(decoded, vcam::fitInto(*frame, 64, 36)), 45.0);
    EXPECT_EQ(formatter.bytesFor(frame).data(), data);  // the repeat is the cached conversion
}

TEST(VcamOptions, ParsesTheCliText) {
    auto pw = vcam::parseVirtualCameraOptions("pipewire");
    ASSERT_TRUE(pw) << pw.status().message();
    EXPECT_EQ(pw->backend, vcam::VirtualCameraBackend::PipeWire);
    EXPECT_EQ(pw->width, 1280);
    EXPECT_EQ(pw->height, 720);
    EXPECT_EQ(pw->fps, 30);
    EXPECT_EQ(pw->nodeName, "Pastiche");
    auto first = vcam::parseVirtualCameraOptions("v4l2");
    ASSERT_TRUE(first);
    EXPECT_EQ(first->backend, vcam::VirtualCameraBackend::V4l2Loopback);
    EXPECT_TRUE(first->devicePath.empty());
    vcam::VirtualCameraOptions base;
    base.width = 640;
    auto dev = vcam::parseVirtualCameraOptions("v4l2:/dev/video7", base);
    ASSERT_TRUE(dev);
    EXPECT_EQ(dev->devicePath, "/dev/video7");
    EXPECT_EQ(dev->width, 640);
    EXPECT_FALSE(vcam::parseVirtualCameraOptions("v4l2:"));
    auto bad = vcam::parseVirtualCameraOptions("obs");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.status().message().find("pipewire, v4l2 or v4l2:/dev/videoN"), std::string::npos);
}

TEST(VcamOptions, OutputSizeIsEvenAndFollowsTheFrameWhenZero) {
    vcam::VirtualCameraOptions o;
    int w = 0, h = 0;
    vcam::outputSize(o, 333, 111, w, h);
    EXPECT_EQ(w, 1280);
    EXPECT_EQ(h, 720);
    o.width = o.height = 0;
    vcam::outputSize(o, 333, 111, w, h);
    EXPECT_EQ(w, 332);
    EXPECT_EQ(h, 110);
    EXPECT_FALSE(vcam::openVirtualCamera([] { vcam::VirtualCameraOptions x; x.fps = 0; return x; }(), {}));
}

}  // namespace
}  // namespace pastiche
