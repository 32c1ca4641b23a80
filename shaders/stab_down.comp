#version 450
// Device temporal stability, step 2: one level of the gray pyramid from the one below it (the mean
// of 2x2 blocks; an odd last row or column repeats the edge).
layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) buffer PyrBuf { float pyr[]; };

layout(push_constant) uniform Push {
    int srcOff, srcW, srcH, dstOff, dstW, dstH;
} pc;

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (x >= pc.dstW || y >= pc.dstH) return;
    const int x0 = 2 * x, y0 = 2 * y, x1 = min(x0 + 1, pc.srcW - 1), y1 = min(y0 + 1, pc.srcH - 1);
    const float s = pyr[pc.srcOff + y0 * pc.srcW + x0] + pyr[pc.srcOff + y0 * pc.srcW + x1] +
                    pyr[pc.srcOff + y1 * pc.srcW + x0] + pyr[pc.srcOff + y1 * pc.srcW + x1];
    pyr[pc.dstOff + y * pc.dstW + x] = 0.25 * s;
}
