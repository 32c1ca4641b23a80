#version 450
// Device temporal stability, step 2: one level of the gray pyramid from the one below it: the
// binomial filter [1 3 3 1] / 8 per axis at stride 2 (a 2x2 mean aliases fine texture into
// patterns the coarse flow then follows), replicated borders.
layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, binding = 0) buffer PyrBuf { float pyr[]; };

layout(push_constant) uniform Push {
    int srcOff, srcW, srcH, dstOff, dstW, dstH;
} pc;

void main() {
    const int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    if (x >= pc.dstW || y >= pc.dstH) return;
    const float w[4] = float[4](0.125, 0.375, 0.375, 0.125);
    float s = 0.0;
    for (int j = 0; j < 4; ++j) {
        const int sy = clamp(2 * y - 1 + j, 0, pc.srcH - 1);
        float row = 0.0;
        for (int i = 0; i < 4; ++i) row += w[i] * pyr[pc.srcOff + sy * pc.srcW + clamp(2 * x - 1 + i, 0, pc.srcW - 1)];
        s += w[j] * row;
    }
    pyr[pc.dstOff + y * pc.dstW + x] = s;
}
