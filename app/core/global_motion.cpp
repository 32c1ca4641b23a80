#include "app/core/global_motion.h"

#include <algorithm>
#include <cmath>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>
#include <vector>

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

SimilarityMotion estimateSimilarity(const cv::Mat& prevGray8, const cv::Mat& curGray8) {
    SimilarityMotion m;
    if (prevGray8.size() != curGray8.size() || prevGray8.cols < 64 || prevGray8.rows < 64) return m;
    // At half resolution (a quarter of the cost; the fit over a couple of hundred corners is
    // still good to a few hundredths of a full-resolution pixel at the frame's corners).
    constexpr int kCorners = 200, kMinInliers = 24;
    constexpr double kBackTrack = 0.15, kRansac = 0.25;  // half-resolution pixels
    cv::Mat prev, cur;
    cv::resize(prevGray8, prev, cv::Size(prevGray8.cols / 2, prevGray8.rows / 2), 0, 0, cv::INTER_AREA);
    cv::resize(curGray8, cur, prev.size(), 0, 0, cv::INTER_AREA);
    std::vector<cv::Point2f> prevPts, curPts, backPts;
    const int minDistance = std::max(4, std::min(prev.cols, prev.rows) / 30);
    cv::goodFeaturesToTrack(prev, prevPts, kCorners, 0.01, minDistance, cv::noArray(), 5);
    if (int(prevPts.size()) < kMinInliers) return m;
    std::vector<uchar> fwd, bwd;
    std::vector<float> err;
    const cv::Size win(15, 15);
    const cv::TermCriteria term(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 20, 0.005);
    cv::calcOpticalFlowPyrLK(prev, cur, prevPts, curPts, fwd, err, win, 2, term);
    cv::calcOpticalFlowPyrLK(cur, prev, curPts, backPts, bwd, err, win, 2, term);
    std::vector<cv::Point2f> from, to;  // cur -> prev
    for (size_t i = 0; i < prevPts.size(); ++i) {
        if (!fwd[i] || !bwd[i]) continue;
        const cv::Point2f d = backPts[i] - prevPts[i];
        if (d.dot(d) > kBackTrack * kBackTrack) continue;
        from.push_back(curPts[i]);
        to.push_back(prevPts[i]);
    }
    if (int(from.size()) < kMinInliers) return m;
    std::vector<uchar> inliers;
    const cv::Mat a = cv::estimateAffinePartial2D(from, to, inliers, cv::RANSAC, kRansac, 2000, 0.995, 20);
    if (a.empty()) return m;
    m.inliers = cv::countNonZero(inliers);
    // Most tracked corners must agree: otherwise the "global" motion is one moving object's.
    if (m.inliers < kMinInliers || m.inliers * 2 < int(from.size())) return m;
    // Back to full resolution: with h(x) = x / 2 - 1/4 (area halving), B = h^-1 o B_half o h.
    const cv::Matx23d b(a.ptr<double>());
    m.curToPrev = b;
    m.curToPrev(0, 2) = 2 * b(0, 2) - 0.5 * (b(0, 0) + b(0, 1)) + 0.5;
    m.curToPrev(1, 2) = 2 * b(1, 2) - 0.5 * (b(1, 0) + b(1, 1)) + 0.5;
    m.scale = std::hypot(b(0, 0), b(1, 0));
    m.angle = std::atan2(b(1, 0), b(0, 0));
    m.ok = true;
    return m;
}

}  // namespace pastiche
