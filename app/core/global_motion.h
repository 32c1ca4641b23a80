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

// Global similarity (uniform scale, rotation, translation) between consecutive frames, for a zoom
// or a roll that grid lock's translation cannot follow. Corners of prev tracked into cur by
// pyramidal Lucas-Kanade, kept when tracking back lands within 0.3 px, then a RANSAC similarity
// fit refined on its inliers. curToPrev maps a point of cur to where it was in prev. ok is false
// when too few corners agree (flat frames, a cut, mostly local motion). Inputs: CV_8U gray.
struct SimilarityMotion {
    cv::Matx23d curToPrev = cv::Matx23d(1, 0, 0, 0, 1, 0);
    double scale = 1, angle = 0;  // of curToPrev: scale < 1 when the camera zooms in
    int inliers = 0;
    bool ok = false;
};
SimilarityMotion estimateSimilarity(const cv::Mat& prevGray8, const cv::Mat& curGray8);

}  // namespace pastiche
