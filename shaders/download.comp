#version 450
// Frame out: planar CHW network output (srcW x srcH, padded) cropped to dstW x dstH and packed as
// RGB8 (FORMAT 0: one uint word = 4 bytes per invocation; v * 255 + 0.5 truncated, clamped) or
// RGB float32 (FORMAT 1: one float per invocation).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FORMAT = 0;

layout(std430, binding = 0) readonly buffer InBuf { act_t inData[]; };
layout(std430, binding = 1) writeonly buffer RawBuf { uint raw[]; };

layout(push_constant) uniform Push {
    int srcW, srcH, dstW, dstH;
} pc;

float value(uint b) {  // b: index into the packed RGB stream
    uint pixel = b / 3u, c = b % 3u;
    uint y = pixel / uint(pc.dstW), x = pixel % uint(pc.dstW);
    return float(inData[c * uint(pc.srcW * pc.srcH) + y * uint(pc.srcW) + x]);
}

void main() {
    const uint i = FLAT_INVOCATION;
    const uint count = uint(pc.dstW * pc.dstH) * 3u;
    if (FORMAT == 1u) {
        if (i < count) raw[i] = floatBitsToUint(value(i));
        return;
    }
    if (i * 4u >= count) return;
    uint word = 0u;
    for (uint k = 0; k < 4u; ++k) {
        uint b = i * 4u + k;
        if (b >= count) break;
        uint byte = uint(clamp(value(b) * 255.0 + 0.5, 0.0, 255.0));
        word |= byte << (k * 8u);
    }
    raw[i] = word;
}
