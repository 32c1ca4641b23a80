#version 450
// Device grid lock, step 1b: the patch fit (lock_fit.comp, phase 0) is refined on the whole
// frames, as the host refines its global motion with Lucas-Kanade on the whole frame (the patch
// flow's fit is biased by a tenth of a pixel or two on a real pan, and the network's output
// changes visibly for a quarter). At half resolution: the quarter-size grays of the flow alias
// fine texture enough to bias a whole-frame fit by a tenth of a pixel.
//   MODE 0: the half-size gray of this frame (2x2 means of the luma, gray levels);
//   MODE 1: Gauss-Newton sums for the similarity cur -> prev in the lock's state, per workgroup:
//     r = prev(B x) - cur(x), J = grad cur(x) dB/dp, p = (a * n, b * n, tx, ty), n the frame's
//     half-size (so the four columns are alike in scale); Huber weights (20 levels).
// lock_fit.comp (phases 1, 2) adds the partials up and solves for the step.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer FrameBuf { act_t frame[]; };  // planar, stride x rows
// This frame's half-size gray and the previous frame's, in turns (LockState::parity; no copy).
layout(std430, binding = 1) buffer HalvesBuf { float halves[]; };
layout(std430, binding = 2) writeonly buffer PartialBuf { float partials[]; };  // 16 per workgroup
#define LOCK_STATE_BINDING 3
#define LOCK_STATE_QUALIFIER readonly
#include "lock_state.glsl"

layout(push_constant) uniform Push {
    int mode;
    int stride, rows;    // the planar frame buffer
    int w, h;            // the grays: the frame's half, rounded down
    int frameW, frameH;  // the frame
    int sub;             // MODE 1 takes every sub-th pixel each way
} pc;

const int SUMS = 15;
shared float red[SUMS][64];  // per subgroup (of at least 4 invocations)

int curBase() { return (st.parity & 1) * pc.w * pc.h; }
int prevBase() { return (1 - (st.parity & 1)) * pc.w * pc.h; }
float cur(int i) { return halves[curBase() + i]; }

float prevAt(vec2 p) {  // bilinear; p inside [0, w - 1] x [0, h - 1]
    const ivec2 i = ivec2(floor(p));
    const vec2 f = p - vec2(i);
    const int x1 = min(i.x + 1, pc.w - 1), y1 = min(i.y + 1, pc.h - 1), b = prevBase();
    return mix(mix(halves[b + i.y * pc.w + i.x], halves[b + i.y * pc.w + x1], f.x),
               mix(halves[b + y1 * pc.w + i.x], halves[b + y1 * pc.w + x1], f.x), f.y);
}

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (pc.mode == 0) {
        if (x >= pc.w || y >= pc.h) return;
        const int plane = pc.stride * pc.rows;
        float s = 0.0;
        for (int j = 0; j < 2; ++j)
            for (int i = 0; i < 2; ++i) {
                const int at = (2 * y + j) * pc.stride + 2 * x + i;
                s += 0.299 * float(frame[at]) + 0.587 * float(frame[plane + at]) + 0.114 * float(frame[2 * plane + at]);
            }
        halves[curBase() + y * pc.w + x] = s * (255.0 / 4.0);
        return;
    }
    float v[SUMS];
    for (int k = 0; k < SUMS; ++k) v[k] = 0.0;
    // Every sub-th pixel of the half-size grays each way, sub chosen for about 130 000 of them
    // (GridLockOp::plan): at 640x360 every pixel (58 000; every other one left a real zoom's scale
    // five times as noisy, +-4e-4 a frame against +-8e-5, the host's corners +-4e-5, and the canvas
    // then breathes), at 1080p every other, at 4K every fourth. The quarter-size grays alias.
    const int w = pc.w, h = pc.h, gx = pc.sub * x + pc.sub / 2, gy = pc.sub * y + pc.sub / 2;
    if (gx >= 1 && gy >= 1 && gx < w - 1 && gy < h - 1) {
        const float s = 2.0, mid = 0.5;  // gray pixel i covers frame pixels 2i, 2i + 1
        const vec2 c = 0.5 * vec2(pc.frameW - 1, pc.frameH - 1);
        const float n = 0.5 * float(max(pc.frameW, pc.frameH));
        const vec2 p = s * vec2(gx, gy) + mid - c;  // this gray pixel's centre, frame pixels about c
        const float a = st.fit[0], b = st.fit[1];
        const vec2 q = vec2(a * p.x - b * p.y, b * p.x + a * p.y) + vec2(st.fit[2], st.fit[3]) + c;
        const vec2 at = (q - mid) / s;  // in the previous gray
        if (at.x >= 0.0 && at.y >= 0.0 && at.x <= float(w - 1) && at.y <= float(h - 1)) {
            const int i = gy * pc.w + gx;
            const float r = prevAt(at) - cur(i);
            const vec2 g = (0.5 / s) * vec2(cur(i + 1) - cur(i - 1), cur(i + pc.w) - cur(i - pc.w));  // per frame px
            const float jr[4] = float[4](dot(g, p) / n, (g.y * p.x - g.x * p.y) / n, g.x, g.y);
            const float wt = abs(r) <= 20.0 ? 1.0 : 20.0 / abs(r);
            int k = 0;
            for (int m = 0; m < 4; ++m)
                for (int j = m; j < 4; ++j) v[k++] += wt * jr[m] * jr[j];
            for (int m = 0; m < 4; ++m) v[10 + m] = wt * jr[m] * r;
            v[14] = 1.0;
        }
    }
    for (int k = 0; k < SUMS; ++k) {
        const float t = subgroupAdd(v[k]);
        if (subgroupElect()) red[k][gl_SubgroupID] = t;
    }
    barrier();
    const uint i = gl_LocalInvocationIndex;
    if (i < uint(SUMS)) {
        float t = 0.0;
        for (uint g = 0u; g < gl_NumSubgroups; ++g) t += red[i][g];
        partials[(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 16u + i] = t;
    }
}
