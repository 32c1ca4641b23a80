// The device grid lock's state (engine/vulkan/grid_lock_op.h, struct LockState): kept on the
// device from frame to frame, written by lock_fit.comp, read by the warps and the canvas flow.
// Maps are row-major 2x3 affine matrices: p' = (m0 x + m1 y + m2, m3 x + m4 y + m5).
// Include after `#define LOCK_STATE_QUALIFIER readonly` (or empty) and with LOCK_STATE_BINDING.
struct LockState {
    float anchor[6];   // A_t: frame -> the anchor frame's coordinates
    float mapCur[6];   // M_t: this frame -> its canvas
    float invCur[6];   // M_t^-1
    float mapPrev[6];  // M_{t-1}
    float invPrev[6];  // M_{t-1}^-1
    float centre[2];   // of the frames seen by a similarity step
    int mode;          // this frame's warps: 0 whole cells, 1 sub-pixel translation, 2 similarity
    int globalMotion;  // 1: the lock follows the motion
    int reanchors;
    int simStep;       // this frame's step was a similarity
    int reanchored;    // ... and moved the anchor
    int fitOk;         // the similarity fit found a consensus
    float offset[2];   // g_t
    float motion[2];   // content displacement prev -> this frame at the centre
    float scaleStep, angleStep, spread, trusted;
    float fit[4];      // the similarity cur -> prev about the centre: a, b, tx, ty (R = [a -b; b a])
    float meanFlow[2]; // of the trusted patches, frame pixels
    float wIn[16];     // mode 1: the shift's taps in (x then y, Lanczos-4, j = -3..4)
    float wOut[20];    // and out (x then y, Lanczos-4 with the sharpening, j = -4..5)
    int parity;        // which half of lock_refine's gray buffer is this frame's
    int history;       // this frame continued a sequence (its trunk flow's spread counts)
};
layout(std430, binding = LOCK_STATE_BINDING) LOCK_STATE_QUALIFIER buffer StateBuf { LockState st; };

vec2 applyMap(float m[6], vec2 p) { return vec2(m[0] * p.x + m[1] * p.y + m[2], m[3] * p.x + m[4] * p.y + m[5]); }

// OpenCV's BORDER_REFLECT (the edge pixel repeated: -1 -> 0, n -> n - 1), clamped beyond one reflection.
int reflectEdge(int i, int n) {
    if (i < 0) i = -i - 1;
    if (i >= n) i = 2 * n - i - 1;
    return clamp(i, 0, n - 1);
}

float sinc(float x) {
    const float pi = 3.14159265358979;
    return abs(x) < 1e-6 ? 1.0 : sin(pi * x) / (pi * x);
}
