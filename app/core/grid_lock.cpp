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
constexpr double kSharpenAtHalfPixel = stability::kSharpenAtHalfPixel;
constexpr int kLanczosA = 4;
// The similarity lock's warps. Into the canvas bilinear: the network re-synthesises texture from
// it, and bilinear there measured the same warp error and sharpness as bicubic (docs/QUALITY.md)
// at a third of the cost (OpenCV's bilinear warp is vectorised, its bicubic is not: 1.5 vs 5.0 ms
// per 690x392 frame here). Back from the canvas bicubic (a bilinear warp back needs a sharpening
// so strong that the texture flickers), with a fixed 3-tap sharpening after it. Lanczos-4 took
// 31 ms.
constexpr int kWarpIn = cv::INTER_LINEAR, kWarpOut = cv::INTER_CUBIC;
constexpr double kSharpenScaled = stability::kSharpenScaled;

bool isZero(cv::Point2d g) { return std::abs(g.x) < kNoShift && std::abs(g.y) < kNoShift; }

double sinc(double x) { return x == 0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x); }

// Taps of out(x) = sum_j w_j in(x + n + j), j = -3..4, for a shift t = n + f (Lanczos-4), optionally
// convolved with the 3-tap sharpening [-k, 1 + 2k, -k] (then j = -4..5). Returns the kernel and
// sets n and the offset of its first tap.
cv::Mat shiftKernel(double t, double sharpen, int& n, int& first) {
    n = int(std::floor(t));
    const double f = t - n;
    std::vector<double> w(2 * kLanczosA);
    double sum = 0;
    for (int j = -kLanczosA + 1; j <= kLanczosA; ++j)
        sum += w[size_t(j + kLanczosA - 1)] = sinc(j - f) * sinc((j - f) / kLanczosA);
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

void GridLock::reset() {
    anchor_ = cv::Matx23d(1, 0, 0, 0, 1, 0);
    reanchors_ = 0;
}

void GridLock::addMotion(cv::Point2d shift) {
    // A <- A o B with B(x) = x - shift.
    anchor_(0, 2) -= anchor_(0, 0) * shift.x + anchor_(0, 1) * shift.y;
    anchor_(1, 2) -= anchor_(1, 0) * shift.x + anchor_(1, 1) * shift.y;
}

void GridLock::addSimilarity(const cv::Matx23d& b, cv::Size frame) {
    centre_ = {0.5 * (frame.width - 1), 0.5 * (frame.height - 1)};
    const cv::Matx23d a = anchor_;
    for (int r = 0; r < 2; ++r) {
        anchor_(r, 0) = a(r, 0) * b(0, 0) + a(r, 1) * b(1, 0);
        anchor_(r, 1) = a(r, 0) * b(0, 1) + a(r, 1) * b(1, 1);
        anchor_(r, 2) = a(r, 0) * b(0, 2) + a(r, 1) * b(1, 2) + a(r, 2);
    }
    const double scale = std::hypot(anchor_(0, 0), anchor_(1, 0));
    const double angle = std::atan2(anchor_(1, 0), anchor_(0, 0));
    // Zooming in shrinks the frame's content towards the anchor's scale: back to 1 below the
    // range; zooming out grows it: back to the bottom of the range above 1 (+ a margin's worth).
    double target = 0;
    if (scale < 1.0 - kScaleRange)
        target = 1.0;
    else if (scale > 1.0 + 0.002)
        target = 1.0 - kScaleRange;
    else if (std::abs(angle) > kMaxAngle)
        target = scale;
    if (target == 0) return;
    // Re-anchor about the frame's centre: it keeps its place on the anchor's grid.
    const cv::Point2d c = applyAffine(anchor_, centre_);
    anchor_ = cv::Matx23d(target, 0, c.x - target * centre_.x, 0, target, c.y - target * centre_.y);
    ++reanchors_;
}

bool GridLock::scaled() const {
    return std::abs(anchor_(0, 0) - 1) > 1e-9 || std::abs(anchor_(1, 1) - 1) > 1e-9 || std::abs(anchor_(0, 1)) > 1e-9 ||
           std::abs(anchor_(1, 0)) > 1e-9;
}

cv::Point2d GridLock::displacement() const {
    // For a translation A(x) = x - D_t everywhere; with a scale, the centre's displacement.
    const cv::Point2d c = scaled() ? centre_ : cv::Point2d(0, 0);
    return c - applyAffine(anchor_, c);
}

cv::Point2d GridLock::offset() const {
    // The displacement less whole 4 px cells.
    const cv::Point2d d = displacement();
    return {d.x - 4.0 * std::round(d.x / 4.0), d.y - 4.0 * std::round(d.y / 4.0)};
}

cv::Matx23d GridLock::toCanvasMap() const {
    // M(x) = A(x) + margin + 4k, with 4k the whole cells of the centre's displacement.
    const cv::Point2d d = displacement();
    const cv::Point2d cells = d - offset();
    cv::Matx23d m = anchor_;
    m(0, 2) += kMargin + cells.x;
    m(1, 2) += kMargin + cells.y;
    return m;
}

cv::Size GridLock::canvasSize(cv::Size frame) {
    return {stability::canvasSide(frame.width), stability::canvasSide(frame.height)};
}

void GridLock::toCanvas(const cv::Mat& frame, cv::Mat& canvas) const {
    const cv::Size size = canvasSize(frame.size());
    if (scaled()) {  // canvas(y) = frame(M^-1 y)
        cv::warpAffine(frame, canvas, cv::Mat(toCanvasMap()), size, kWarpIn, cv::BORDER_REFLECT);
        return;
    }
    const cv::Point2d g = offset();
    if (isZero(g)) {
        cv::copyMakeBorder(frame, canvas, kMargin, size.height - frame.rows - kMargin, kMargin,
                           size.width - frame.cols - kMargin, cv::BORDER_REFLECT);
        return;
    }
    shiftImage(frame, {g.x - kMargin, g.y - kMargin}, size, {0, 0}, canvas);  // canvas(x) = frame(x - margin + g)
}

void GridLock::fromCanvas(const cv::Mat& canvasResult, cv::Size frame, cv::Mat& out) const {
    if (scaled()) {  // out(x) = result(M x)
        cv::warpAffine(canvasResult, out, cv::Mat(toCanvasMap()), frame, kWarpOut | cv::WARP_INVERSE_MAP,
                       cv::BORDER_REFLECT);
        // The same 3-tap sharpening as the translation path's, at a fixed strength: a warp's
        // sub-pixel phase varies across the frame. Measured on the zoom (La_forma / black_zigzag),
        // bicubic warps: 0.045 -> sharpness 0.84x / 0.91x of per-frame, 0.06 -> 0.91x / 0.97x,
        // 0.08 -> 1.00x / 1.05x with the warp error up by a twentieth; with the trunk flow at the
        // trunk's resolution and the bilinear warp in, 0.06 -> 0.90x / 0.96x, 0.07 -> 0.95x / 1.00x.
        const auto k = float(kSharpenScaled);
        const cv::Mat t = (cv::Mat_<float>(1, 3) << -k, 1 + 2 * k, -k);
        cv::sepFilter2D(out, out, -1, t, t.t(), cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
        return;
    }
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
