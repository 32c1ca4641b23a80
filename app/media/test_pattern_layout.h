// The test pattern's drawing (test_pattern_source.cpp): the still part, drawn once per source,
// and where the moving parts of one frame are. One place for what a frame paints and for what a
// recycled frame must have restored, so the two cannot drift apart.
#pragma once

#include <array>
#include <cstdint>

#include <opencv2/core.hpp>

namespace pastiche::media {

// 75% colour bars and a grey ramp strip (RGB): the part that never moves.
void drawTestPatternStill(cv::Mat& rgb);

class TestPatternLayout {
public:
    TestPatternLayout(int width, int height, int64_t index);
    // The moving parts of this index over the still part: a bouncing ball, a square travelling
    // along the ramp, the frame counter on a dark box.
    void draw(cv::Mat& rgb) const;
    // Boxes, clipped to the frame, holding every pixel draw() changes.
    std::array<cv::Rect, 3> boxes() const;

private:
    int width_, height_;
    cv::Point ball_;
    int radius_;
    cv::Rect square_, counterBox_;
    cv::Point textOrigin_;
    cv::Size textSize_;
    double textScale_;
    char text_[32];
};

}  // namespace pastiche::media
