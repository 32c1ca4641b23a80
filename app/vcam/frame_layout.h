// The pixel formats a virtual camera writes and where their planes lie in one buffer. Layouts
// follow GStreamer's defaults (rows padded to 4 bytes, planes back to back), which is what
// PipeWire consumers assume for single-block buffers; v4l2 layouts take the driver's stride.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/image.h"

namespace pastiche::vcam {

enum class OutputFormat { Yuy2, Nv12, I420, Rgbx, Bgrx };

std::string formatName(OutputFormat format);  // "YUY2", "NV12", "I420", "RGBx", "BGRx"
// 4:2:0 formats need an even width and height; YUY2 an even width.
bool needsEvenHeight(OutputFormat format);
bool needsEvenWidth(OutputFormat format);

struct FrameLayout {
    OutputFormat format = OutputFormat::Yuy2;
    int width = 0, height = 0;
    int planes = 1;
    size_t offset[3] = {0, 0, 0};
    size_t stride[3] = {0, 0, 0};
    size_t size = 0;  // bytes of the whole frame
};

// GStreamer's default layout for the format (stride = round_up_4(row bytes)).
FrameLayout defaultLayout(OutputFormat format, int width, int height);
// A layout with a given first-plane stride (v4l2 bytesperline); chroma strides follow it.
FrameLayout layoutWithStride(OutputFormat format, int width, int height, size_t stride0);

// Writes an RGB image of exactly layout.width x layout.height into dst (layout.size bytes).
// YUV is BT.601 limited range (what webcams send and consumers assume); chroma is the average of
// each 2x1 (YUY2) or 2x2 (4:2:0) block.
void convertRgb(const Image8& rgb, const FrameLayout& layout, uint8_t* dst);
// A black frame in the layout's format.
void fillBlack(const FrameLayout& layout, uint8_t* dst);

}  // namespace pastiche::vcam
