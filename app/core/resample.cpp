#include "app/core/resample.h"

#include <opencv2/imgproc.hpp>

namespace pastiche {

Image8 resampleImage(const Image8& in, int width, int height) {
    if (in.width == width && in.height == height) return in;
    Image8 out(width, height);
    if (in.empty() || width <= 0 || height <= 0) return out;
    const cv::Mat src(in.height, in.width, CV_8UC3, const_cast<uint8_t*>(in.pixels.data()));
    cv::Mat dst(height, width, CV_8UC3, out.pixels.data());
    const bool shrinking = width <= in.width && height <= in.height;
    cv::resize(src, dst, cv::Size(width, height), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
    return out;
}

}  // namespace pastiche
