// Where and how far the trunk features of the previous frame may be carried onto this one
// (flow-guided trunk blending, app/core/temporal_stabilizer.h).
//
// Flow (OpenCV DIS) on gray canvases at the trunk's resolution (a quarter of the canvas),
// backward t -> t-1 and forward t-1 -> t. A pixel's history is trusted when the two flows agree
// and it is not on a motion boundary (Ruder et al. 2016's occlusion criteria), its source lies
// inside frame t-1, and the input itself warps consistently there: a gate
// exp(-(|I_t - warp(I_{t-1})| / tau)^2) on the input's own warp residual keeps changing content
// (a hand moving, a light switching) from being held back.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>

namespace pastiche {

struct TrunkMotionField {
    cv::Mat flow;        // CV_32FC2 at trunk size, in trunk pixels: t -> t-1
    cv::Mat confidence;  // CV_32F at trunk size, in [0, 1]
    double keptFraction = 0;  // share of trunk pixels that passed the occlusion test
    double spread = 0;        // std deviation of the trusted flow, frame pixels: ~0 for a translation
};

class TrunkMotion {
public:
    TrunkMotion();
    // prev / cur: CV_8U gray canvases at the trunk's size (a quarter of the canvas, which is a
    // multiple of 4). gateTau in gray levels.
    TrunkMotionField estimate(const cv::Mat& prev, const cv::Mat& cur, double gateTau);

private:
    cv::Ptr<cv::DISOpticalFlow> dis_;
};

// out(x) = prev(x + flow(x)), bicubic (Catmull-Rom: the recursive history is resampled every frame,
// and bilinear's softening compounds), replicated borders; HWC floats with `channels` channels.
void warpFeatures(const float* prev, const cv::Mat& flow, int channels, float* out);

}  // namespace pastiche
