#version 450
// Device temporal stability, step 5, between the last residual block and the decoder: the trunk
// F (planar, in place) is blended towards the previous frame's blended trunk warped onto this
// frame along the backward flow, F += weight * (warped - F), weight = strength * confidence, as
// app/core/temporal_stabilizer.cpp does on the host:
//   confidence = (trusted mask blurred by a Gaussian of sigma 0.5) * gate;
//   no blending at all when fewer than minKept pixels are trusted (the flow lost the scene) or
//   there is no history (first frame, restart);
//   flows under a quarter pixel in both axes take the history as it is (no resampling, which
//   would blur the recursive history), flows within 1/64 of whole pixels the history shifted
//   (what Catmull-Rom gives there; the grid lock's canvases move by whole cells); else
//   Catmull-Rom at the clamped source position.
// The history has two halves: this frame reads the one the last frame wrote (parity, flipped by
// stab_mask.comp) and writes its blended trunk into the other, so no copy follows.
// Also per workgroup the spread partials over pixels of confidence > 0.5: count, sum and sum of
// squares of the backward flow (the host turns them into the flow's spread and mean).
// Workgroups along z take CHANNELS channels each (more invocations to hide the history's reads);
// those of z = 0 write the partials.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
const int CHANNELS = 8;

layout(std430, binding = 0) buffer TrunkBuf { act_t trunk[]; };
layout(std430, binding = 1) buffer HistBuf { act_t hist[]; };  // two halves of channels x w x h
layout(std430, binding = 2) readonly buffer FlowBuf { vec2 flow[]; };  // the level-0 backward grid first
#define FLOW_GRID flow
#include "flow_grid.glsl"
layout(std430, binding = 3) readonly buffer MaskBuf { vec2 maskGate[]; };
layout(std430, binding = 4) buffer StatsBuf {
    uint keptCount;  // stab_mask.comp's count
    uint parity;     // the half of hist this frame writes (stab_mask.comp flips it)
    uint pad1, pad2;
    float partials[];  // 8 per workgroup
};
layout(std430, binding = 5) readonly buffer ParamBuf {
    float strength;   // weight on fully trusted pixels; 0 = no blending
    float useHistory; // 1 when the history belongs to the previous frame of this sequence
    float minKept;    // trusted pixels needed for any blending
    float invTau;     // stab_mask.comp's
} params;

layout(push_constant) uniform Push {
    int w, h, channels;
} pc;

shared float red[5][256];

float maskAt(int x, int y) {  // reflect-101 borders, as cv::GaussianBlur
    x = x < 0 ? -x : (x >= pc.w ? 2 * pc.w - 2 - x : x);
    y = y < 0 ? -y : (y >= pc.h ? 2 * pc.h - 2 - y : y);
    return maskGate[clamp(y, 0, pc.h - 1) * pc.w + clamp(x, 0, pc.w - 1)].x;
}

void catmullRom(float t, out vec4 k) {
    const float t2 = t * t, t3 = t2 * t;
    k = 0.5 * vec4(-t3 + 2.0 * t2 - t, 3.0 * t3 - 5.0 * t2 + 2.0, -3.0 * t3 + 4.0 * t2 + t, t3 - t2);
}

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    const uint li = gl_LocalInvocationIndex;
    float c = 0.0;
    vec2 b = vec2(0.0);
    if (x < pc.w && y < pc.h) {
        const int at = y * pc.w + x;
        // sigma 0.5: taps exp(-2) around 1 (the +-2 taps of OpenCV's 5-tap kernel are 3e-4)
        const float k0 = 0.786986, k1 = 0.106507;
        float m = 0.0;
        for (int j = -1; j <= 1; ++j)
            for (int i = -1; i <= 1; ++i) m += (j == 0 ? k0 : k1) * (i == 0 ? k0 : k1) * maskAt(x + i, y + j);
        c = m * maskGate[at].y;
        b = flowAt(0, flowGridSide(pc.w), flowGridSide(pc.h), vec2(x, y));
        const bool blend = params.useHistory > 0.5 && float(keptCount) >= params.minKept;
        const float weight = blend ? params.strength * c : 0.0;
        const int plane = pc.w * pc.h;
        const int dst = int(parity & 1u) * plane * pc.channels, src = plane * pc.channels - dst;
        const int ch0 = int(gl_WorkGroupID.z) * CHANNELS, ch1 = min(ch0 + CHANNELS, pc.channels);
        const vec2 whole = round(b);
        if (weight <= 0.0) {
            for (int ch = ch0; ch < ch1; ++ch) hist[dst + ch * plane + at] = trunk[ch * plane + at];
        } else if (abs(b.x) < 0.25 && abs(b.y) < 0.25 || all(lessThan(abs(b - whole), vec2(1.0 / 64.0)))) {
            const ivec2 s = abs(b.x) < 0.25 && abs(b.y) < 0.25
                                ? ivec2(x, y)
                                : clamp(ivec2(x, y) + ivec2(whole), ivec2(0), ivec2(pc.w - 1, pc.h - 1));
            const int from = s.y * pc.w + s.x;
            for (int ch = ch0; ch < ch1; ++ch) {
                const float f = float(trunk[ch * plane + at]);
                const act_t v = act_t(f + weight * (float(hist[src + ch * plane + from]) - f));
                trunk[ch * plane + at] = v;
                hist[dst + ch * plane + at] = v;
            }
        } else {
            const vec2 s = clamp(vec2(x, y) + b, vec2(0.0), vec2(pc.w - 1, pc.h - 1));
            const ivec2 s0 = ivec2(s);
            vec4 kx, ky;
            catmullRom(s.x - float(s0.x), kx);
            catmullRom(s.y - float(s0.y), ky);
            int xs[4], ys[4];
            for (int i = 0; i < 4; ++i) {
                xs[i] = clamp(s0.x - 1 + i, 0, pc.w - 1);
                ys[i] = clamp(s0.y - 1 + i, 0, pc.h - 1) * pc.w;
            }
            for (int ch = ch0; ch < ch1; ++ch) {
                const int base = src + ch * plane;
                float v = 0.0;
                for (int j = 0; j < 4; ++j) {
                    const float row = kx.x * float(hist[base + ys[j] + xs[0]]) + kx.y * float(hist[base + ys[j] + xs[1]]) +
                                      kx.z * float(hist[base + ys[j] + xs[2]]) + kx.w * float(hist[base + ys[j] + xs[3]]);
                    v += ky[j] * row;
                }
                const float f = float(trunk[ch * plane + at]);
                const act_t o = act_t(f + weight * (v - f));
                trunk[ch * plane + at] = o;
                hist[dst + ch * plane + at] = o;
            }
        }
    }
    if (gl_WorkGroupID.z != 0u) return;  // uniform in the workgroup
    const bool counted = c > 0.5;
    red[0][li] = counted ? 1.0 : 0.0;
    red[1][li] = counted ? b.x : 0.0;
    red[2][li] = counted ? b.y : 0.0;
    red[3][li] = counted ? b.x * b.x : 0.0;
    red[4][li] = counted ? b.y * b.y : 0.0;
    barrier();
    for (uint s = 128u; s > 0u; s >>= 1) {
        if (li < s)
            for (int k = 0; k < 5; ++k) red[k][li] += red[k][li + s];
        barrier();
    }
    if (li == 0u) {
        const uint g = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
        for (int k = 0; k < 5; ++k) partials[g * 8u + uint(k)] = red[k][0];
    }
}
