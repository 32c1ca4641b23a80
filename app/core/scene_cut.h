// Scene-cut detection for the temporal stabilizer: a cut (or a new source) must not inherit the
// previous shot's history. Two cheap signals on the gray frame: the luminance histogram changes
// (Bhattacharyya distance), or a 1/16-size thumbnail differs by much more than motion explains.
#pragma once

#include <opencv2/core.hpp>

namespace pastiche {

struct SceneCutOptions {
    double histogramDistance = 0.35;  // Bhattacharyya distance of 64-bin histograms
    double thumbnailLevels = 45.0;    // mean absolute difference of the thumbnails, gray levels
};

class SceneCutDetector {
public:
    explicit SceneCutDetector(SceneCutOptions options = {}) : options_(options) {}
    // gray: CV_8U. True when this frame starts a new shot (never for the first frame).
    bool isCut(const cv::Mat& gray);
    void reset() { haveLast_ = false; }

private:
    SceneCutOptions options_;
    bool haveLast_ = false;
    cv::Mat lastHistogram_, lastThumbnail_;
};

}  // namespace pastiche
