#version 450
// Instance-norm statistics: one workgroup per channel combines the per-tile (n, mean, M2) partials
// of conv2d.comp (Chan et al. parallel variance: no E[x^2]-E[x]^2 cancellation), then writes
// scale = gamma * rsqrt(var + eps) and shift = beta - mean * scale.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer PBuf { vec4 partials[]; };
layout(std430, binding = 1) readonly buffer GBuf { float gammaBeta[]; };  // gamma[C], beta[C]
layout(std430, binding = 2) writeonly buffer SBuf { vec2 scaleShift[]; };

layout(push_constant) uniform Push {
    int numTiles, channels;
    float epsilon;
    int pad0;
} pc;

shared vec3 sh[gl_WorkGroupSize.x];

void main() {
    const uint c = gl_WorkGroupID.x, lid = gl_LocalInvocationID.x;
    vec3 acc = vec3(0.0);
    for (uint i = lid; i < uint(pc.numTiles); i += gl_WorkGroupSize.x)
        acc = combineStats(acc, partials[c * uint(pc.numTiles) + i].xyz);
    sh[lid] = acc;
    barrier();
    for (uint half_ = gl_WorkGroupSize.x / 2u; half_ > 0u; half_ >>= 1) {
        if (lid < half_) sh[lid] = combineStats(sh[lid], sh[lid + half_]);
        barrier();
    }
    if (lid == 0u) {
        vec3 t = sh[0];
        float var = t.z / t.x;
        float gamma = gammaBeta[c], beta = gammaBeta[uint(pc.channels) + c];
        float scale = gamma * inversesqrt(var + pc.epsilon);
        scaleShift[c] = vec2(scale, beta - t.y * scale);
    }
}
