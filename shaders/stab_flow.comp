#version 450
// Device temporal stability, step 3: dense optical flow by pyramidal Lucas-Kanade (Bouguet's
// iteration: the template's gradients fixed, the other image resampled at each step), one level
// per dispatch, both directions at once (workgroup z): z = 0 the backward flow (I0 = this frame,
// I1 = the previous one: cur(x) ~ prev(x + u)), z = 1 the forward flow. Per pixel, over a
// (2R+1)^2 window around it, each iteration
//     du = (G + lambda I)^-1 sum grad I0 (I0(y) - I1(y + u)),   G = sum grad I0 grad I0^T
// until |du| < 0.01 px or ITERATIONS; the top level starts from zero (INIT 2), every other one from
// the coarser level's flow, upsampled bilinearly and doubled (INIT 1).
layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const int ITERATIONS = 6;

layout(std430, binding = 0) readonly buffer CurBuf { float cur[]; };
layout(std430, binding = 1) readonly buffer PrevBuf { float prv[]; };
layout(std430, binding = 2) buffer FlowBuf { vec2 flow[]; };  // [direction][level] fields

layout(push_constant) uniform Push {
    int off, w, h;        // this level in the pyramids and the flow buffer (elements)
    int inOff, inW, inH;  // the coarser level (INIT 1)
    int init;             // 1: start from the coarser level, 2: from zero
    int dirStride;        // elements between the two directions' flow fields
    float lambda;         // Tikhonov weight: flat areas keep their flow
} pc;

const int R = 3, T = 16 + 2 * R;
shared float sI[T * T], sGx[T * T], sGy[T * T];

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

vec2 startFlow(ivec2 p) {
    if (pc.init == 2) return vec2(0.0);
    const vec2 q = clamp((vec2(p) + 0.5) * 0.5 - 0.5, vec2(0.0), vec2(pc.inW - 1, pc.inH - 1));
    const ivec2 i = ivec2(floor(q));
    const vec2 f = q - vec2(i);
    const int x1 = min(i.x + 1, pc.inW - 1), y1 = min(i.y + 1, pc.inH - 1);
    const int base = int(gl_WorkGroupID.z) * pc.dirStride + pc.inOff;
    const vec2 a = flow[base + i.y * pc.inW + i.x], b = flow[base + i.y * pc.inW + x1];
    const vec2 c = flow[base + y1 * pc.inW + i.x], d = flow[base + y1 * pc.inW + x1];
    return 2.0 * mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}

void main() {
    const ivec2 origin = ivec2(gl_WorkGroupID.xy) * 16 - R;
    for (uint t = gl_LocalInvocationIndex; t < uint(T * T); t += 256u) {
        const ivec2 p = origin + ivec2(int(t) % T, int(t) / T);
        sI[t] = img(true, p.x, p.y);
        sGx[t] = 0.5 * (img(true, p.x + 1, p.y) - img(true, p.x - 1, p.y));
        sGy[t] = 0.5 * (img(true, p.x, p.y + 1) - img(true, p.x, p.y - 1));
    }
    barrier();
    const ivec2 l = ivec2(gl_LocalInvocationID.xy);
    const ivec2 p = ivec2(gl_GlobalInvocationID.xy);
    if (p.x >= pc.w || p.y >= pc.h) return;
    float gxx = pc.lambda, gxy = 0.0, gyy = pc.lambda;
    for (int j = 0; j <= 2 * R; ++j)
        for (int i = 0; i <= 2 * R; ++i) {
            const int t = (l.y + j) * T + l.x + i;
            gxx += sGx[t] * sGx[t];
            gxy += sGx[t] * sGy[t];
            gyy += sGy[t] * sGy[t];
        }
    const float det = max(gxx * gyy - gxy * gxy, 1e-6);
    vec2 u = startFlow(p);
    for (int k = 0; k < ITERATIONS; ++k) {
        float bx = 0.0, by = 0.0;
        for (int j = 0; j <= 2 * R; ++j)
            for (int i = 0; i <= 2 * R; ++i) {
                const int t = (l.y + j) * T + l.x + i;
                const float r = sI[t] - sampleI1(vec2(p + ivec2(i - R, j - R)) + u);
                bx += sGx[t] * r;
                by += sGy[t] * r;
            }
        vec2 du = vec2(gyy * bx - gxy * by, gxx * by - gxy * bx) / det;
        const float n = length(du);
        if (n > 1.0) du /= n;
        u += du;
        if (n < 0.01) break;
    }
    flow[int(gl_WorkGroupID.z) * pc.dirStride + pc.off + p.y * pc.w + p.x] = u;
}
