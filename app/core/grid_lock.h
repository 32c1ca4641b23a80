// Grid lock: keeps the scene on the transfer network's 4-pixel sampling grid under global camera
// motion. The network downsamples twice with stride 2, so it is shift-equivariant only for 4 px
// steps (4 px shift: 50 dB between outputs; 1 px: 15-27 dB); a pan moves the content by a
// fraction of that grid every frame and the texture is re-synthesised. With D_t the cumulative
// content displacement and g_t = D_t - 4 * round(D_t / 4) (|g| <= 2 px), each frame is placed on
// a canvas shifted by g_t, with a reflected margin of kMargin px so the shift back has real
// network output at the borders:  J_t(x) = I_t(x - margin + g_t),  O_t(y) = S(J_t)(y + margin - g_t).
// For a pure translation J_t is J_0 moved by whole 4 px cells, which the network reproduces.
#pragma once

#include <opencv2/core.hpp>

namespace pastiche {

class GridLock {
public:
    static constexpr int kMargin = 4;

    void reset() { cumulative_ = {0, 0}; }
    void addMotion(cv::Point2d shift) { cumulative_ += shift; }
    cv::Point2d offset() const;                // g_t
    static cv::Size canvasSize(cv::Size frame);  // frame + 2 margins, rounded up to multiples of 4

    // frame (CV_8UC3) -> canvas; canvas result -> frame-sized output.
    void toCanvas(const cv::Mat& frame, cv::Mat& canvas) const;
    void fromCanvas(const cv::Mat& canvasResult, cv::Size frame, cv::Mat& out) const;

private:
    cv::Point2d cumulative_{0, 0};
};

}  // namespace pastiche
