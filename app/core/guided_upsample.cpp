#include "app/core/guided_upsample.h"

#include <opencv2/imgproc.hpp>
#include <string>

#include "app/core/resample.h"

namespace pastiche {
namespace {

cv::Mat wrap(const Image8& im) { return cv::Mat(im.height, im.width, CV_8UC3, const_cast<uint8_t*>(im.pixels.data())); }

cv::Mat luminance(const cv::Mat& rgb8) {
    cv::Mat gray, f;
    cv::cvtColor(rgb8, gray, cv::COLOR_RGB2GRAY);
    gray.convertTo(f, CV_32F, 1.0 / 255.0);
    return f;
}

std::string sizeText(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

Status upsampleGuided(const Image8& stylizedLow, const Image8& guideFull, Image8& out, const GuidedUpsampleOptions& options) {
    if (stylizedLow.empty() || guideFull.empty()) return Status::error("guided upsample: empty image");
    if (stylizedLow.width > guideFull.width || stylizedLow.height > guideFull.height)
        return Status::error("guided upsample: stylized " + sizeText(stylizedLow.width, stylizedLow.height) +
                             " is larger than the guide " + sizeText(guideFull.width, guideFull.height));
    if (stylizedLow.width == guideFull.width && stylizedLow.height == guideFull.height) {
        out = stylizedLow;
        return Status::ok();
    }
    const int W = guideFull.width, H = guideFull.height;
    const int w = stylizedLow.width, h = stylizedLow.height;
    // Guide at processing size exactly as the processing input was made (the one resampler).
    const Image8 guideLow = resampleImage(guideFull, w, h);
    const cv::Mat I = luminance(wrap(guideLow));
    cv::Mat P;
    wrap(stylizedLow).convertTo(P, CV_32FC3, 1.0 / 255.0);

    // Guided-filter slopes a = cov(I, P) / (var(I) + eps), per channel, box-averaged.
    const cv::Size box(2 * options.radius + 1, 2 * options.radius + 1);
    cv::Mat meanI, meanII, meanP, meanIP;
    cv::boxFilter(I, meanI, CV_32F, box, cv::Point(-1, -1), true, cv::BORDER_REFLECT);
    cv::boxFilter(I.mul(I), meanII, CV_32F, box, cv::Point(-1, -1), true, cv::BORDER_REFLECT);
    cv::boxFilter(P, meanP, CV_32F, box, cv::Point(-1, -1), true, cv::BORDER_REFLECT);
    cv::Mat I3;
    cv::merge(std::vector<cv::Mat>{I, I, I}, I3);
    cv::boxFilter(I3.mul(P), meanIP, CV_32F, box, cv::Point(-1, -1), true, cv::BORDER_REFLECT);
    cv::Mat meanI3;
    cv::merge(std::vector<cv::Mat>{meanI, meanI, meanI}, meanI3);
    const cv::Mat varI = meanII - meanI.mul(meanI);
    cv::Mat denom = varI + options.epsilon, denom3;
    cv::merge(std::vector<cv::Mat>{denom, denom, denom}, denom3);
    cv::Mat a = (meanIP - meanI3.mul(meanP)) / denom3;
    cv::Mat meanA;
    cv::boxFilter(a, meanA, CV_32F, box, cv::Point(-1, -1), true, cv::BORDER_REFLECT);

    // Full resolution: up(S) + up(a) * (G - up(down(G))).
    cv::Mat upA, upS, upI;
    cv::resize(meanA, upA, cv::Size(W, H), 0, 0, cv::INTER_LINEAR);
    cv::resize(P, upS, cv::Size(W, H), 0, 0, cv::INTER_CUBIC);
    cv::resize(I, upI, cv::Size(W, H), 0, 0, cv::INTER_CUBIC);
    const cv::Mat detail = luminance(wrap(guideFull)) - upI;
    cv::Mat detail3;
    cv::merge(std::vector<cv::Mat>{detail, detail, detail}, detail3);
    const cv::Mat result = upS + upA.mul(detail3);
    out = Image8(W, H);
    cv::Mat dst = wrap(out);
    result.convertTo(dst, CV_8UC3, 255.0);
    return Status::ok();
}

Status upsampleGuided(const Image8& stylizedLow, const Image8& guideFull, int width, int height, Image8& out,
                      const GuidedUpsampleOptions& options) {
    if (width <= 0 || height <= 0) return Status::error("guided upsample: output size " + sizeText(width, height));
    // Not an upscale (on either axis: a processing size above the output's): nothing to guide.
    if (stylizedLow.width >= width || stylizedLow.height >= height) {
        out = stylizedLow.width == width && stylizedLow.height == height ? stylizedLow
                                                                          : resampleImage(stylizedLow, width, height);
        return Status::ok();
    }
    if (guideFull.width == width && guideFull.height == height) return upsampleGuided(stylizedLow, guideFull, out, options);
    return upsampleGuided(stylizedLow, resampleImage(guideFull, width, height), out, options);
}

}  // namespace pastiche
