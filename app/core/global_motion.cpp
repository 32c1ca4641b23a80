#include "app/core/global_motion.h"

#include <cmath>
#include <opencv2/imgproc.hpp>

namespace pastiche {
namespace {

// Pixels near the border are left out of the refinement: the shifted frame has no data there.
constexpr int kBorder = 8;
constexpr int kIterations = 8;
constexpr double kConverged = 1e-3;  // pixels

// Translation-only inverse-compositional Lucas-Kanade (Baker & Matthews 2004) with the means
// removed (a brightness change between frames does not bias it), from an initial estimate.
// Equivalent to OpenCV's findTransformECC with MOTION_TRANSLATION for this purpose, at a fifth
// of its cost (its per-call set-up dominates at these sizes).
cv::Point2d refineTranslation(const cv::Mat& prev, const cv::Mat& cur, cv::Point2d shift) {
    const cv::Rect roi(kBorder, kBorder, prev.cols - 2 * kBorder, prev.rows - 2 * kBorder);
    if (roi.width < 16 || roi.height < 16) return shift;
    cv::Mat gx, gy;
    cv::Scharr(prev, gx, CV_32F, 1, 0, 1.0 / 32.0);
    cv::Scharr(prev, gy, CV_32F, 0, 1, 1.0 / 32.0);
    const cv::Mat T = prev(roi), Gx = gx(roi), Gy = gy(roi);
    const double tMean = cv::mean(T)[0];
    const double hxx = Gx.dot(Gx), hxy = Gx.dot(Gy), hyy = Gy.dot(Gy);
    const double det = hxx * hyy - hxy * hxy;
    if (det <= 1e-9 * (hxx + hyy) * (hxx + hyy) || det <= 0) return shift;  // flat or 1-D texture
    cv::Mat warped;
    for (int it = 0; it < kIterations; ++it) {
        // warped(x) = cur(x + shift) on the ROI.
        const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, shift.x + kBorder, 0, 1, shift.y + kBorder);
        cv::warpAffine(cur, warped, m, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
        const double offset = cv::mean(warped)[0] - tMean;
        const cv::Mat err = warped - T - offset;
        const double bx = Gx.dot(err), by = Gy.dot(err);
        const double dx = (hyy * bx - hxy * by) / det, dy = (hxx * by - hxy * bx) / det;
        shift.x -= dx;
        shift.y -= dy;
        if (std::abs(dx) < kConverged && std::abs(dy) < kConverged) break;
    }
    return shift;
}

}  // namespace

GlobalMotion estimateTranslation(const cv::Mat& prevGray, const cv::Mat& curGray) {
    if (prevGray.size() != curGray.size() || prevGray.cols < 64 || prevGray.rows < 64) return {};
    GlobalMotion m;
    // Coarse at a quarter of the resolution (an FFT of an optimal size; Lucas-Kanade converges
    // from within a pixel or two), refined at full resolution.
    cv::Mat prevSmall, curSmall;
    cv::resize(prevGray, prevSmall, cv::Size(), 0.25, 0.25, cv::INTER_AREA);
    cv::resize(curGray, curSmall, cv::Size(), 0.25, 0.25, cv::INTER_AREA);
    const cv::Size fft(cv::getOptimalDFTSize(prevSmall.cols), cv::getOptimalDFTSize(prevSmall.rows));
    cv::copyMakeBorder(prevSmall, prevSmall, 0, fft.height - prevSmall.rows, 0, fft.width - prevSmall.cols, cv::BORDER_REFLECT);
    cv::copyMakeBorder(curSmall, curSmall, 0, fft.height - curSmall.rows, 0, fft.width - curSmall.cols, cv::BORDER_REFLECT);
    const cv::Point2d coarse = cv::phaseCorrelate(prevSmall, curSmall, cv::noArray(), &m.response);
    m.shift = refineTranslation(prevGray, curGray, coarse * 4.0);
    return m;
}

}  // namespace pastiche
