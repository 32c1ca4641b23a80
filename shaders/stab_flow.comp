#version 450
// Device temporal stability, step 3: optical flow of 8x8 patches on a stride-4 grid (the inverse
// search of DIS, Kroeger et al. 2016, at one pyramid level per dispatch), both directions at once
// (workgroup z): z = 0 the backward flow (I0 = this frame, I1 = the previous one:
// cur(x) ~ prev(x + u)), z = 1 the forward flow. Per patch, Lucas-Kanade with the template's
// gradients fixed (Bouguet's iteration):
//     du = (G + lambda I)^-1 sum grad I0 (I0(y) - I1(y + u)),   G = sum grad I0 grad I0^T
// until |du| < 0.01 px or ITERATIONS, from the coarser level's flow at the patch centre, doubled
// (INIT 1), or zero at the top (INIT 2). A patch whose match got worse than its start keeps the
// start (DIS does the same). The dense flow is the grid's bilinear interpolation (flow_grid.glsl).
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 64) in;  // one 8x8 patch per workgroup, one pixel per invocation
layout(constant_id = 0) const int ITERATIONS = 8;

layout(std430, binding = 0) readonly buffer CurBuf { float cur[]; };
layout(std430, binding = 1) readonly buffer PrevBuf { float prv[]; };
layout(std430, binding = 2) buffer FlowBuf { vec2 flow[]; };  // [direction][level] grids
#define FLOW_GRID flow
#include "flow_grid.glsl"
// Level 0, backward direction: each patch's texture, the smaller eigenvalue of its structure
// tensor G (gray levels^2), which the grid lock's fit weighs the patches by (flat patches keep
// the coarse level's flow: Tikhonov).
layout(std430, binding = 3) writeonly buffer TextureBuf { float texture[]; };

layout(push_constant) uniform Push {
    int off, w, h;            // this level's image in the pyramids (elements)
    int gridOff;              // this level's grid in the flow buffer
    int inGridOff, inW, inH;  // the coarser level (INIT 1): its grid and image size
    int init;                 // 1: start from the coarser level, 2: from zero
    int dirStride;            // grid elements between the two directions
    float lambda;             // Tikhonov weight: flat patches keep their start
} pc;

shared vec3 red[64];

// The sum over the patch; every invocation gets it (so every branch on it is uniform).
vec3 patchSum(vec3 v) {
    const uint i = gl_LocalInvocationIndex;
    red[i] = v;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1) {
        if (i < s) red[i] += red[i + s];
        barrier();
    }
    const vec3 r = red[0];
    barrier();
    return r;
}

float img(bool first, int x, int y) {  // first: I0 of this direction
    x = clamp(x, 0, pc.w - 1);
    y = clamp(y, 0, pc.h - 1);
    const int i = pc.off + y * pc.w + x;
    return first == (gl_WorkGroupID.z == 0u) ? cur[i] : prv[i];
}

float sampleI1(vec2 p) {  // bilinear, replicated borders
    p = clamp(p, vec2(0.0), vec2(pc.w - 1, pc.h - 1));
    const ivec2 i = ivec2(floor(p));
    const vec2 f = p - vec2(i);
    const float a = img(false, i.x, i.y), b = img(false, i.x + 1, i.y);
    const float c = img(false, i.x, i.y + 1), d = img(false, i.x + 1, i.y + 1);
    return mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}

void main() {
    const ivec2 g = ivec2(gl_WorkGroupID.xy);
    const int dir = int(gl_WorkGroupID.z) * pc.dirStride;
    const uint k = gl_LocalInvocationIndex;
    const ivec2 p = 4 * g - 2 + ivec2(int(k & 7u), int(k >> 3));

    vec2 u = vec2(0.0);
    if (pc.init == 1) {
        const vec2 centre = vec2(4 * g) + 1.5;
        u = 2.0 * flowAt(dir + pc.inGridOff, flowGridSide(pc.inW), flowGridSide(pc.inH), (centre + 0.5) * 0.5 - 0.5);
    }
    const float t = img(true, p.x, p.y);
    const vec2 grad = 0.5 * vec2(img(true, p.x + 1, p.y) - img(true, p.x - 1, p.y),
                                 img(true, p.x, p.y + 1) - img(true, p.x, p.y - 1));
    const vec3 gg = patchSum(vec3(grad.x * grad.x, grad.x * grad.y, grad.y * grad.y));
    const float gxx = gg.x + pc.lambda, gxy = gg.y, gyy = gg.z + pc.lambda;
    const float det = max(gxx * gyy - gxy * gxy, 1e-6);
    const vec2 start = u;
    float startSsd = 0.0, ssd = 0.0;
    for (int it = 0; it <= ITERATIONS; ++it) {
        const float r = t - sampleI1(vec2(p) + u);
        const vec3 s = patchSum(vec3(grad * r, r * r));
        ssd = s.z;  // of the current u
        if (it == 0) startSsd = ssd;
        if (it == ITERATIONS) break;
        vec2 du = vec2(gyy * s.x - gxy * s.y, gxx * s.y - gxy * s.x) / det;
        const float n = length(du);
        if (n < 0.01) break;  // converged: ssd is this u's
        if (n > 1.0) du /= n;
        u += du;
    }
    if (k == 0u) flow[dir + pc.gridOff + g.y * flowGridSide(pc.w) + g.x] = ssd <= startSsd ? u : start;
    if (k == 0u && pc.gridOff == 0 && gl_WorkGroupID.z == 0u) {
        const float tr = 0.5 * (gg.x + gg.z), dt = gg.x * gg.z - gg.y * gg.y;
        texture[g.y * flowGridSide(pc.w) + g.x] = tr - sqrt(max(tr * tr - dt, 0.0));
    }
}
