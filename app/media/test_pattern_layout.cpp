#include "app/media/test_pattern_layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace pastiche::media {

namespace {

constexpr int kTextThickness = 2;

}  // namespace

void drawTestPatternStill(cv::Mat& m) {
    const int w = m.cols, h = m.rows;
    // 75% colour bars (RGB order: the frame is RGB), then a grey ramp strip at the bottom.
    static const cv::Scalar bars[7] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191}, {0, 191, 0},
                                       {191, 0, 191},   {191, 0, 0},   {0, 0, 191}};
    const int barsH = h * 2 / 3;
    for (int i = 0; i < 7; ++i) {
        int x0 = w * i / 7, x1 = w * (i + 1) / 7;
        cv::rectangle(m, cv::Rect(x0, 0, x1 - x0, barsH), bars[i], cv::FILLED);
    }
    for (int x = 0; x < w; ++x) {
        uint8_t v = uint8_t(x * 255 / std::max(1, w - 1));
        cv::line(m, {x, barsH}, {x, h - 1}, cv::Scalar(v, v, v));
    }
}

TestPatternLayout::TestPatternLayout(int w, int h, int64_t index) : width_(w), height_(h) {
    const int barsH = h * 2 / 3;
    // A ball bouncing horizontally (and swaying), a square travelling along the ramp.
    const double t = double(index);
    radius_ = std::max(4, std::min(w, h) / 12);
    const int span = std::max(1, w - 2 * radius_);
    const int phase = int(index * std::max(2, w / 90)) % (2 * span);
    ball_ = {radius_ + (phase < span ? phase : 2 * span - phase),
             barsH / 2 + int(std::lround(std::sin(t * 0.1) * barsH / 4))};
    const int side = std::max(4, (h - barsH) / 2);
    const int sx = int((index * std::max(1, w / 150)) % std::max(1, w - side));
    square_ = cv::Rect(sx, barsH + (h - barsH - side) / 2, side, side);
    // Frame counter, top-left, on a dark box so it reads on any bar.
    std::snprintf(text_, sizeof text_, "%06lld", static_cast<long long>(index));
    textScale_ = std::max(0.4, h / 360.0);
    int baseline = 0;
    textSize_ = cv::getTextSize(text_, cv::FONT_HERSHEY_SIMPLEX, textScale_, kTextThickness, &baseline);
    counterBox_ = cv::Rect(0, 0, textSize_.width + 16, textSize_.height + baseline + 16);
    textOrigin_ = {8, 8 + textSize_.height};
}

void TestPatternLayout::draw(cv::Mat& m) const {
    cv::circle(m, ball_, radius_, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_8);
    cv::circle(m, ball_, radius_ / 2, cv::Scalar(230, 40, 40), cv::FILLED, cv::LINE_8);
    cv::rectangle(m, square_, cv::Scalar(20, 20, 20), cv::FILLED);
    cv::rectangle(m, counterBox_, cv::Scalar(0, 0, 0), cv::FILLED);
    cv::putText(m, text_, textOrigin_, cv::FONT_HERSHEY_SIMPLEX, textScale_, cv::Scalar(255, 255, 255), kTextThickness,
                cv::LINE_8);
}

std::array<cv::Rect, 3> TestPatternLayout::boxes() const {
    const cv::Rect frame(0, 0, width_, height_);
    // A margin of a few pixels: rasterised edges and thick text strokes may pass the ideal shape.
    const int m = 2 + kTextThickness;
    const cv::Rect ball(ball_.x - radius_ - m, ball_.y - radius_ - m, 2 * (radius_ + m) + 1, 2 * (radius_ + m) + 1);
    const cv::Rect text(textOrigin_.x - m, textOrigin_.y - textSize_.height - m, textSize_.width + 2 * m,
                        textSize_.height * 2 + 2 * m);
    return {ball & frame, square_ & frame, (counterBox_ | text) & frame};
}

}  // namespace pastiche::media
