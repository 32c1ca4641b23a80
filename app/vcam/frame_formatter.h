// Turns the newest session frame into the output's bytes: fit it into the output size (aspect
// kept, black bars), convert to the negotiated format. Converts once per new frame; repeating the
// last frame on time (stylization slower than the output rate) costs a copy, not a conversion.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "app/vcam/frame_layout.h"
#include "engine/image.h"

namespace pastiche::vcam {

// The frame scaled to fit width x height, centred on black (a plain resize when aspects match).
Image8 fitInto(const Image8& frame, int width, int height);

class FrameFormatter {
public:
    void setLayout(const FrameLayout& layout);
    const FrameLayout& layout() const { return layout_; }
    // The bytes for this frame (black when frame is null), layout().size of them.
    const std::vector<uint8_t>& bytesFor(const std::shared_ptr<const Image8>& frame);

private:
    FrameLayout layout_;
    std::vector<uint8_t> bytes_;
    const Image8* converted_ = nullptr;  // identity of the frame bytes_ holds
    std::shared_ptr<const Image8> keepAlive_;  // so that identity cannot be reused by a new frame
    bool valid_ = false;
};

}  // namespace pastiche::vcam
