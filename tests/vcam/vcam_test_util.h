// Frames for the virtual-camera tests and an independent decoder (OpenCV's) for what consumers
// receive, plus the expected picture after a format's chroma subsampling.
#pragma once

#include <cstdint>
#include <vector>

#include "app/vcam/frame_layout.h"
#include "engine/image.h"

namespace pastiche::test {

// Smooth gradients, saturated blocks and a disc: exercises luma, chroma and edges.
Image8 syntheticFrame(int width, int height, int variant = 0);
// What a consumer sees, decoded with OpenCV (BT.601 limited range for YUV); layout must be the
// default (tight) one.
Image8 decodeFrame(const std::vector<uint8_t>& bytes, const vcam::FrameLayout& layout);
// The frame with its chroma averaged over the format's blocks (2x1 YUY2, 2x2 NV12/I420) and
// spread back: the best any encoder of that format can deliver.
Image8 afterChromaSubsampling(const Image8& frame, vcam::OutputFormat format);

}  // namespace pastiche::test
