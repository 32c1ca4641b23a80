#include "app/vcam/frame_formatter.h"

#include <algorithm>
#include <cstring>

#include "app/core/sizing.h"

namespace pastiche::vcam {

Image8 fitInto(const Image8& frame, int width, int height) {
    if (frame.width == width && frame.height == height) return frame;
    // Largest size of the frame's aspect that fits; even so the bars are balanced.
    int w = width, h = int(int64_t(frame.height) * width / std::max(1, frame.width));
    if (h > height) h = height, w = int(int64_t(frame.width) * height / std::max(1, frame.height));
    w = std::max(1, std::min(width, w)), h = std::max(1, std::min(height, h));
    Image8 scaled = resizeImage(frame, w, h);
    if (w == width && h == height) return scaled;
    Image8 out(width, height);  // black
    int x0 = (width - w) / 2, y0 = (height - h) / 2;
    for (int y = 0; y < h; ++y)
        std::memcpy(&out.pixels[(size_t(y + y0) * width + x0) * 3], &scaled.pixels[size_t(y) * w * 3], size_t(w) * 3);
    return out;
}

void FrameFormatter::setLayout(const FrameLayout& layout) {
    layout_ = layout;
    bytes_.assign(layout.size, 0);
    valid_ = false;
}

const std::vector<uint8_t>& FrameFormatter::bytesFor(const std::shared_ptr<const Image8>& frame) {
    if (valid_ && frame.get() == converted_) return bytes_;
    if (!frame || frame->empty()) {
        fillBlack(layout_, bytes_.data());
    } else if (frame->width == layout_.width && frame->height == layout_.height) {
        convertRgb(*frame, layout_, bytes_.data());
    } else {
        convertRgb(fitInto(*frame, layout_.width, layout_.height), layout_, bytes_.data());
    }
    converted_ = frame.get();
    keepAlive_ = frame;
    valid_ = true;
    return bytes_;
}

}  // namespace pastiche::vcam
