#version 450
// In place: x = act(x * scale[c] + shift[c]) (+ skip for a residual block's end, no activation).
// VEC = 4: each invocation does 4 neighbouring elements with vector loads and stores (the caller
// picks it when the plane size is a multiple of 4, so the 4 share one channel).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ACT = 0;
layout(constant_id = 2) const bool RESIDUAL = false;
layout(constant_id = 3) const uint VEC = 1;

#if FP16
#define act4_t f16vec4
#else
#define act4_t vec4
#endif

layout(std430, binding = 0) buffer XBuf { act_t x[]; };
layout(std430, binding = 0) buffer XBuf4 { act4_t x4[]; };
layout(std430, binding = 1) readonly buffer SBuf { vec2 scaleShift[]; };
layout(std430, binding = 2) readonly buffer KBuf { act_t skip[]; };
layout(std430, binding = 2) readonly buffer KBuf4 { act4_t skip4[]; };

layout(push_constant) uniform Push {
    int plane, total;
} pc;

void main() {
    const uint i = FLAT_INVOCATION;
    if (VEC == 4u) {
        if (i >= uint(pc.total) / 4u) return;
        const vec2 ss = scaleShift[i * 4u / uint(pc.plane)];
        vec4 v = vec4(x4[i]) * ss.x + ss.y;
        if (ACT == 1u) v = max(v, vec4(0.0));
        if (ACT == 2u) v = 1.0 / (1.0 + exp(-v));
        if (RESIDUAL) v += vec4(skip4[i]);
        x4[i] = act4_t(v);
        return;
    }
    if (i >= uint(pc.total)) return;
    const vec2 ss = scaleShift[i / uint(pc.plane)];
    float v = activate(float(x[i]) * ss.x + ss.y, ACT);
    if (RESIDUAL) v += float(skip[i]);
    x[i] = act_t(v);
}
