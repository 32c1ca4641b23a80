#version 450
// Frame in: packed RGB8 bytes (FORMAT 0, 3 bytes/pixel as uint words) or RGB float32 (FORMAT 1),
// width x height, to planar CHW activations reflect-padded to dstW x dstH.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint FORMAT = 0;

layout(std430, binding = 0) readonly buffer RawBuf { uint raw[]; };
layout(std430, binding = 1) writeonly buffer OutBuf { act_t outData[]; };

layout(push_constant) uniform Push {
    int srcW, srcH, dstW, dstH;
} pc;

float channel(uint pixel, uint c) {
    uint b = pixel * 3u + c;
    if (FORMAT == 1u) return uintBitsToFloat(raw[b]);
    return float((raw[b >> 2] >> ((b & 3u) * 8u)) & 0xffu) / 255.0;
}

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (x >= pc.dstW || y >= pc.dstH) return;
    const uint pixel = uint(reflectIndex(y, pc.srcH) * pc.srcW + reflectIndex(x, pc.srcW));
    const uint plane = uint(pc.dstW * pc.dstH), at = uint(y * pc.dstW + x);
    for (uint c = 0; c < 3u; ++c) outData[c * plane + at] = act_t(channel(pixel, c));
}
