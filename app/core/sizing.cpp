#include "app/core/sizing.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace pastiche {

Image8 resizeImage(const Image8& image, int width, int height) {
    if (image.width == width && image.height == height) return image;
    Image8 out(width, height);
    cv::Mat src(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
    cv::Mat dst(height, width, CV_8UC3, out.pixels.data());
    bool down = width <= image.width && height <= image.height;
    cv::resize(src, dst, cv::Size(width, height), 0, 0, down ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

Result<SizeSpec> SizeSpec::parse(const std::string& text) {
    SizeSpec s;
    if (text.empty() || text == "native") return s;
    auto parseInt = [](const std::string& t, int& v) {
        if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos) return false;
        v = std::stoi(t);
        return v >= 16 && v <= 8192;
    };
    auto x = text.find('x');
    if (x == std::string::npos) {
        if (!parseInt(text, s.shortSide)) return Status::error("bad --size '" + text + "': use native, N or WxH (16..8192)");
        s.mode = Mode::ShortSide;
        return s;
    }
    if (!parseInt(text.substr(0, x), s.width) || !parseInt(text.substr(x + 1), s.height))
        return Status::error("bad --size '" + text + "': use native, N or WxH (16..8192)");
    s.mode = Mode::Exact;
    return s;
}

void SizeSpec::apply(int inWidth, int inHeight, int& outWidth, int& outHeight) const {
    switch (mode) {
    case Mode::Native: outWidth = inWidth; outHeight = inHeight; return;
    case Mode::Exact: outWidth = width; outHeight = height; return;
    case Mode::ShortSide: {
        // The shorter side becomes exactly N; the longer keeps the aspect, rounded to even.
        const double scale = double(shortSide) / std::min(inWidth, inHeight);
        const int longSide = std::max(2, int(std::lround(std::max(inWidth, inHeight) * scale / 2.0)) * 2);
        outWidth = inWidth <= inHeight ? shortSide : longSide;
        outHeight = inWidth <= inHeight ? longSide : shortSide;
        return;
    }
    }
}

}  // namespace pastiche
