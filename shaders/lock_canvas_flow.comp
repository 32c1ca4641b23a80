#version 450
// Device grid lock, step 3: the flow between this canvas and the previous one for the trunk's
// blend (stab_mask, stab_blend), derived from the frames' own flow and the two canvas maps
// instead of estimated again: at each cell of the canvas flow grid (flow_grid.glsl, level 0 =
// a quarter of the canvas), z = 0 the backward flow y -> M_{t-1}(x + b(x)) with x = M_t^-1 y,
// z = 1 the forward flow y -> M_t(x' + f(x')) with x' = M_{t-1}^-1 y. The frames' flow is taken
// as the fitted global motion (lock_fit.comp) plus its residual shrunk by SHRINK frame pixels
// at a quarter-size flow, twice that at an eighth (soft thresholding): the patch flow's noise (a
// spread of about 0.4 px on a pure pan at a quarter, twice as many frame pixels at an eighth)
// would otherwise move the history and switch the lock off, while local motion keeps its flow.
// (With SHRINK alone at an eighth, a 1280x720 pan's trunk flow spread 0.5 px and the lock
// switched itself off after its first frame.)
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const float SHRINK = 0.5;

layout(std430, binding = 0) readonly buffer FrameFlowBuf { vec2 flow[]; };  // the frame's level-0 grids
#define FLOW_GRID flow
#include "flow_grid.glsl"
layout(std430, binding = 1) writeonly buffer CanvasFlowBuf { vec2 canvasFlow[]; };
#define LOCK_STATE_BINDING 2
#define LOCK_STATE_QUALIFIER readonly
#include "lock_state.glsl"

layout(push_constant) uniform Push {
    int gw, gh, dirStride;                   // the frame's flow grid
    int canvasGw, canvasGh, canvasDirStride;  // the canvas's
    int frameW, frameH;
    int block;
} pc;

void main() {
    const int i = int(gl_GlobalInvocationID.x), j = int(gl_GlobalInvocationID.y);
    if (i >= pc.canvasGw || j >= pc.canvasGh) return;
    const bool backward = gl_WorkGroupID.z == 0u;
    // The cell's centre in canvas pixels (level-0 pixel p covers canvas pixels 4p .. 4p + 3).
    const vec2 y = (vec2(4 * i, 4 * j) + 1.5) * 4.0 + 1.5;
    const vec2 x = backward ? applyMap(st.invCur, y) : applyMap(st.invPrev, y);
    const float block = float(pc.block);  // frame pixels per pixel of the frame's flow
    const vec2 u = flowAt(backward ? 0 : pc.dirStride, pc.gw, pc.gh, (x - 0.5 * (block - 1.0)) / block);
    // The global motion: B (cur -> prev) about the frame's centre, or its inverse forward.
    const vec2 c = 0.5 * vec2(pc.frameW - 1, pc.frameH - 1);
    const float a = st.fit[0], b = st.fit[1];
    const vec2 t = vec2(st.fit[2], st.fit[3]);
    vec2 global;
    if (backward) {
        const vec2 p = x - c;
        global = vec2(a * p.x - b * p.y, b * p.x + a * p.y) + t + c;
    } else {
        const vec2 p = x - c - t;
        const float d = max(a * a + b * b, 1e-12);
        global = vec2(a * p.x + b * p.y, -b * p.x + a * p.y) / d + c;
    }
    const vec2 r = x + block * u - global;
    const float n = length(r), shrink = SHRINK * block / 4.0;
    const vec2 moved = global + (n > shrink ? r * (1.0 - shrink / n) : vec2(0.0));
    const vec2 to = backward ? applyMap(st.mapPrev, moved) : applyMap(st.mapCur, moved);
    canvasFlow[(backward ? 0 : pc.canvasDirStride) + j * pc.canvasGw + i] = (to - y) * 0.25;
}
