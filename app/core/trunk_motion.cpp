#include "app/core/trunk_motion.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace pastiche {
namespace {

// Ruder et al.'s criteria as in ../shared/tools/temporal/flicker.py (the metric): forward-backward
// consistency |b + f(x + b)|^2 <= 0.01 (|b|^2 + |f|^2) + 0.5, motion boundary |grad b|^2 <=
// 0.01 |b|^2 + 0.002 (forward differences), and the source inside the frame.
cv::Mat occlusionMask(const cv::Mat& bwd, const cv::Mat& fwd) {
    const int h = bwd.rows, w = bwd.cols;
    cv::Mat mapX(h, w, CV_32F), mapY(h, w, CV_32F);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const cv::Vec2f& b = bwd.at<cv::Vec2f>(y, x);
            mapX.at<float>(y, x) = float(x) + b[0];
            mapY.at<float>(y, x) = float(y) + b[1];
        }
    cv::Mat fwdAt;
    cv::remap(fwd, fwdAt, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::Mat mask(h, w, CV_32F);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const cv::Vec2f& b = bwd.at<cv::Vec2f>(y, x);
            const cv::Vec2f& f = fwdAt.at<cv::Vec2f>(y, x);
            const float sx = b[0] + f[0], sy = b[1] + f[1];
            const float bb = b[0] * b[0] + b[1] * b[1];
            const bool consistent = sx * sx + sy * sy <= 0.01f * (bb + f[0] * f[0] + f[1] * f[1]) + 0.5f;
            const float mx = mapX.at<float>(y, x), my = mapY.at<float>(y, x);
            const bool inside = mx >= 0 && mx <= float(w - 1) && my >= 0 && my <= float(h - 1);
            float grad2 = 0;
            if (x + 1 < w) {
                const cv::Vec2f& r = bwd.at<cv::Vec2f>(y, x + 1);
                grad2 += (b[0] - r[0]) * (b[0] - r[0]) + (b[1] - r[1]) * (b[1] - r[1]);
            }
            if (y + 1 < h) {
                const cv::Vec2f& d = bwd.at<cv::Vec2f>(y + 1, x);
                grad2 += (b[0] - d[0]) * (b[0] - d[0]) + (b[1] - d[1]) * (b[1] - d[1]);
            }
            const bool boundary = grad2 > 0.01f * bb + 0.002f;
            mask.at<float>(y, x) = consistent && inside && !boundary ? 1.f : 0.f;
        }
    return mask;
}

}  // namespace

TrunkMotion::TrunkMotion() : dis_(cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_FAST)) {}

TrunkMotionField TrunkMotion::estimate(const cv::Mat& prevHalf, const cv::Mat& curHalf, double gateTau) {
    cv::Mat bwd, fwd;
    dis_->calc(curHalf, prevHalf, bwd);  // t -> t-1
    dis_->calc(prevHalf, curHalf, fwd);  // t-1 -> t
    cv::Mat mask = occlusionMask(bwd, fwd);
    TrunkMotionField field;
    field.keptFraction = cv::mean(mask)[0];
    cv::GaussianBlur(mask, mask, cv::Size(0, 0), 0.5);

    // Gate on the input's own warp residual.
    cv::Mat mapX(bwd.size(), CV_32F), mapY(bwd.size(), CV_32F);
    for (int y = 0; y < bwd.rows; ++y)
        for (int x = 0; x < bwd.cols; ++x) {
            const cv::Vec2f& b = bwd.at<cv::Vec2f>(y, x);
            mapX.at<float>(y, x) = float(x) + b[0];
            mapY.at<float>(y, x) = float(y) + b[1];
        }
    cv::Mat prevF, curF, warped;
    prevHalf.convertTo(prevF, CV_32F);
    curHalf.convertTo(curF, CV_32F);
    cv::remap(prevF, warped, mapX, mapY, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    for (int y = 0; y < mask.rows; ++y)
        for (int x = 0; x < mask.cols; ++x) {
            const float r = std::abs(curF.at<float>(y, x) - warped.at<float>(y, x)) / float(gateTau);
            mask.at<float>(y, x) *= std::exp(-r * r);
        }

    {
        cv::Mat keep;
        cv::compare(mask, 0.5, keep, cv::CMP_GT);
        cv::Scalar mean, dev;
        if (cv::countNonZero(keep) > 16) {
            cv::meanStdDev(bwd, mean, dev, keep);
            field.spread = 2.0 * std::sqrt(dev[0] * dev[0] + dev[1] * dev[1]);  // half-res -> frame pixels
        }
    }
    const cv::Size trunk(curHalf.cols / 2, curHalf.rows / 2);
    cv::resize(mask, field.confidence, trunk, 0, 0, cv::INTER_AREA);
    cv::resize(bwd, field.flow, trunk, 0, 0, cv::INTER_AREA);
    field.flow *= 0.5;  // half-resolution pixels -> trunk pixels
    // Flow noise on a still (or grid-locked) scene: a tenth of a pixel resampled every frame blurs
    // the recursive history; below a quarter trunk pixel the history is taken as it is.
    constexpr float still = 0.25f;
    for (int y = 0; y < field.flow.rows; ++y)
        for (int x = 0; x < field.flow.cols; ++x) {
            cv::Vec2f& f = field.flow.at<cv::Vec2f>(y, x);
            if (std::abs(f[0]) < still && std::abs(f[1]) < still) f = {0.f, 0.f};
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
