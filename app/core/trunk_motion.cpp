#include "app/core/trunk_motion.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace pastiche {
namespace {

// Ruder et al.'s criteria as in ../shared/tools/temporal/flicker.py (the metric), whose constants
// were used as they are on half-resolution canvases before; here scaled to trunk pixels, where the
// flows are half as long: forward-backward consistency |b + f(x + b)|^2 <= 0.01 (|b|^2 + |f|^2) +
// 0.125, motion boundary |grad b|^2 <= 0.04 |b|^2 + 0.002 (forward differences), and the source
// inside the frame. Returns that binary mask; gate gets exp(-(|I_t - I_{t-1}(x + b)| / tau)^2),
// the input's own warp residual (one pass over the pixels for both).
cv::Mat occlusionMaskAndGate(const cv::Mat& bwd, const cv::Mat& fwd, const cv::Mat& prev, const cv::Mat& cur,
                             double tau, cv::Mat& gate) {
    const int h = bwd.rows, w = bwd.cols;
    cv::Mat map(h, w, CV_32FC2);
    for (int y = 0; y < h; ++y) {
        const auto* b = bwd.ptr<cv::Vec2f>(y);
        auto* m = map.ptr<cv::Vec2f>(y);
        for (int x = 0; x < w; ++x) m[x] = {float(x) + b[x][0], float(y) + b[x][1]};
    }
    cv::Mat fwdAt, prevAt;
    cv::remap(fwd, fwdAt, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::Mat prevF;
    prev.convertTo(prevF, CV_32F);
    cv::remap(prevF, prevAt, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::Mat mask(h, w, CV_32F);
    gate.create(h, w, CV_32F);
    const float invTau = float(1.0 / tau);
    for (int y = 0; y < h; ++y) {
        const auto* bRow = bwd.ptr<cv::Vec2f>(y);
        const auto* bDown = bwd.ptr<cv::Vec2f>(std::min(y + 1, h - 1));
        const auto* fRow = fwdAt.ptr<cv::Vec2f>(y);
        const auto* mRow = map.ptr<cv::Vec2f>(y);
        const auto* pRow = prevAt.ptr<float>(y);
        const auto* cRow = cur.ptr<uint8_t>(y);
        auto* out = mask.ptr<float>(y);
        auto* g = gate.ptr<float>(y);
        for (int x = 0; x < w; ++x) {
            const cv::Vec2f b = bRow[x], f = fRow[x];
            const float sx = b[0] + f[0], sy = b[1] + f[1];
            const float bb = b[0] * b[0] + b[1] * b[1];
            const bool consistent = sx * sx + sy * sy <= 0.01f * (bb + f[0] * f[0] + f[1] * f[1]) + 0.125f;
            const cv::Vec2f m = mRow[x];
            const bool inside = m[0] >= 0 && m[0] <= float(w - 1) && m[1] >= 0 && m[1] <= float(h - 1);
            float grad2 = 0;
            if (x + 1 < w) {
                const cv::Vec2f r = bRow[x + 1];
                grad2 += (b[0] - r[0]) * (b[0] - r[0]) + (b[1] - r[1]) * (b[1] - r[1]);
            }
            if (y + 1 < h) {
                const cv::Vec2f d = bDown[x];
                grad2 += (b[0] - d[0]) * (b[0] - d[0]) + (b[1] - d[1]) * (b[1] - d[1]);
            }
            const bool boundary = grad2 > 0.04f * bb + 0.002f;
            out[x] = consistent && inside && !boundary ? 1.f : 0.f;
            const float r = std::abs(float(cRow[x]) - pRow[x]) * invTau;
            g[x] = std::exp(-r * r);
        }
    }
    return mask;
}

}  // namespace

TrunkMotion::TrunkMotion() : dis_(cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_FAST)) {
    // The preset's finest scale is 2 for its usual full-resolution input; these images are already
    // a quarter of the canvas, so scale 1 puts the finest patches at the same 1/8 of the canvas
    // (the flow it gave on half-resolution images, at ~60 % of the cost).
    dis_->setFinestScale(1);
}

TrunkMotionField TrunkMotion::estimate(const cv::Mat& prev, const cv::Mat& cur, double gateTau) {
    cv::Mat bwd, fwd;
    dis_->calc(cur, prev, bwd);  // t -> t-1
    dis_->calc(prev, cur, fwd);  // t-1 -> t
    cv::Mat gate;
    cv::Mat mask = occlusionMaskAndGate(bwd, fwd, prev, cur, gateTau, gate);
    TrunkMotionField field;
    field.keptFraction = cv::mean(mask)[0];
    cv::GaussianBlur(mask, mask, cv::Size(0, 0), 0.5);
    field.confidence = mask.mul(gate);
    {
        cv::Mat keep;
        cv::compare(field.confidence, 0.5, keep, cv::CMP_GT);
        cv::Scalar mean, dev;
        if (cv::countNonZero(keep) > 16) {
            cv::meanStdDev(bwd, mean, dev, keep);
            field.spread = 4.0 * std::sqrt(dev[0] * dev[0] + dev[1] * dev[1]);  // trunk -> frame pixels
        }
    }
    field.flow = bwd;
    // Flow noise on a still (or grid-locked) scene: a tenth of a pixel resampled every frame blurs
    // the recursive history; below a quarter trunk pixel the history is taken as it is.
    constexpr float still = 0.25f;
    for (int y = 0; y < field.flow.rows; ++y) {
        auto* f = field.flow.ptr<cv::Vec2f>(y);
        for (int x = 0; x < field.flow.cols; ++x)
            if (std::abs(f[x][0]) < still && std::abs(f[x][1]) < still) f[x] = {0.f, 0.f};
    }
    return field;
}

void warpFeatures(const float* prev, const cv::Mat& flow, int channels, float* out) {
    const int h = flow.rows, w = flow.cols;
    const size_t C = size_t(channels);
    auto weights = [](float t, float* k) {  // Catmull-Rom
        const float t2 = t * t, t3 = t2 * t;
        k[0] = 0.5f * (-t3 + 2 * t2 - t);
        k[1] = 0.5f * (3 * t3 - 5 * t2 + 2);
        k[2] = 0.5f * (-3 * t3 + 4 * t2 + t);
        k[3] = 0.5f * (t3 - t2);
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const cv::Vec2f& f = flow.at<cv::Vec2f>(y, x);
            float* o = out + (size_t(y) * w + x) * C;
            if (f[0] == 0.f && f[1] == 0.f) {  // still: no resampling at all
                std::copy(prev + (size_t(y) * w + x) * C, prev + (size_t(y) * w + x + 1) * C, o);
                continue;
            }
            const float sx = std::clamp(float(x) + f[0], 0.f, float(w - 1));
            const float sy = std::clamp(float(y) + f[1], 0.f, float(h - 1));
            const int x0 = int(sx), y0 = int(sy);
            float kx[4], ky[4];
            weights(sx - float(x0), kx);
            weights(sy - float(y0), ky);
            std::fill(o, o + C, 0.f);
            for (int j = 0; j < 4; ++j) {
                const int yy = std::clamp(y0 - 1 + j, 0, h - 1);
                for (int i = 0; i < 4; ++i) {
                    const int xx = std::clamp(x0 - 1 + i, 0, w - 1);
                    const float k = kx[i] * ky[j];
                    if (k == 0.f) continue;
                    const float* p = prev + (size_t(yy) * w + xx) * C;
                    for (size_t c = 0; c < C; ++c) o[c] += k * p[c];
                }
            }
        }
}

}  // namespace pastiche
