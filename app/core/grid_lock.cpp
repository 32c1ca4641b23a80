#include "app/core/grid_lock.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace pastiche {
namespace {

// Below this the shift is treated as zero: whole-pixel copies, no resampling blur (static shots).
constexpr double kNoShift = 1e-3;
// Measured on the synthetic pan (La_forma): 0 -> sharpness 0.84x of per-frame, 0.04 -> 0.93x,
// 0.2 -> 1.47x with the warp error up by a quarter (over-sharpened texture flickers with phase).
constexpr double kSharpenAtHalfPixel = 0.05;
constexpr int kLanczosA = 4;

bool isZero(cv::Point2d g) { return std::abs(g.x) < kNoShift && std::abs(g.y) < kNoShift; }

int roundUp4(int n) { return (n + 3) / 4 * 4; }

double sinc(double x) { return x == 0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x); }

// Taps of out(x) = sum_j w_j in(x + n + j), j = -3..4, for a shift t = n + f (Lanczos-4), optionally
// convolved with the 3-tap sharpening [-k, 1 + 2k, -k] (then j = -4..5). Returns the kernel and
// sets n and the offset of its first tap.
cv::Mat shiftKernel(double t, double sharpen, int& n, int& first) {
    n = int(std::floor(t));
    const double f = t - n;
    std::vector<double> w(2 * kLanczosA);
    double sum = 0;
    for (int j = -kLanczosA + 1; j <= kLanczosA; ++j) sum += w[size_t(j + kLanczosA - 1)] = sinc(j - f) * sinc((j - f) / kLanczosA);
    for (double& v : w) v /= sum;
    first = -kLanczosA + 1;
    if (sharpen > 1e-4) {
        std::vector<double> s(w.size() + 2, 0.0);
        for (size_t i = 0; i < w.size(); ++i) {
            s[i] += -sharpen * w[i];
            s[i + 1] += (1 + 2 * sharpen) * w[i];
            s[i + 2] += -sharpen * w[i];
        }
        w = s;
        first -= 1;
    }
    cv::Mat k(1, int(w.size()), CV_32F);
    for (size_t i = 0; i < w.size(); ++i) k.at<float>(0, int(i)) = float(w[i]);
    return k;
}

// out(x) = src(x + t) on a dst-sized grid, reflected borders: a separable Lanczos shift (a pure
// translation resamples with one fixed kernel per axis, a fraction of warpAffine's cost).
void shiftImage(const cv::Mat& src, cv::Point2d t, cv::Size dst, cv::Point2d sharpen, cv::Mat& out) {
    int nx, ny, fx, fy;
    const cv::Mat kx = shiftKernel(t.x, sharpen.x, nx, fx), ky = shiftKernel(t.y, sharpen.y, ny, fy);
    // Enough border that every tap of every output pixel lies inside the padded source.
    const int bx = std::max({0, -(nx + fx), nx + kx.cols + dst.width - src.cols}) + 1;
    const int by = std::max({0, -(ny + fy), ny + ky.cols + dst.height - src.rows}) + 1;
    cv::Mat padded, filtered;
    cv::copyMakeBorder(src, padded, by, by, bx, bx, cv::BORDER_REFLECT);
    // filtered(p) = sum_k kx_k padded(p + k - anchor): with anchor = -first, p = x + b + n.
    cv::sepFilter2D(padded, filtered, -1, kx, ky.t(), cv::Point(-fx, -fy), 0, cv::BORDER_REFLECT);
    filtered(cv::Rect(bx + nx, by + ny, dst.width, dst.height)).copyTo(out);
}

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
    shiftImage(frame, {g.x - kMargin, g.y - kMargin}, size, {0, 0}, canvas);  // canvas(x) = frame(x - margin + g)
}

void GridLock::fromCanvas(const cv::Mat& canvasResult, cv::Size frame, cv::Mat& out) const {
    const cv::Point2d g = offset();
    if (isZero(g)) {
        canvasResult(cv::Rect(kMargin, kMargin, frame.width, frame.height)).copyTo(out);
        return;
    }
    // Two sub-pixel resamplings (in and back) soften the finest texture, most at half-pixel
    // phases (an interpolator's response at Nyquist is zero there); a 3-tap sharpening per axis,
    // folded into the shift back, with a phase-dependent strength gives that back, so
    // grid-locked frames are as crisp as per-frame ones.
    const auto strength = [](double v) {
        const double s = std::sin(M_PI * (v - std::floor(v)));
        return kSharpenAtHalfPixel * s * s;
    };
    shiftImage(canvasResult, {kMargin - g.x, kMargin - g.y}, frame, {strength(g.x), strength(g.y)}, out);
}

}  // namespace pastiche
