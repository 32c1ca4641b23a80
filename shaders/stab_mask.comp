#version 450
// Device temporal stability, step 4: which pixels' history may be trusted, by the rules of
// app/core/trunk_motion.cpp (Ruder et al. 2016, at trunk resolution): with b the backward and f
// the forward flow, forward-backward consistency |b + f(x + b)|^2 <= 0.01 (|b|^2 + |f|^2) + 0.125,
// no motion boundary |grad b|^2 <= 0.04 |b|^2 + 0.002 (forward differences), the source inside
// the frame; and the gate exp(-(|I_t - I_{t-1}(x + b)| / tau)^2) on the input's own warp residual.
// Writes (mask, gate) per pixel and adds the count of trusted pixels to keptCount; flips the
// history's parity (stab_blend.comp reads the half it wrote last frame, writes the other).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer CurBuf { float cur[]; };
layout(std430, binding = 1) readonly buffer PrevBuf { float prv[]; };
layout(std430, binding = 2) readonly buffer FlowBuf { vec2 flow[]; };  // level-0 grids: backward, forward
#define FLOW_GRID flow
#include "flow_grid.glsl"
layout(std430, binding = 3) writeonly buffer MaskBuf { vec2 maskGate[]; };
layout(std430, binding = 4) buffer StatsBuf { uint keptCount, parity; };

layout(std430, binding = 5) readonly buffer ParamBuf {  // stab_blend.comp's, per frame
    float strength, useHistory, minKept, invTau;
} params;

layout(push_constant) uniform Push {
    int w, h, dirStride, pad;  // dirStride: grid elements between the directions
} pc;

shared uint kept;

float prevAt(vec2 p) {
    p = clamp(p, vec2(0.0), vec2(pc.w - 1, pc.h - 1));
    const ivec2 i = ivec2(floor(p));
    const vec2 f = p - vec2(i);
    const int x1 = min(i.x + 1, pc.w - 1), y1 = min(i.y + 1, pc.h - 1);
    return mix(mix(prv[i.y * pc.w + i.x], prv[i.y * pc.w + x1], f.x),
               mix(prv[y1 * pc.w + i.x], prv[y1 * pc.w + x1], f.x), f.y);
}

void main() {
    if (gl_LocalInvocationIndex == 0u) kept = 0u;
    barrier();
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (x < pc.w && y < pc.h) {
        const int at = y * pc.w + x;
        const int gw = flowGridSide(pc.w), gh = flowGridSide(pc.h);
        const vec2 b = flowAt(0, gw, gh, vec2(x, y));
        const vec2 m = vec2(x, y) + b;
        const vec2 f = flowAt(pc.dirStride, gw, gh, m);
        const vec2 s = b + f;
        const bool consistent = dot(s, s) <= 0.01 * (dot(b, b) + dot(f, f)) + 0.125;
        const bool inside = m.x >= 0.0 && m.x <= float(pc.w - 1) && m.y >= 0.0 && m.y <= float(pc.h - 1);
        float grad2 = 0.0;
        if (x + 1 < pc.w) {
            const vec2 d = b - flowAt(0, gw, gh, vec2(x + 1, y));
            grad2 += dot(d, d);
        }
        if (y + 1 < pc.h) {
            const vec2 d = b - flowAt(0, gw, gh, vec2(x, y + 1));
            grad2 += dot(d, d);
        }
        const bool boundary = grad2 > 0.04 * dot(b, b) + 0.002;
        const bool trusted = consistent && inside && !boundary;
        const float r = abs(cur[at] - prevAt(m)) * params.invTau;
        maskGate[at] = vec2(trusted ? 1.0 : 0.0, exp(-r * r));
        if (trusted) atomicAdd(kept, 1u);
    }
    barrier();
    if (gl_LocalInvocationIndex == 0u && kept > 0u) atomicAdd(keptCount, kept);
    if (gl_GlobalInvocationID.x == 0u && gl_GlobalInvocationID.y == 0u) parity ^= 1u;
}
