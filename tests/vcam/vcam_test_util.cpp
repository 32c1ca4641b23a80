#include "vcam_test_util.h"

#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace pastiche::test {

Image8 syntheticFrame(int width, int height, int variant) {
    Image8 img(width, height);
    cv::Mat m(height, width, CV_8UC3, img.pixels.data());
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            uint8_t* p = m.ptr<uint8_t>(y, x);
            p[0] = uint8_t(x * 255 / std::max(1, width - 1));
            p[1] = uint8_t(y * 255 / std::max(1, height - 1));
            p[2] = uint8_t(128 + 100 * std::sin((x + y + 40 * variant) * 0.02));
        }
    const int bw = width / 8, bh = height / 6;
    const cv::Scalar colours[4] = {{230, 30, 30}, {30, 200, 40}, {40, 40, 220}, {240, 240, 240}};
    for (int i = 0; i < 4; ++i)
        cv::rectangle(m, cv::Rect(bw * (1 + 2 * i), bh * (1 + variant % 2), bw, bh), colours[(i + variant) % 4], cv::FILLED);
    cv::circle(m, {width / 2, height * 2 / 3}, std::min(width, height) / 6, cv::Scalar(250, 200, 0), cv::FILLED, cv::LINE_AA);
    return img;
}

Image8 decodeFrame(const std::vector<uint8_t>& bytes, const vcam::FrameLayout& l) {
    if (bytes.size() < l.size) throw std::runtime_error("decodeFrame: short frame");
    Image8 out(l.width, l.height);
    cv::Mat dst(l.height, l.width, CV_8UC3, out.pixels.data());
    auto* data = const_cast<uint8_t*>(bytes.data());
    switch (l.format) {
        case vcam::OutputFormat::Yuy2:
            cv::cvtColor(cv::Mat(l.height, l.width, CV_8UC2, data, l.stride[0]), dst, cv::COLOR_YUV2RGB_YUY2);
            break;
        case vcam::OutputFormat::I420:
            cv::cvtColor(cv::Mat(l.height * 3 / 2, l.width, CV_8UC1, data), dst, cv::COLOR_YUV2RGB_I420);
            break;
        case vcam::OutputFormat::Nv12:
            cv::cvtColor(cv::Mat(l.height * 3 / 2, l.width, CV_8UC1, data), dst, cv::COLOR_YUV2RGB_NV12);
            break;
        case vcam::OutputFormat::Rgbx:
            cv::cvtColor(cv::Mat(l.height, l.width, CV_8UC4, data, l.stride[0]), dst, cv::COLOR_RGBA2RGB);
            break;
        case vcam::OutputFormat::Bgrx:
            cv::cvtColor(cv::Mat(l.height, l.width, CV_8UC4, data, l.stride[0]), dst, cv::COLOR_BGRA2RGB);
            break;
    }
    return out;
}

Image8 afterChromaSubsampling(const Image8& frame, vcam::OutputFormat format) {
    if (format == vcam::OutputFormat::Rgbx || format == vcam::OutputFormat::Bgrx) return frame;
    const int fy = format == vcam::OutputFormat::Yuy2 ? 1 : 2;
    cv::Mat rgb(frame.height, frame.width, CV_8UC3, const_cast<uint8_t*>(frame.pixels.data()));
    cv::Mat ycc;
    cv::cvtColor(rgb, ycc, cv::COLOR_RGB2YCrCb);
    std::vector<cv::Mat> planes;
    cv::split(ycc, planes);
    for (int c = 1; c < 3; ++c) {
        cv::Mat small;
        cv::resize(planes[c], small, cv::Size(frame.width / 2, frame.height / fy), 0, 0, cv::INTER_AREA);
        cv::resize(small, planes[c], cv::Size(frame.width, frame.height), 0, 0, cv::INTER_NEAREST);
    }
    cv::merge(planes, ycc);
    Image8 out(frame.width, frame.height);
    cv::Mat dst(frame.height, frame.width, CV_8UC3, out.pixels.data());
    cv::cvtColor(ycc, dst, cv::COLOR_YCrCb2RGB);
    return out;
}

}  // namespace pastiche::test
