#version 450
// Device grid lock, step 1b: the patch fit (lock_fit.comp, phase 0) is refined on the frames
// themselves at half resolution, as the host refines its global motion with Lucas-Kanade on the
// whole frame (the patch flow at a quarter of the resolution is biased by a tenth of a pixel
// or two, the network's output changes visibly for a quarter):
//   MODE 0: the half-size gray of this frame (2x2 means of the luma, gray levels);
//   MODE 1: Gauss-Newton sums for the similarity cur -> prev in the lock's state, per workgroup:
//     r = prev(B x) - cur(x), J = grad cur(x) dB/dp, p = (a * n, b * n, tx, ty) with n the frame's
//     half-size (so the four columns are alike in scale); Huber weights (20 levels).
// lock_fit.comp (phases 1, 2) adds the partials up and solves for the step.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer FrameBuf { act_t frame[]; };  // planar, stride x rows
layout(std430, binding = 1) buffer HalfCurBuf { float cur[]; };
layout(std430, binding = 2) readonly buffer HalfPrevBuf { float prv[]; };
layout(std430, binding = 3) writeonly buffer PartialBuf { float partials[]; };  // 16 per workgroup
#define LOCK_STATE_BINDING 4
#define LOCK_STATE_QUALIFIER readonly
#include "lock_state.glsl"

layout(push_constant) uniform Push {
    int mode;
    int stride, rows;    // the planar frame buffer
    int frameW, frameH;  // the frame
    int hw, hh;          // its half-size gray: frame / 2, rounded down
} pc;

const int SUMS = 15;
shared float red[SUMS][256];

float prevAt(vec2 p) {  // bilinear; p inside [0, hw - 1] x [0, hh - 1]
    const ivec2 i = ivec2(floor(p));
    const vec2 f = p - vec2(i);
    const int x1 = min(i.x + 1, pc.hw - 1), y1 = min(i.y + 1, pc.hh - 1);
    return mix(mix(prv[i.y * pc.hw + i.x], prv[i.y * pc.hw + x1], f.x),
               mix(prv[y1 * pc.hw + i.x], prv[y1 * pc.hw + x1], f.x), f.y);
}

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (pc.mode == 0) {
        if (x >= pc.hw || y >= pc.hh) return;
        const int plane = pc.stride * pc.rows;
        float s = 0.0;
        for (int j = 0; j < 2; ++j)
            for (int i = 0; i < 2; ++i) {
                const int at = (2 * y + j) * pc.stride + 2 * x + i;
                s += 0.299 * float(frame[at]) + 0.587 * float(frame[plane + at]) + 0.114 * float(frame[2 * plane + at]);
            }
        cur[y * pc.hw + x] = s * (255.0 / 4.0);
        return;
    }
    float v[SUMS];
    for (int k = 0; k < SUMS; ++k) v[k] = 0.0;
    if (x >= 1 && y >= 1 && x < pc.hw - 1 && y < pc.hh - 1) {
        const vec2 c = 0.5 * vec2(pc.frameW - 1, pc.frameH - 1);
        const float n = 0.5 * float(max(pc.frameW, pc.frameH));
        const vec2 p = vec2(2 * x, 2 * y) + 0.5 - c;  // this half-size pixel's centre, frame pixels about c
        const float a = st.fit[0], b = st.fit[1];
        const vec2 q = vec2(a * p.x - b * p.y, b * p.x + a * p.y) + vec2(st.fit[2], st.fit[3]) + c;
        const vec2 h = (q - 0.5) * 0.5;  // in the previous half-size gray
        if (h.x >= 0.0 && h.y >= 0.0 && h.x <= float(pc.hw - 1) && h.y <= float(pc.hh - 1)) {
            const int at = y * pc.hw + x;
            const float r = prevAt(h) - cur[at];
            // the gradient per frame pixel (half-size pixels are two frame pixels)
            const vec2 g = 0.25 * vec2(cur[at + 1] - cur[at - 1], cur[at + pc.hw] - cur[at - pc.hw]);
            const float jr[4] = float[4](dot(g, p) / n, (g.y * p.x - g.x * p.y) / n, g.x, g.y);
            const float w = abs(r) <= 20.0 ? 1.0 : 20.0 / abs(r);
            int k = 0;
            for (int i = 0; i < 4; ++i)
                for (int j = i; j < 4; ++j) v[k++] += w * jr[i] * jr[j];
            for (int i = 0; i < 4; ++i) v[10 + i] = w * jr[i] * r;
            v[14] = 1.0;
        }
    }
    const uint li = gl_LocalInvocationIndex;
    for (int k = 0; k < SUMS; ++k) red[k][li] = v[k];
    barrier();
    for (uint s = 128u; s > 0u; s >>= 1) {
        if (li < s)
            for (int k = 0; k < SUMS; ++k) red[k][li] += red[k][li + s];
        barrier();
    }
    if (li == 0u) {
        const uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
        for (int k = 0; k < SUMS; ++k) partials[g * 16u + uint(k)] = red[k][0];
    }
}
