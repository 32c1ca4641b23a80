// The test pattern repaints only what moved in a frame it painted before (recycled by the session's
// source stage): every frame must still equal the pattern as it was drawn whole, in any order of
// frames and indices (seeks), and a frame another pattern painted must be drawn whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "app/media/frame_source.h"

namespace pastiche::test {
namespace {

// The whole-frame drawing as test_pattern_source.cpp did it before the partial repaint (kept
// verbatim as the reference).
void referenceStill(cv::Mat& m) {
    const int w = m.cols, h = m.rows;
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

void referenceMoving(cv::Mat& m, int64_t index) {
    const int w = m.cols, h = m.rows;
    const int barsH = h * 2 / 3;
    const double t = double(index);
    const int r = std::max(4, std::min(w, h) / 12);
    int span = std::max(1, w - 2 * r);
    int phase = int(index * std::max(2, w / 90)) % (2 * span);
    int bx = r + (phase < span ? phase : 2 * span - phase);
    int by = barsH / 2 + int(std::lround(std::sin(t * 0.1) * barsH / 4));
    cv::circle(m, {bx, by}, r, cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_8);
    cv::circle(m, {bx, by}, r / 2, cv::Scalar(230, 40, 40), cv::FILLED, cv::LINE_8);
    int side = std::max(4, (h - barsH) / 2);
    int sx = int((index * std::max(1, w / 150)) % std::max(1, w - side));
    cv::rectangle(m, cv::Rect(sx, barsH + (h - barsH - side) / 2, side, side), cv::Scalar(20, 20, 20), cv::FILLED);
    char text[32];
    std::snprintf(text, sizeof text, "%06lld", static_cast<long long>(index));
    double scale = std::max(0.4, h / 360.0);
    int baseline = 0;
    cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 2, &baseline);
    cv::rectangle(m, cv::Rect(0, 0, ts.width + 16, ts.height + baseline + 16), cv::Scalar(0, 0, 0), cv::FILLED);
    cv::putText(m, text, {8, 8 + ts.height}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255), 2, cv::LINE_8);
}

Image8 referenceFrame(int w, int h, int64_t index) {
    Image8 image(w, h);
    cv::Mat m(h, w, CV_8UC3, image.pixels.data());
    referenceStill(m);
    referenceMoving(m, index);
    return image;
}

std::unique_ptr<FrameSource> pattern(int w, int h) {
    SourceSpec spec;
    spec.width = w;
    spec.height = h;
    auto opened = openSource(spec);
    EXPECT_TRUE(opened) << opened.status().message();
    return opened ? std::move(opened).value() : nullptr;
}

// Frames reused round-robin, as the source stage's recycler hands them back, with seeks back and
// forward between reads (the moving parts jump, the counter changes width past 999999).
TEST(MediaTestPattern, RecycledFramesEqualTheWholeDrawing) {
    const std::pair<int, int> sizes[] = {{1920, 1080}, {333, 217}, {16, 16}, {64, 400}};
    for (const auto& [w, h] : sizes) {
        auto source = pattern(w, h);
        ASSERT_TRUE(source);
        std::vector<Frame> pool(3);
        const double fps = source->info().fps;
        int64_t expected = 0;
        std::vector<uint8_t> previous;
        for (int i = 0; i < 150; ++i) {
            if (i == 60 || i == 100 || i == 120) {
                expected = i == 60 ? 5 : i == 100 ? 999990 : 400;
                ASSERT_TRUE(source->seek(int64_t(std::llround(expected * 1e6 / fps))));
            }
            Frame& frame = pool[size_t(i) % pool.size()];
            ASSERT_EQ(source->read(frame), ReadStatus::Frame);
            ASSERT_EQ(frame.index, expected);
            const Image8 want = referenceFrame(w, h, expected);
            ASSERT_EQ(frame.image.pixels, want.pixels)
                << w << "x" << h << " frame " << expected << " (read " << i << ")";
            if (w >= 64) {  // 16x16 is all counter box
                EXPECT_NE(frame.image.pixels, previous) << "the pattern stands still at frame " << expected;
            }
            previous = frame.image.pixels;
            ++expected;
        }
    }
}

// A frame painted by another pattern (or any other source) of the same size is drawn whole.
TEST(MediaTestPattern, FramesPaintedByAnotherSourceAreDrawnWhole) {
    auto first = pattern(320, 180), second = pattern(320, 180);
    ASSERT_TRUE(first && second);
    Frame frame;
    for (int i = 0; i < 7; ++i) ASSERT_EQ(first->read(frame), ReadStatus::Frame);  // first's frame 6
    ASSERT_EQ(second->read(frame), ReadStatus::Frame);                             // second's frame 0 over it
    EXPECT_EQ(frame.image.pixels, referenceFrame(320, 180, 0).pixels);
    std::fill(frame.image.pixels.begin(), frame.image.pixels.end(), uint8_t(77));  // another writer
    frame.painter = 0;
    ASSERT_EQ(second->read(frame), ReadStatus::Frame);
    EXPECT_EQ(frame.image.pixels, referenceFrame(320, 180, 1).pixels);
}

}  // namespace
}  // namespace pastiche::test
