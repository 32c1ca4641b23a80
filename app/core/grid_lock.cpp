#include "app/core/grid_lock.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace pastiche {
namespace {

// Below this the shift is treated as zero: whole-pixel copies, no resampling blur (static shots).
constexpr double kNoShift = 1e-3;

bool isZero(cv::Point2d g) { return std::abs(g.x) < kNoShift && std::abs(g.y) < kNoShift; }

int roundUp4(int n) { return (n + 3) / 4 * 4; }

}  // namespace

cv::Point2d GridLock::offset() const {
    return {cumulative_.x - 4.0 * std::round(cumulative_.x / 4.0), cumulative_.y - 4.0 * std::round(cumulative_.y / 4.0)};
}

cv::Size GridLock::canvasSize(cv::Size frame) {
    return {roundUp4(frame.width + 2 * kMargin), roundUp4(frame.height + 2 * kMargin)};
}

void GridLock::toCanvas(const cv::Mat& frame, cv::Mat& canvas) const {
    const cv::Size size = canvasSize(frame.size());
    const cv::Point2d g = offset();
    if (isZero(g)) {
        cv::copyMakeBorder(frame, canvas, kMargin, size.height - frame.rows - kMargin, kMargin,
                           size.width - frame.cols - kMargin, cv::BORDER_REFLECT);
        return;
    }
    // dst(x) = src(x - margin + g): Lanczos keeps the sub-pixel shift sharp.
    const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, kMargin - g.x, 0, 1, kMargin - g.y);
    cv::warpAffine(frame, canvas, m, size, cv::INTER_LANCZOS4, cv::BORDER_REFLECT);
}

void GridLock::fromCanvas(const cv::Mat& canvasResult, cv::Size frame, cv::Mat& out) const {
    const cv::Point2d g = offset();
    if (isZero(g)) {
        canvasResult(cv::Rect(kMargin, kMargin, frame.width, frame.height)).copyTo(out);
        return;
    }
    const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, g.x - kMargin, 0, 1, g.y - kMargin);
    cv::warpAffine(canvasResult, out, m, frame, cv::INTER_CUBIC, cv::BORDER_REFLECT);
}

}  // namespace pastiche
