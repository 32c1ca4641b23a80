#version 450
// Device grid lock, step 2: this frame onto its canvas for the network, canvas(y) = frame(M_t^-1 y),
// reflected borders (OpenCV's BORDER_REFLECT), as GridLock::toCanvas: mode 0 a whole-pixel copy,
// mode 1 a Lanczos-4 shift (separable, the same phase everywhere: taps from lock_fit, through
// shared memory), mode 2
// bilinear (a similarity: the network re-synthesises texture from it, docs/QUALITY.md).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) readonly buffer FrameBuf { act_t frame[]; };  // planar, stride x rows
layout(std430, binding = 1) writeonly buffer CanvasBuf { act_t canvas[]; };
#define LOCK_STATE_BINDING 2
#define LOCK_STATE_QUALIFIER readonly
#include "lock_state.glsl"

layout(push_constant) uniform Push {
    int frameW, frameH, stride, rows;  // the frame and its buffer's plane
    int canvasW, canvasH;
} pc;


float px(int c, int x, int y) {
    return float(frame[c * pc.stride * pc.rows + reflectEdge(y, pc.frameH) * pc.stride + reflectEdge(x, pc.frameW)]);
}

const int TAPS = 8;
#define SHIFT_STORE(c, x, y, v) canvas[(c) * pc.canvasW * pc.canvasH + (y) * pc.canvasW + (x)] = act_t(v)
#include "lock_shift.glsl"

void main() {
    const ivec2 y = ivec2(gl_GlobalInvocationID.xy);
    const ivec2 l = ivec2(gl_LocalInvocationID.xy);
    const bool inside = y.x < pc.canvasW && y.y < pc.canvasH;
    const int plane = pc.canvasW * pc.canvasH, at = y.y * pc.canvasW + y.x;
    const int mode = st.mode;
    if (mode == 1) {
        // canvas(y) = frame(y + s), s = -M's translation: taps at y + n + j - 3, n = floor(s).
        const vec2 s = -vec2(st.mapCur[2], st.mapCur[5]);
        const ivec2 n = ivec2(floor(s));
        float wx[TAPS], wy[TAPS];  // the same for every pixel: lock_fit's
        for (int j = 0; j < TAPS; ++j) {
            wx[j] = st.wIn[j];
            wy[j] = st.wIn[TAPS + j];
        }
        const ivec2 t = ivec2(gl_WorkGroupID.xy) * 16;
        shiftTile(t + n - 3, t, pc.canvasW, pc.canvasH, wx, wy);
        return;
    }
    if (!inside) return;
    const vec2 x = applyMap(st.invCur, vec2(y));
    if (mode == 0) {
        const ivec2 xi = ivec2(round(x));
        for (int c = 0; c < 3; ++c) canvas[c * plane + at] = act_t(px(c, xi.x, xi.y));
        return;
    }
    const ivec2 x0 = ivec2(floor(x));
    const vec2 f = x - vec2(x0);
    for (int c = 0; c < 3; ++c) {
        const float v = mix(mix(px(c, x0.x, x0.y), px(c, x0.x + 1, x0.y), f.x),
                            mix(px(c, x0.x, x0.y + 1), px(c, x0.x + 1, x0.y + 1), f.x), f.y);
        canvas[c * plane + at] = act_t(v);
    }
}
