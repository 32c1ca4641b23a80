#version 450
// In place: x = act(x * scale[c] + shift[c]) (+ skip for a residual block's end, no activation).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ACT = 0;
layout(constant_id = 2) const bool RESIDUAL = false;

layout(std430, binding = 0) buffer XBuf { act_t x[]; };
layout(std430, binding = 1) readonly buffer SBuf { vec2 scaleShift[]; };
layout(std430, binding = 2) readonly buffer KBuf { act_t skip[]; };

layout(push_constant) uniform Push {
    int plane, total;
} pc;

void main() {
    const uint i = FLAT_INVOCATION;
    if (i >= uint(pc.total)) return;
    const vec2 ss = scaleShift[i / uint(pc.plane)];
    float v = activate(float(x[i]) * ss.x + ss.y, ACT);
    if (RESIDUAL) v += float(skip[i]);
    x[i] = act_t(v);
}
