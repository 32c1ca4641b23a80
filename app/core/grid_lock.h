// Grid lock: keeps the scene on the transfer network's 4-pixel sampling grid under global camera
// motion. The network downsamples twice with stride 2, so it is shift-equivariant only for 4 px
// steps (4 px shift: 50 dB between outputs; 1 px: 15-27 dB); a pan moves the content by a
// fraction of that grid every frame and the texture is re-synthesised. With D_t the cumulative
// content displacement and g_t = D_t - 4 * round(D_t / 4) (|g| <= 2 px), each frame is placed on
// a canvas shifted by g_t, with a reflected margin of kMargin px so the shift back has real
// network output at the borders:  J_t(x) = I_t(x - margin + g_t),  O_t(y) = S(J_t)(y + margin - g_t).
// For a pure translation J_t is J_0 moved by whole 4 px cells, which the network reproduces.
//
// A zoom (or a roll) changes the scene's scale, which no 4-px shift can hold: then the lock keeps
// a similarity A_t (frame t -> the anchor frame's coordinates) and resamples each frame onto the
// canvas at the anchor's scale, M_t(x) = A_t(x) + margin + 4k (4k keeps the frame centred), so
// the network sees the scene at one scale and grid phase until the scale has drifted by
// kScaleRange; then the anchor moves to the current frame (one re-synthesis, which trunk blending
// softens). The canvas content is only ever shrunk (scale in [1 - kScaleRange, 1]) so the whole
// frame stays inside it.
#pragma once

#include <opencv2/core.hpp>

#include "engine/stability_policy.h"

namespace pastiche {

// m applied to the point p: (m(0,0) x + m(0,1) y + m(0,2), m(1,0) x + m(1,1) y + m(1,2)).
inline cv::Point2d applyAffine(const cv::Matx23d& m, cv::Point2d p) {
    return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

class GridLock {
public:
    static constexpr int kMargin = stability::kMargin;
    // Measured on a 15 % zoom (docs/QUALITY.md): 2 % re-anchors too often (warp error 0.52x of
    // per-frame), 8 % 0.44x; the sharpness does not depend on it (0.73-0.74x before sharpening).
    static constexpr double kScaleRange = stability::kScaleRange;  // scale drift before re-anchoring
    static constexpr double kMaxAngle = stability::kMaxAngle;      // radians of roll before re-anchoring

    void reset();
    // A translation step: the content moved by shift (cur(x + shift) = prev(x)).
    void addMotion(cv::Point2d shift);
    // A similarity step (curToPrev maps cur's points to prev's) of frames of this size.
    void addSimilarity(const cv::Matx23d& curToPrev, cv::Size frame);
    // g_t: the sub-cell part of the displacement of the frame's centre (|g| <= 2 px).
    cv::Point2d offset() const;
    // The lock holds a scale or roll: the canvas is a general warp of the frame.
    bool scaled() const;
    int reanchors() const { return reanchors_; }
    static cv::Size canvasSize(cv::Size frame);  // frame + 2 margins, rounded up to multiples of 4

    // frame (CV_8UC3) -> canvas; canvas result -> frame-sized output.
    void toCanvas(const cv::Mat& frame, cv::Mat& canvas) const;
    void fromCanvas(const cv::Mat& canvasResult, cv::Size frame, cv::Mat& out) const;

private:
    cv::Matx23d toCanvasMap() const;   // M_t
    cv::Point2d displacement() const;  // D_t: c - A_t(c) of the centre (of the origin without a scale)
    cv::Matx23d anchor_ = cv::Matx23d(1, 0, 0, 0, 1, 0);  // A_t: frame -> anchor coordinates
    cv::Point2d centre_{0, 0};                            // of the frames seen by addSimilarity
    int reanchors_ = 0;
};

}  // namespace pastiche
