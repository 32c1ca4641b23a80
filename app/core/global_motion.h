// Global translation between consecutive frames (grid lock under camera motion).
#pragma once

#include <opencv2/core.hpp>

namespace pastiche {

// Content displacement d from prev to cur (cur(x + d) ~ prev(x)), in pixels. Phase correlation
// on half-resolution frames finds it coarsely (robust to large shifts), a translation-only
// Lucas-Kanade (like ECC) refines it at full resolution: on an exact synthetic pan ECC errs by
// 0.02-0.05 px, phase correlation alone by 0.1-0.3 px, the median of DIS flow by ~0.15 px, and
// the network's output changes visibly for 0.25 px. Inputs: CV_32F gray, same size.
struct GlobalMotion {
    cv::Point2d shift;
    double response = 0;  // phase-correlation peak (0..1): low when there is no common translation
};
GlobalMotion estimateTranslation(const cv::Mat& prevGray, const cv::Mat& curGray);

}  // namespace pastiche
