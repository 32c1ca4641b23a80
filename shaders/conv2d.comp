#version 450
// Fused [nearest 2x upsample] + reflect pad + conv KxK stride S + bias, and then either the
// activation (layers without norm) or per-workgroup instance-norm statistics (n, mean, M2) of the
// fp32 results, reduced with subgroup ops, for norm_finalize.comp. With IN_NORM the previous
// layer's instance norm (+ ReLU) is applied to the input as it is loaded (no norm_apply pass).
// Tiling: a workgroup computes TW x TH output pixels for OCB output channels; each invocation PX
// adjacent pixels x OCB channels. Input channels go through shared memory ICC at a time, with the
// matching weights ([ic][ky][kx][OCB] vec4s); each input row segment is read once per (ic, ky)
// into registers and reused across kx.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;
layout(constant_id = 2) const uint K = 3;
layout(constant_id = 3) const uint S = 1;
layout(constant_id = 4) const uint PAD = 1;
layout(constant_id = 5) const uint IC = 8;
layout(constant_id = 6) const uint OC = 8;
layout(constant_id = 7) const uint OCB4 = 2;   // output channels per invocation / 4
layout(constant_id = 8) const uint ICC = 8;    // input channels per shared-memory chunk, divides IC
layout(constant_id = 9) const uint PX = 2;
layout(constant_id = 10) const bool UPSAMPLE = false;
layout(constant_id = 11) const uint ACT = 0;   // 0 none, 1 relu, 2 sigmoid; only without STATS
layout(constant_id = 12) const bool STATS = false;
layout(constant_id = 13) const bool IN_NORM = false;  // the input is the previous layer's raw conv output:
layout(constant_id = 14) const uint IN_ACT = 0;       // apply its instance norm (+ activation) on load

const uint TW = gl_WorkGroupSize.x * PX;
const uint TH = gl_WorkGroupSize.y;
const uint TIW = (TW - 1u) * S + K;
const uint TIH = (TH - 1u) * S + K;
const uint ROWN = (PX - 1u) * S + K;
const uint NTHREADS = gl_WorkGroupSize.x * gl_WorkGroupSize.y;

layout(std430, binding = 0) readonly buffer InBuf { act_t inData[]; };
layout(std430, binding = 1) writeonly buffer OutBuf { act_t outData[]; };
layout(std430, binding = 2) readonly buffer WBuf { vec4 weights[]; };  // [group][IC][K][K][OCB4]
layout(std430, binding = 3) readonly buffer BBuf { vec4 bias[]; };     // [group][OCB4]
layout(std430, binding = 4) writeonly buffer PBuf { vec4 partials[]; };// [OC][numTiles] (n,mean,M2,0)
layout(std430, binding = 5) readonly buffer NBuf { vec2 inScaleShift[]; };  // [IC], with IN_NORM

layout(push_constant) uniform Push {
    int inW, inH, outW, outH;  // stored input size (before upsampling) and output size
    int tilesX, numTiles;
} pc;

shared float tileIn[ICC * TIH * TIW];
shared vec4 tileW[ICC * K * K * OCB4];
shared vec4 red[NTHREADS / 4u * OCB4];  // one slot per subgroup (subgroups have >= 4 lanes)
shared vec4 meanSh[OCB4];

void main() {
    const uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    const uint lid = gl_LocalInvocationIndex;
    const uint group = gl_WorkGroupID.z;
    const int ox0 = int(gl_WorkGroupID.x * TW), oy0 = int(gl_WorkGroupID.y * TH);
    const int eW = UPSAMPLE ? pc.inW * 2 : pc.inW;
    const int eH = UPSAMPLE ? pc.inH * 2 : pc.inH;
    const int ix0 = ox0 * int(S) - int(PAD), iy0 = oy0 * int(S) - int(PAD);
    const uint inPlane = uint(pc.inW * pc.inH);

    vec4 acc[PX][OCB4];
    for (uint o = 0; o < OCB4; ++o) {
        vec4 b = bias[group * OCB4 + o];
        for (uint p = 0; p < PX; ++p) acc[p][o] = b;
    }

    for (uint c0 = 0; c0 < IC; c0 += ICC) {
        for (uint i = lid; i < ICC * TIH * TIW; i += NTHREADS) {
            uint c = i / (TIH * TIW), r = i % (TIH * TIW);
            int y = reflectIndex(iy0 + int(r / TIW), eH);
            int x = reflectIndex(ix0 + int(r % TIW), eW);
            if (UPSAMPLE) { x >>= 1; y >>= 1; }
            float v = float(inData[(c0 + c) * inPlane + uint(y * pc.inW + x)]);
            if (IN_NORM) {
                const vec2 ss = inScaleShift[c0 + c];
                v = activate(v * ss.x + ss.y, IN_ACT);
            }
            tileIn[i] = v;
        }
        const uint wBase = (group * IC + c0) * K * K * OCB4;
        for (uint i = lid; i < ICC * K * K * OCB4; i += NTHREADS) tileW[i] = weights[wBase + i];
        barrier();
        for (uint c = 0; c < ICC; ++c) {
            for (uint ky = 0; ky < K; ++ky) {
                float row[ROWN];
                const uint base = (c * TIH + ly * S + ky) * TIW + lx * PX * S;
                for (uint j = 0; j < ROWN; ++j) row[j] = tileIn[base + j];
                for (uint kx = 0; kx < K; ++kx) {
                    for (uint o = 0; o < OCB4; ++o) {
                        vec4 w = tileW[((c * K + ky) * K + kx) * OCB4 + o];
                        for (uint p = 0; p < PX; ++p) acc[p][o] += row[p * S + kx] * w;
                    }
                }
            }
        }
        barrier();
    }

    const int oy = oy0 + int(ly);
    const uint outPlane = uint(pc.outW * pc.outH);
    for (uint p = 0; p < PX; ++p) {
        const int ox = ox0 + int(lx * PX + p);
        if (ox >= pc.outW || oy >= pc.outH) continue;
        for (uint o = 0; o < OCB4; ++o) {
            for (uint k = 0; k < 4u; ++k) {
                uint oc = (group * OCB4 + o) * 4u + k;
                if (oc >= OC) continue;
                float v = acc[p][o][k];
                if (!STATS) v = activate(v, ACT);
                outData[oc * outPlane + uint(oy * pc.outW + ox)] = act_t(v);
            }
        }
    }

    if (STATS) {
        // Per-tile (n, mean, M2) in fp32: two passes over the registers, each reduced with
        // subgroupAdd and then across subgroups in shared memory. norm_finalize combines tiles.
        const int nx = min(int(TW), pc.outW - ox0), ny = min(int(TH), pc.outH - oy0);
        const float n = float(nx * ny);
        vec4 s[OCB4];
        for (uint o = 0; o < OCB4; ++o) {
            s[o] = vec4(0.0);
            for (uint p = 0; p < PX; ++p)
                if (ox0 + int(lx * PX + p) < pc.outW && oy < pc.outH) s[o] += acc[p][o];
            s[o] = subgroupAdd(s[o]);
        }
        if (subgroupElect())
            for (uint o = 0; o < OCB4; ++o) red[gl_SubgroupID * OCB4 + o] = s[o];
        barrier();
        if (lid < OCB4) {
            vec4 t = vec4(0.0);
            for (uint i = 0; i < gl_NumSubgroups; ++i) t += red[i * OCB4 + lid];
            meanSh[lid] = t / n;
        }
        barrier();
        for (uint o = 0; o < OCB4; ++o) {
            vec4 m = meanSh[o];
            s[o] = vec4(0.0);
            for (uint p = 0; p < PX; ++p) {
                if (ox0 + int(lx * PX + p) < pc.outW && oy < pc.outH) {
                    vec4 d = acc[p][o] - m;
                    s[o] += d * d;
                }
            }
            s[o] = subgroupAdd(s[o]);
        }
        if (subgroupElect())
            for (uint o = 0; o < OCB4; ++o) red[gl_SubgroupID * OCB4 + o] = s[o];
        barrier();
        if (lid < OCB4) {
            vec4 m2 = vec4(0.0);
            for (uint i = 0; i < gl_NumSubgroups; ++i) m2 += red[i * OCB4 + lid];
            const vec4 m = meanSh[lid];
            const uint tile = gl_WorkGroupID.y * uint(pc.tilesX) + gl_WorkGroupID.x;
            for (uint k = 0; k < 4u; ++k) {
                uint oc = (group * OCB4 + lid) * 4u + k;
                if (oc < OC) partials[oc * uint(pc.numTiles) + tile] = vec4(n, m[k], m2[k], 0.0);
            }
        }
    }
}
