#include "app/core/scene_cut.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

namespace pastiche {

bool SceneCutDetector::isCut(const cv::Mat& gray) {
    cv::Mat hist;
    const int bins = 64;
    const float range[] = {0, 256};
    const float* ranges[] = {range};
    const int channels[] = {0};
    cv::calcHist(&gray, 1, channels, cv::Mat(), hist, 1, &bins, ranges);
    cv::normalize(hist, hist, 1.0, 0.0, cv::NORM_L1);
    cv::Mat thumb;
    cv::resize(gray, thumb, cv::Size(std::max(1, gray.cols / 16), std::max(1, gray.rows / 16)), 0, 0, cv::INTER_AREA);
    bool cut = false;
    if (haveLast_ && thumb.size() == lastThumbnail_.size()) {
        const double dist = cv::compareHist(hist, lastHistogram_, cv::HISTCMP_BHATTACHARYYA);
        cv::Mat diff;
        cv::absdiff(thumb, lastThumbnail_, diff);
        cut = dist > options_.histogramDistance || cv::mean(diff)[0] > options_.thumbnailLevels;
    }
    lastHistogram_ = hist;
    lastThumbnail_ = thumb;
    haveLast_ = true;
    return cut;
}

}  // namespace pastiche
