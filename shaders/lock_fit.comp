#version 450
// Device grid lock, step 1 (engine/vulkan/grid_lock_op.h): the global motion between this frame
// and the previous one, and the grid lock's policy: the rules of app/core/grid_lock.cpp and
// app/core/temporal_stabilizer.cpp (constants: engine/stability_policy.h, as specialization
// constants). One workgroup; phases (push constant):
//   0 the patch fit: patches of the quarter-size flow (flow_pyramid.h) whose backward flow the
//     forward flow confirms (Ruder's test, as stab_mask), border patches left out, weighted by
//     their texture; a similarity cur -> prev by least squares, re-weighted (Cauchy, 1 px)
//     twice; a consensus when half the trusted weight lies within 1 px;
//   1, 2 Gauss-Newton steps of it on the half-size frames (lock_refine.comp's sums); 2 then runs
//     the policy: a zoom or roll (scale or angle step over the thresholds, with a consensus)
//     steps the similarity lock, else the translation at the centre steps the translation lock
//     (none below kStillShift); the canvas map M_t = A_t + margin + whole cells;
//   and first in phase 0, for the frame before (after its trunk's blend): the trunk flow's spread
//   about its mean switches the lock off (a similarity step excepted) and on again.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(local_size_x = 256) in;
layout(constant_id = 0) const float MARGIN = 4.0;
layout(constant_id = 1) const float SCALE_RANGE = 0.08;
layout(constant_id = 2) const float MAX_ANGLE = 0.004;
layout(constant_id = 3) const float STILL_SHIFT = 0.02;
layout(constant_id = 4) const float SCALE_STEP = 3e-4;
layout(constant_id = 5) const float ANGLE_STEP = 3e-4;
layout(constant_id = 6) const float SPREAD_OFF = 0.42;
layout(constant_id = 7) const float SPREAD_ON = 0.32;
layout(constant_id = 8) const float SHARPEN_HALF = 0.05;  // kSharpenAtHalfPixel

layout(std430, binding = 0) readonly buffer FlowBuf { vec2 flow[]; };  // the frame's level-0 grids
#define FLOW_GRID flow
#include "flow_grid.glsl"
#define LOCK_STATE_BINDING 1
#define LOCK_STATE_QUALIFIER
#include "lock_state.glsl"
layout(std430, binding = 2) readonly buffer ParamBuf {  // the slot's StabilityParams
    float strength, useHistory, minKept, invTau;
} params;
layout(std430, binding = 3) readonly buffer TextureBuf { float texture[]; };  // per level-0 patch
// A patch's weight: its texture (the smaller eigenvalue of its structure tensor, gray levels^2
// over 8x8 pixels) against this, so flat patches, which keep the coarse level's flow, count little.
const float TEXTURE_HALF = 1024.0;

layout(push_constant) uniform Push {
    int gw, gh;       // the level-0 flow grid
    int qw, qh;       // the level-0 image (a quarter of the frame)
    int dirStride;    // grid elements between the directions
    int step;         // patches sampled every step cells
    int frameW, frameH;
    int phase;        // 0 the switch and the patch fit, 1 a refinement step, 2 the last one and the policy
    int partials;     // lock_refine.comp's workgroups (phases 1, 2)
    int blendGroups;  // stab_blend.comp's (phase 0: the previous frame's spread partials)
    int block;        // frame pixels per level-0 pixel of the flow
} pc;
layout(std430, binding = 4) readonly buffer PartialBuf { float partials[]; };  // 16 per workgroup
layout(std430, binding = 5) readonly buffer TrunkStatsBuf {  // stab_blend.comp's
    uint keptCount, parity, pad1, pad2;  // parity: stab_blend.comp's
    float blendPartials[];  // 8 per workgroup: count, sum and sum of squares of the trunk flow
};
layout(std430, binding = 6) writeonly buffer ReportBuf { LockState report; };  // the slot's, host-visible
// The slot's own copy for its warp back: the next frame's motion stages may run (on another queue)
// while this frame's decoder and warp back still do, and they rewrite st.
layout(std430, binding = 7) writeonly buffer SlotStateBuf { LockState slotState; };

const int MAXP = 4;  // patches per invocation: 1024 in all (the refinement does the fine work)
const int SUMS = 15;
shared float red[SUMS][64];  // per subgroup (of at least 4 invocations)
shared float total[SUMS];

// The workgroup's sums of v, in total[] for every invocation.
void reduceSums(float v[SUMS]) {
    barrier();  // everyone has read the last total[]
    for (int k = 0; k < SUMS; ++k) {
        const float t = subgroupAdd(v[k]);
        if (subgroupElect()) red[k][gl_SubgroupID] = t;
    }
    barrier();
    const uint i = gl_LocalInvocationIndex;
    if (i < uint(SUMS)) {
        float t = 0.0;
        for (uint g = 0u; g < gl_NumSubgroups; ++g) t += red[i][g];
        total[i] = t;
    }
    barrier();
}

// A <- A o B (B applied first).
void compose(inout float a[6], float b[6]) {
    const float c[6] = a;
    a[0] = c[0] * b[0] + c[1] * b[3];
    a[1] = c[0] * b[1] + c[1] * b[4];
    a[2] = c[0] * b[2] + c[1] * b[5] + c[2];
    a[3] = c[3] * b[0] + c[4] * b[3];
    a[4] = c[3] * b[1] + c[4] * b[4];
    a[5] = c[3] * b[2] + c[4] * b[5] + c[5];
}

void invert(float m[6], out float r[6]) {
    const float det = m[0] * m[4] - m[1] * m[3];
    const float id = abs(det) > 1e-12 ? 1.0 / det : 0.0;
    r[0] = m[4] * id;
    r[1] = -m[1] * id;
    r[3] = -m[3] * id;
    r[4] = m[0] * id;
    r[2] = -(r[0] * m[2] + r[1] * m[5]);
    r[5] = -(r[3] * m[2] + r[4] * m[5]);
}

bool scaledAnchor() {
    return abs(st.anchor[0] - 1.0) > 1e-6 || abs(st.anchor[4] - 1.0) > 1e-6 || abs(st.anchor[1]) > 1e-6 ||
           abs(st.anchor[3]) > 1e-6;
}

vec2 displacement() {  // D_t: c - A(c) of the centre (of the origin without a scale)
    const vec2 c = scaledAnchor() ? vec2(st.centre[0], st.centre[1]) : vec2(0.0);
    return c - applyMap(st.anchor, c);
}

void patchFit() {
    const uint li = gl_LocalInvocationIndex;
    const vec2 centre = 0.5 * vec2(pc.frameW - 1, pc.frameH - 1);
    const int nx = (pc.gw - 2 + pc.step - 1) / pc.step, ny = (pc.gh - 2 + pc.step - 1) / pc.step;
    const int count = max(nx, 0) * max(ny, 0);
    vec2 ps[MAXP], qs[MAXP];
    float trust[MAXP];
    for (int m = 0; m < MAXP; ++m) {
        const int k = int(li) + 256 * m;
        trust[m] = 0.0;
        ps[m] = qs[m] = vec2(0.0);
        if (k >= count) continue;
        const ivec2 g = ivec2(1 + (k % nx) * pc.step, 1 + (k / nx) * pc.step);
        const vec2 c = vec2(4 * g) + 1.5;  // the patch centre, level-0 pixels (block frame pixels each)
        const vec2 b = flow[g.y * pc.gw + g.x];
        const vec2 at = c + b;
        if (at.x < 0.0 || at.y < 0.0 || at.x > float(pc.qw - 1) || at.y > float(pc.qh - 1)) continue;
        const vec2 f = flowAt(pc.dirStride, pc.gw, pc.gh, at);
        const vec2 s = b + f;
        if (dot(s, s) > 0.01 * (dot(b, b) + dot(f, f)) + 0.125) continue;
        const float t = texture[g.y * pc.gw + g.x];
        trust[m] = t / (t + TEXTURE_HALF);
        ps[m] = (c + 0.5) * float(pc.block) - 0.5 - centre;  // frame pixels about the centre
        qs[m] = ps[m] + float(pc.block) * b;
    }

    // The trusted flow's mean (frame pixels): the translation when the fit finds no consensus.
    {
        float s[SUMS];
        for (int k = 0; k < SUMS; ++k) s[k] = 0.0;
        for (int m = 0; m < MAXP; ++m) {
            const vec2 d = qs[m] - ps[m];
            s[0] += trust[m];
            s[1] += trust[m] * d.x;
            s[2] += trust[m] * d.y;
            s[3] += trust[m] > 0.0 ? 1.0 : 0.0;
        }
        reduceSums(s);
    }
    const float trusted = total[0], trustedPatches = total[3];
    const vec2 meanFlow = trusted > 0.0 ? vec2(total[1], total[2]) / trusted : vec2(0.0);
    barrier();

    // Weighted least squares for q = R p + t, R = [a -b; b a], re-weighted on the residuals
    // (Cauchy, scale 1 px); the last pass also counts the patches the fit explains within 1 px.
    float fa = 1.0, fb = 0.0, inliers = 0.0;
    vec2 ft = meanFlow;
    for (int it = 0; it < 3; ++it) {
        float s[SUMS];
        for (int k = 0; k < SUMS; ++k) s[k] = 0.0;
        for (int m = 0; m < MAXP; ++m) {
            const vec2 p = ps[m], q = qs[m];
            const vec2 r = q - (vec2(fa * p.x - fb * p.y, fb * p.x + fa * p.y) + ft);
            const float r2 = dot(r, r);
            const float w = trust[m] * (it == 0 ? 1.0 : 1.0 / (1.0 + r2));
            s[0] += w;
            s[1] += w * p.x;
            s[2] += w * p.y;
            s[3] += w * q.x;
            s[4] += w * q.y;
            s[5] += w * dot(p, q);
            s[6] += w * (p.x * q.y - p.y * q.x);
            s[7] += w * dot(p, p);
            s[8] += r2 < 1.0 ? trust[m] : 0.0;
        }
        reduceSums(s);
        const float W = total[0];
        inliers = total[8];
        if (W > 1e-3) {
            const vec2 P = vec2(total[1], total[2]) / W, Q = vec2(total[3], total[4]) / W;
            const float A = total[5] - W * dot(P, Q);
            const float B = total[6] - W * (P.x * Q.y - P.y * Q.x);
            const float S = total[7] - W * dot(P, P);
            fa = S > 1e-3 ? A / S : 1.0;
            fb = S > 1e-3 ? B / S : 0.0;
            ft = Q - vec2(fa * P.x - fb * P.y, fb * P.x + fa * P.y);
        }
    }
    if (li != 0u) return;
    st.fit = float[4](fa, fb, ft.x, ft.y);
    st.meanFlow = float[2](meanFlow.x, meanFlow.y);
    st.fitOk = trustedPatches >= max(12.0, 0.1 * float(count)) && inliers >= 0.5 * trusted ? 1 : 0;
    st.trusted = trustedPatches / max(float(count), 1.0);
}

// One Gauss-Newton step of the fit from lock_refine.comp's sums: solve H dp = -g (Cholesky,
// lightly damped); steps of more than 2 px are not taken (the sums were not of this motion).
void refineStep() {
    const uint li = gl_LocalInvocationIndex;
    float s[SUMS];
    for (int k = 0; k < SUMS; ++k) s[k] = 0.0;
    for (int g = int(li); g < pc.partials; g += 256)
        for (int k = 0; k < SUMS; ++k) s[k] += partials[g * 16 + k];
    reduceSums(s);
    if (li != 0u || total[14] < 256.0) return;
    float h[4][4];
    int k = 0;
    for (int i = 0; i < 4; ++i)
        for (int j = i; j < 4; ++j) h[i][j] = h[j][i] = total[k++];
    const float damp = 1e-6 * (h[0][0] + h[1][1] + h[2][2] + h[3][3]) + 1e-9;
    for (int i = 0; i < 4; ++i) h[i][i] += damp;
    float l[4][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j <= i; ++j) {
            float v = h[i][j];
            for (int m = 0; m < j; ++m) v -= l[i][m] * l[j][m];
            if (i == j) {
                if (v <= 0.0) return;  // singular: a flat frame
                l[i][i] = sqrt(v);
            } else {
                l[i][j] = v / l[j][j];
            }
        }
    float z[4], dp[4];
    for (int i = 0; i < 4; ++i) {
        float v = -total[10 + i];
        for (int m = 0; m < i; ++m) v -= l[i][m] * z[m];
        z[i] = v / l[i][i];
    }
    for (int i = 3; i >= 0; --i) {
        float v = z[i];
        for (int m = i + 1; m < 4; ++m) v -= l[m][i] * dp[m];
        dp[i] = v / l[i][i];
    }
    if (abs(dp[2]) > 2.0 || abs(dp[3]) > 2.0) return;
    const float n = 0.5 * float(max(pc.frameW, pc.frameH));
    st.fit = float[4](st.fit[0] + dp[0] / n, st.fit[1] + dp[1] / n, st.fit[2] + dp[2], st.fit[3] + dp[3]);
}

// Lanczos-4 taps (j = -3..4) for a shift of phase f, normalised; with k > 0 convolved with the
// sharpening [-k, 1 + 2k, -k] (then j = -4..5), as GridLock's shiftKernel.
void shiftTaps(float f, float k, out float w[10]) {
    float l[8];
    float sum = 0.0;
    for (int j = 0; j < 8; ++j) {
        const float t = float(j - 3) - f;
        l[j] = sinc(t) * sinc(t / 4.0);
        sum += l[j];
    }
    for (int j = 0; j < 10; ++j) w[j] = 0.0;
    for (int j = 0; j < 8; ++j) {
        const float v = l[j] / sum;
        w[j] += -k * v;
        w[j + 1] += (1.0 + 2.0 * k) * v;
        w[j + 2] += -k * v;
    }
}

float sharpenAt(float g) {  // GridLock::fromCanvas's strength for a shift of phase g
    const float s = sin(3.14159265358979 * (g - floor(g)));
    return SHARPEN_HALF * s * s;
}

// The grid lock's policy, on one invocation.
void policy() {

    const vec2 centre = 0.5 * vec2(pc.frameW - 1, pc.frameH - 1);
    const bool ok = st.fitOk != 0;
    const float fa = st.fit[0], fb = st.fit[1];
    const vec2 ft = vec2(st.fit[2], st.fit[3]), meanFlow = vec2(st.meanFlow[0], st.meanFlow[1]);
    for (int k = 0; k < 6; ++k) {
        st.mapPrev[k] = st.mapCur[k];
        st.invPrev[k] = st.invCur[k];
    }
    st.simStep = 0;
    st.reanchored = 0;
    const bool history = params.useHistory > 0.5;
    vec2 d = vec2(0.0);
    float scale = 1.0, angle = 0.0;
    if (!history) {  // a new sequence: the lock starts again
        st.anchor = float[6](1.0, 0.0, 0.0, 0.0, 1.0, 0.0);
        st.globalMotion = 1;
        st.reanchors = 0;
        st.centre = float[2](centre.x, centre.y);
    } else {
        scale = length(vec2(fa, fb));
        angle = atan(fb, fa);
        const bool zoomOrRoll = ok && (abs(scale - 1.0) > SCALE_STEP || abs(angle) > ANGLE_STEP);
        if (zoomOrRoll) st.globalMotion = 1;
        // curToPrev in frame coordinates: q = R (x - c) + t + c
        const vec2 t = ft + centre - vec2(fa * centre.x - fb * centre.y, fb * centre.x + fa * centre.y);
        d = -ft;  // the content's displacement at the centre: c - curToPrev(c)
        if (st.globalMotion == 1 && zoomOrRoll) {  // GridLock::addSimilarity
            st.centre = float[2](centre.x, centre.y);
            compose(st.anchor, float[6](fa, -fb, t.x, fb, fa, t.y));
            const float as = length(vec2(st.anchor[0], st.anchor[3]));
            const float aa = atan(st.anchor[3], st.anchor[0]);
            float target = 0.0;
            if (as < 1.0 - SCALE_RANGE) target = 1.0;
            else if (as > 1.0 + 0.002) target = 1.0 - SCALE_RANGE;
            else if (abs(aa) > MAX_ANGLE) target = as;
            if (target != 0.0) {  // re-anchor about the centre: it keeps its place on the grid
                const vec2 ca = applyMap(st.anchor, centre);
                st.anchor = float[6](target, 0.0, ca.x - target * centre.x, 0.0, target, ca.y - target * centre.y);
                st.reanchors += 1;
                st.reanchored = 1;
            }
            st.simStep = 1;
        } else if (st.globalMotion == 1) {  // GridLock::addMotion: the fit's translation, else the mean flow
            if (!ok) d = st.trusted > 0.0 ? -meanFlow : vec2(0.0);
            if (abs(d.x) < STILL_SHIFT && abs(d.y) < STILL_SHIFT) d = vec2(0.0);
            st.anchor[2] -= st.anchor[0] * d.x + st.anchor[1] * d.y;
            st.anchor[5] -= st.anchor[3] * d.x + st.anchor[4] * d.y;
        }
    }
    st.motion = float[2](d.x, d.y);
    st.scaleStep = scale;
    st.angleStep = angle;

    // The canvas map: M = A + margin + whole cells of the centre's displacement; g the rest.
    vec2 D = displacement();
    const vec2 cells = 4.0 * round(D / 4.0);
    const vec2 g = D - cells;
    // Whole cells moved out of A change neither g nor M and keep the numbers small in fp32.
    st.anchor[2] += cells.x;
    st.anchor[5] += cells.y;
    float m[6] = st.anchor;
    m[2] += MARGIN;  // A (now with D = g) + margin + cells - cells
    m[5] += MARGIN;
    st.mapCur = m;
    float inv[6];
    invert(m, inv);
    st.invCur = inv;
    st.offset = float[2](g.x, g.y);
    st.mode = scaledAnchor() ? 2 : (abs(g.x) < 1e-3 && abs(g.y) < 1e-3 ? 0 : 1);
    // Mode 1's taps, once a frame: in, canvas(y) = frame(y - t); out, out(x) = result(x + t), t
    // M's translation; lock_warp_in/out take the whole pixels from t, the phases from these.
    const vec2 sIn = -vec2(m[2], m[5]), sOut = vec2(m[2], m[5]);
    float w[10];
    for (int axis = 0; axis < 2; ++axis) {
        shiftTaps(sIn[axis] - floor(sIn[axis]), 0.0, w);
        for (int j = 0; j < 8; ++j) st.wIn[8 * axis + j] = w[j + 1];
        shiftTaps(sOut[axis] - floor(sOut[axis]), sharpenAt(g[axis]), w);
        for (int j = 0; j < 10; ++j) st.wOut[10 * axis + j] = w[j];
    }
    if (!history) {
        st.mapPrev = m;
        st.invPrev = inv;
    }
    st.parity = (st.parity & 1) ^ 1;  // lock_refine: this frame's gray is the next one's previous
    st.history = history ? 1 : 0;
    report = st;  // the frame's state for the host (after the slot's fence)
    slotState = st;
}

// The spread of the trusted trunk flow (frame pixels, as TrunkStabilityOp::readReport and the
// host's trunk flow) switches the lock off under local motion (not after a similarity step, which
// moves the whole canvas) and on again. This frame's switch comes from the previous frame's trunk
// flow (its blend's spread partials, still in the buffer: this frame's blend comes later), as the
// host's followSpread after a frame.
void followSpread() {
    const uint li = gl_LocalInvocationIndex;
    float s[SUMS];
    for (int k = 0; k < SUMS; ++k) s[k] = 0.0;
    for (int g = int(li); g < pc.blendGroups; g += 256)
        for (int k = 0; k < 5; ++k) s[k] += blendPartials[g * 8 + k];
    reduceSums(s);
    if (li != 0u || st.history == 0 || params.useHistory < 0.5) return;
    const float n = total[0];
    if (n <= 16.0) return;
    const vec2 mean = vec2(total[1], total[2]) / n;
    const float spread = 4.0 * sqrt(max(total[3] / n - mean.x * mean.x, 0.0) + max(total[4] / n - mean.y * mean.y, 0.0));
    st.spread = spread;
    if (st.globalMotion == 1 && spread > SPREAD_OFF && st.simStep == 0) {
        st.globalMotion = 0;
        st.anchor = float[6](1.0, 0.0, 0.0, 0.0, 1.0, 0.0);
        st.reanchors = 0;
    } else if (st.globalMotion == 0 && spread < SPREAD_ON) {
        st.globalMotion = 1;
    }
}

void main() {
    if (pc.phase == 0) {
        followSpread();
        patchFit();
        return;
    }
    refineStep();
    if (pc.phase == 2 && gl_LocalInvocationIndex == 0u) policy();
}
