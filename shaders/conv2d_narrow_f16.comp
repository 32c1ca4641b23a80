#version 450
// Reflect pad + KxK conv (stride 1) + bias + activation for layers with few output channels (OC <= 8:
// the last 9x9 of the transfer network, 8 -> 3, sigmoid, and as a measured alternative the first,
// 3 -> 8), in packed fp16 arithmetic (f16vec2 fma: two pixels per instruction). conv2d.comp spends 4
// fp32 FMAs (one vec4 of output channels, the 4th padding) per pixel, tap and input channel there;
// this kernel spends OC / 2 instructions. Built for fp16 activations only (*_f16.comp).
// Same bindings, push constants and outputs as conv2d.comp (no upsample: the host picks this kernel
// only for layers without one): the activation, or with STATS the raw conv + bias and per-workgroup
// instance-norm partials (n, mean, M2) for norm_finalize.comp (the last layer has a norm, then the
// sigmoid in norm_apply). With IN_NORM the previous layer's norm (+ activation) is applied as the
// tile is loaded, as in conv2d.comp.
//
// Precision: products are summed in fp16 over FLUSH kernel rows (FLUSH * K taps of one input
// channel), then added to fp32 accumulators, so that fp16 rounding never compounds over the whole
// K x K x IC sum (docs/VULKAN.md, session 7).
//
// Tiling: a workgroup computes TW = LX * PX columns x TH = LY rows for all output channels; each
// invocation PX adjacent pixels of one row (PX even: PX / 2 pixel pairs). Input channels go through
// shared memory ICC at a time as fp16 pairs along x (uint), the weights as per-(ic, ky, kx) uvec4s
// that hold each output channel's weight twice (w, w), ready for f16vec2 fma.
//
// Shared-memory reads (session 13; Conv2dOp::candidates times the variants at reshape, and every
// variant sums the same products in the same order, so their conv outputs are bit-identical):
// - ROWPAD = 0: tile rows of TIW2 words, read a word at a time (the H200's measured default). With
//   PX = 4 the 16 lanes of a row read every other word, and the next row (TIW2 even) lands on the
//   same banks: every read takes two bank passes.
// - ROWPAD = 1: rows of TIW2 | 1 words, so the two rows of a subgroup fall on opposite banks.
// - VEC_TILE (built a second time as conv2d_narrow_f16_vec, for PX = 8): rows of uvec4 quads (8
//   pixels), read 16 bytes a lane; each quarter of a subgroup then reads 128 contiguous bytes. With 8
//   pixels an invocation reads 8 words per kernel row for 108 fma instead of 6 for 54.
// - PREFETCH: the next channel chunk's tile is loaded from global memory into registers before this
//   chunk's arithmetic and stored to shared memory after it, so its load latency hides behind the
//   arithmetic instead of stalling every subgroup at the chunk's start (the H200 ran variant 0 at
//   about 2.5 times what its instruction and bank counts predict).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;
layout(constant_id = 2) const uint K = 9;
layout(constant_id = 3) const uint PAD = 4;
layout(constant_id = 4) const uint IC = 8;
layout(constant_id = 5) const uint OC = 3;      // 1..8
layout(constant_id = 6) const uint ICC = 8;     // input channels per shared-memory chunk, divides IC
layout(constant_id = 7) const uint PX = 8;      // pixels per invocation, even
layout(constant_id = 8) const uint ACT = 0;     // 0 none, 1 relu, 2 sigmoid
layout(constant_id = 9) const bool IN_NORM = false;
layout(constant_id = 10) const uint IN_ACT = 0;
layout(constant_id = 11) const uint FLUSH = 1;  // kernel rows summed in fp16 before each fp32 add
layout(constant_id = 12) const bool STATS = false;
layout(constant_id = 13) const uint ROWPAD = 0;  // 1: odd row stride (see above; not with VEC_TILE)
layout(constant_id = 14) const bool PREFETCH = false;

const uint TW = gl_WorkGroupSize.x * PX;
const uint TH = gl_WorkGroupSize.y;
const uint TIH = TH + K - 1u;
const uint TIW2 = (TW + K) / 2u;           // tile row in x pairs: ceil((TW + K - 1) / 2)
const uint RW2 = (PX + K) / 2u;            // pairs one invocation reads per row
const uint NV = PX + K - 2u;               // distinct pixel pairs (x + j, x + j + 1) one row needs
const uint NQ = PX / 2u;
const uint NTHREADS = gl_WorkGroupSize.x * gl_WorkGroupSize.y;
const uint NW = (OC + 3u) / 4u;  // uvec4s of weights per tap (4 output channels each)
const uint NSUB = NTHREADS / 4u; // bound on the subgroups of a workgroup (subgroups have >= 4 lanes)
const uint TS = ROWPAD != 0u ? (TIW2 | 1u) : TIW2;  // words per tile row (scalar tile)
const uint RQ = (RW2 + 3u) / 4u;                   // quads one invocation reads per row (VEC_TILE)
const uint TQA = gl_WorkGroupSize.x + RQ - 1u, TQB = (TIW2 + 3u) / 4u;
const uint TQ = TQA > TQB ? TQA : TQB;  // quads per tile row (VEC_TILE): every read and every pair
#if VEC_TILE
#define TileItem uvec4
const uint ROW_ITEMS = TQ;    // quads of a tile row
#else
#define TileItem uint
const uint ROW_ITEMS = TIW2;  // pairs of a tile row
#endif
const uint TILE_ITEMS = ICC * TIH * ROW_ITEMS;
const uint PF = (TILE_ITEMS + NTHREADS - 1u) / NTHREADS;  // tile items per invocation

layout(std430, binding = 0) readonly buffer InBuf { float16_t inData[]; };
layout(std430, binding = 1) writeonly buffer OutBuf { float16_t outData[]; };
layout(std430, binding = 2) readonly buffer WBuf { uvec4 weights[]; };  // [IC][K][K][NW] x 4 oc, (w, w) each
layout(std430, binding = 3) readonly buffer BBuf { vec4 bias[]; };      // [NW]
layout(std430, binding = 4) writeonly buffer PBuf { vec4 partials[]; }; // [OC][numTiles] (n, mean, M2, 0)
layout(std430, binding = 5) readonly buffer NBuf { vec2 inScaleShift[]; };  // [IC], with IN_NORM

layout(push_constant) uniform Push {
    int inW, inH, outW, outH;
    int tilesX, numTiles;
} pc;

#if VEC_TILE
shared uvec4 tileIn[ICC * TIH * TQ];  // 4 f16vec2 pairs along x
#else
shared uint tileIn[ICC * TIH * TS];  // f16vec2 pairs along x
#endif
shared uvec4 tileW[ICC * K * K * NW];
shared vec4 red[NW * NSUB];  // [group of 4 channels][subgroup]
shared vec4 meanSh[NW];

float16_t loadIn(uint c, int y, int x, uint inPlane) {
    const float16_t v = inData[c * inPlane + uint(y * pc.inW + x)];
    if (!IN_NORM) return v;
    const vec2 ss = inScaleShift[c];
    return float16_t(activate(float(v) * ss.x + ss.y, IN_ACT));
}

// The pixel pair (x, x + 1) of channel c, input row y, packed.
uint loadPair(uint c, int y, int x, uint inPlane) {
    return packFloat2x16(
        f16vec2(loadIn(c, y, reflectIndex(x, pc.inW), inPlane), loadIn(c, y, reflectIndex(x + 1, pc.inW), inPlane)));
}

// Tile item i of channel chunk c0 (a pair, or with VEC_TILE a quad of pairs), the norm applied.
TileItem loadItem(uint c0, uint i, int ix0, int iy0, uint inPlane) {
    const uint c = i / (TIH * ROW_ITEMS), r = i % (TIH * ROW_ITEMS);
    const int y = reflectIndex(iy0 + int(r / ROW_ITEMS), pc.inH);
#if VEC_TILE
    const int x = ix0 + int(r % ROW_ITEMS) * 8;
    return uvec4(loadPair(c0 + c, y, x, inPlane), loadPair(c0 + c, y, x + 2, inPlane),
                 loadPair(c0 + c, y, x + 4, inPlane), loadPair(c0 + c, y, x + 6, inPlane));
#else
    return loadPair(c0 + c, y, ix0 + int(r % ROW_ITEMS) * 2, inPlane);
#endif
}

void storeItem(uint i, TileItem v) {
#if VEC_TILE
    tileIn[i] = v;
#else
    tileIn[(i / TIW2) * TS + i % TIW2] = v;  // (c * TIH + row) * TS + pair
#endif
}

// Channel chunk c0's tile: ICC channels x TIH rows x the row's items.
void loadTile(uint c0, uint lid, int ix0, int iy0, uint inPlane) {
    for (uint i = lid; i < TILE_ITEMS; i += NTHREADS) storeItem(i, loadItem(c0, i, ix0, iy0, inPlane));
}

// PREFETCH: this invocation's items of chunk c0's tile, into registers.
void fetchTile(uint c0, uint lid, int ix0, int iy0, uint inPlane, inout TileItem pf[PF]) {
    [[unroll]] for (uint k = 0; k < PF; ++k) {
        const uint i = k * NTHREADS + lid;
        if (i < TILE_ITEMS) pf[k] = loadItem(c0, i, ix0, iy0, inPlane);
    }
}

// The RW2 pairs an invocation reads from tile row `row` of chunk channel c (its pixels and the taps
// right of them), as fp16 pairs.
void readRow(uint c, uint row, uint lx, out f16vec2 r[RW2]) {
#if VEC_TILE
    const uint base = (c * TIH + row) * TQ + lx;  // PX = 8: an invocation's first pair is quad-aligned
    [[unroll]] for (uint m = 0; m < RQ; ++m) {
        const uvec4 q = tileIn[base + m];
        [[unroll]] for (uint e = 0; e < 4u; ++e)
            if (4u * m + e < RW2) r[4u * m + e] = unpackFloat2x16(q[e]);
    }
#else
    const uint base = (c * TIH + row) * TS + lx * NQ;
    [[unroll]] for (uint j = 0; j < RW2; ++j) r[j] = unpackFloat2x16(tileIn[base + j]);
#endif
}

void main() {
    const uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    const uint lid = gl_LocalInvocationIndex;
    const int ox0 = int(gl_WorkGroupID.x * TW), oy0 = int(gl_WorkGroupID.y * TH);
    const int ix0 = ox0 - int(PAD), iy0 = oy0 - int(PAD);
    const uint inPlane = uint(pc.inW * pc.inH);
    float acc[PX][OC];
    [[unroll]] for (uint p = 0; p < PX; ++p)
        [[unroll]] for (uint o = 0; o < OC; ++o) acc[p][o] = bias[o / 4u][o % 4u];
    f16vec2 part[NQ][OC];

    TileItem pf[PF];
    if (PREFETCH) fetchTile(0u, lid, ix0, iy0, inPlane, pf);
    for (uint c0 = 0; c0 < IC; c0 += ICC) {
        if (PREFETCH) {
            [[unroll]] for (uint k = 0; k < PF; ++k) {
                const uint i = k * NTHREADS + lid;
                if (i < TILE_ITEMS) storeItem(i, pf[k]);
            }
        } else {
            loadTile(c0, lid, ix0, iy0, inPlane);
        }
        for (uint i = lid; i < ICC * K * K * NW; i += NTHREADS) tileW[i] = weights[c0 * K * K * NW + i];
        barrier();
        if (PREFETCH && c0 + ICC < IC) fetchTile(c0 + ICC, lid, ix0, iy0, inPlane, pf);  // in flight meanwhile
        for (uint c = 0; c < ICC; ++c) {
            [[unroll]] for (uint ky = 0; ky < K; ++ky) {
                if (ky % FLUSH == 0u) {
                    [[unroll]] for (uint q = 0; q < NQ; ++q)
                        [[unroll]] for (uint o = 0; o < OC; ++o) part[q][o] = f16vec2(0.0);
                }
                f16vec2 r[RW2];
                readRow(c, ly + ky, lx, r);
                f16vec2 v[NV];  // v[j] = (x + j, x + j + 1)
                [[unroll]] for (uint j = 0; j < NV; ++j) {
                    if ((j & 1u) == 0u) v[j] = r[j / 2u];
                    else v[j] = f16vec2(r[j / 2u].y, r[j / 2u + 1u].x);
                }
                [[unroll]] for (uint kx = 0; kx < K; ++kx) {
                    [[unroll]] for (uint g = 0; g < NW; ++g) {
                        const uvec4 w = tileW[((c * K + ky) * K + kx) * NW + g];
                        [[unroll]] for (uint e = 0; e < 4u; ++e) {
                            const uint o = 4u * g + e;
                            if (o >= OC) break;
                            const f16vec2 wo = unpackFloat2x16(w[e]);
                            [[unroll]] for (uint q = 0; q < NQ; ++q) part[q][o] = fma(v[2u * q + kx], wo, part[q][o]);
                        }
                    }
                }
                if (ky % FLUSH == FLUSH - 1u || ky == K - 1u) {
                    [[unroll]] for (uint q = 0; q < NQ; ++q)
                        [[unroll]] for (uint o = 0; o < OC; ++o) {
                            const vec2 s = vec2(part[q][o]);
                            acc[2u * q][o] += s.x;
                            acc[2u * q + 1u][o] += s.y;
                        }
                }
            }
        }
        barrier();
    }

    const int oy = oy0 + int(ly);
    const uint outPlane = uint(pc.outW * pc.outH);
    if (oy < pc.outH) {
        [[unroll]] for (uint p = 0; p < PX; ++p) {
            const int ox = ox0 + int(lx * PX + p);
            if (ox >= pc.outW) break;
            [[unroll]] for (uint o = 0; o < OC; ++o) {
                const float v = STATS ? acc[p][o] : activate(acc[p][o], ACT);
                outData[o * outPlane + uint(oy * pc.outW + ox)] = float16_t(v);
            }
        }
    }

    if (STATS) {
        // Per tile and channel, as in conv2d.comp: the mean, then the sum of squared deviations, each
        // reduced with subgroupAdd and then across subgroups in shared memory; 4 channels a vec4.
        const int nx = min(int(TW), pc.outW - ox0), ny = min(int(TH), pc.outH - oy0);
        const float n = float(nx * ny);
        const bool rowIn = oy < pc.outH;
        [[unroll]] for (uint g = 0; g < NW; ++g) {
            vec4 s = vec4(0.0);
            [[unroll]] for (uint p = 0; p < PX; ++p)
                if (ox0 + int(lx * PX + p) < pc.outW && rowIn)
                    [[unroll]] for (uint e = 0; e < 4u; ++e)
                        if (4u * g + e < OC) s[e] += acc[p][4u * g + e];
            s = subgroupAdd(s);
            if (subgroupElect()) red[g * NSUB + gl_SubgroupID] = s;
        }
        barrier();
        if (lid < NW) {
            vec4 t = vec4(0.0);
            for (uint i = 0; i < gl_NumSubgroups; ++i) t += red[lid * NSUB + i];
            meanSh[lid] = t / n;
        }
        barrier();
        vec4 m[NW];
        [[unroll]] for (uint g = 0; g < NW; ++g) {
            m[g] = meanSh[g];
            vec4 s = vec4(0.0);
            [[unroll]] for (uint p = 0; p < PX; ++p)
                if (ox0 + int(lx * PX + p) < pc.outW && rowIn)
                    [[unroll]] for (uint e = 0; e < 4u; ++e)
                        if (4u * g + e < OC) {
                            const float d = acc[p][4u * g + e] - m[g][e];
                            s[e] += d * d;
                        }
            s = subgroupAdd(s);
            // The first sums were read (by invocations < NW) before the barrier above.
            if (subgroupElect()) red[g * NSUB + gl_SubgroupID] = s;
        }
        barrier();
        if (lid < NW) {
            vec4 m2 = vec4(0.0);
            for (uint i = 0; i < gl_NumSubgroups; ++i) m2 += red[lid * NSUB + i];
            const uint tile = gl_WorkGroupID.y * uint(pc.tilesX) + gl_WorkGroupID.x;
            [[unroll]] for (uint e = 0; e < 4u; ++e) {
                const uint o = 4u * lid + e;
                if (o < OC) partials[o * uint(pc.numTiles) + tile] = vec4(n, m[lid][e], m2[e], 0.0);
            }
        }
    }
}
