#version 450
// Device temporal stability (engine/vulkan/flow_pyramid.h), step 1: the frame's gray at 1/block of
// its size (a quarter for the trunk's flow, an eighth for the grid lock's): the mean of each
// block x block square's luma (Rec. 601 weights, as cv::COLOR_RGB2GRAY + INTER_AREA on the host
// path), in gray levels 0-255.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer InBuf { act_t inData[]; };  // planar RGB, padW x padH
layout(std430, binding = 1) writeonly buffer PyrBuf { float pyr[]; };   // level 0 at offset 0

layout(push_constant) uniform Push {
    int padW, padH, w, h;  // w = padW / block, h = padH / block
    int block;
} pc;

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (x >= pc.w || y >= pc.h) return;
    const int plane = pc.padW * pc.padH;
    float s = 0.0;
    for (int j = 0; j < pc.block; ++j)
        for (int i = 0; i < pc.block; ++i) {
            const int at = (pc.block * y + j) * pc.padW + pc.block * x + i;
            s += 0.299 * float(inData[at]) + 0.587 * float(inData[plane + at]) + 0.114 * float(inData[2 * plane + at]);
        }
    pyr[y * pc.w + x] = s * (255.0 / float(pc.block * pc.block));
}
