#version 450
// Tensor-core variant of conv2d.comp (same bindings, push constants and outputs): an implicit-GEMM
// convolution on cooperative matrices, fp16 operands, fp32 accumulation. M = output pixels (runs
// of 16 along a row), N = output channels (padded to 16), K = ky x (kx, input channel).
// Built for fp16 activations only (shaders/CMakeLists.txt skips the fp32 variant of *_coopmat).
//
// A workgroup computes TH rows x TW columns of output pixels for all output channels:
// 1. The input tile ((TH-1)*S+K rows x (TW-1)*S+K(+1) columns, [upsample] + reflect pad as index
//    math) goes into shared memory pixel-major: every pixel holds ICP channels (IC zero-padded to
//    8, 16 or 32) at a pixel stride PS. With ICP = 8, PS = 8 and one 16-wide K chunk spans two
//    adjacent kx taps; wider pixels get 8 elements of padding so that the 16 rows of a matrix load
//    fall into different shared-memory banks.
// 2. For each ky and each 16-wide K chunk, every subgroup loads its A matrices (16 pixels x 16 K)
//    straight from the tile (row stride S*PS) and B (16 K x 16 channels) from the packed weights
//    ([ky][KSPAN][OCP] fp16, zero rows for padded channels and taps), and multiply-accumulates.
// 3. The accumulators go to shared memory ([oc][pixel], fp32; with ACC_ALIAS over the tile); then
//    bias, and either the activation or per-tile instance-norm statistics (n, mean, M2: two passes over shared memory),
//    and the fp16 stores to the planar output.
// Three packings cut the zero padding of narrow layers (all default off = the plain kernel above):
// - G > 1 taps per entry (few input channels, the first 9x9: IC = 3): each tile entry holds the
//   input at G horizontally adjacent taps x IC channels (G * IC <= 16, ICP = 16), so one 16-wide K
//   chunk covers G taps instead of one 8-channel pixel padded from 3.
// - P > 1 output pixels per matrix row (few output channels: the last 9x9, OC = 3): matrix row i
//   computes pixels x + P*i .. x + P*i + P-1, N = (dx, oc) = P * OC <= 16 columns, K = the
//   T = K + P - 1 taps those pixels share; the weights hold each dx's kernel shifted by dx.
// - SUB: nearest 2x upsample + 3x3 conv as four 2x2 convolutions on the low-resolution input, one
//   per output parity (py, px), with the 3x3 taps summed into 2x2 (reflect padding of the
//   upsampled image = edge clamp of the low-resolution one for a 3x3 kernel with pad 1).
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_NV_cooperative_matrix : require
#extension GL_EXT_control_flow_attributes : require
#if ACC_ALIAS  // built a second time as conv2d_coopmat_alias (shaders/CMakeLists.txt)
#extension GL_EXT_shared_memory_block : require
#endif
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = 1) const uint TW = 32;     // output tile width, a multiple of 16
layout(constant_id = 2) const uint TH = 4;      // output tile rows
layout(constant_id = 3) const uint K = 3;
layout(constant_id = 4) const uint S = 1;
layout(constant_id = 5) const uint PAD = 1;
layout(constant_id = 6) const uint IC = 32;
layout(constant_id = 7) const uint OC = 32;
layout(constant_id = 8) const uint ICP = 32;    // channels per pixel in the tile: 8, 16 or 32
layout(constant_id = 9) const uint NT = 2;      // 16-channel output tiles (OCP = 16 * NT)
layout(constant_id = 10) const bool UPSAMPLE = false;
layout(constant_id = 11) const uint ACT = 0;    // 0 none, 1 relu, 2 sigmoid; only without STATS
layout(constant_id = 12) const bool STATS = false;
layout(constant_id = 13) const uint NSG = 4;    // subgroups per workgroup (local_size_x / subgroup size)
layout(constant_id = 14) const bool IN_NORM = false;  // as in conv2d.comp: the previous layer's
layout(constant_id = 15) const uint IN_ACT = 0;       // instance norm (+ activation) applied on load
layout(constant_id = 16) const uint G = 1;       // taps per tile entry (see above)
layout(constant_id = 17) const uint P = 1;       // output pixels per matrix row (S = 1 only)
layout(constant_id = 18) const bool SUB = false; // sub-pixel 2x upsample (with UPSAMPLE, K = 3, PAD = 1)
layout(constant_id = 19) const uint PSX = 0;     // tile entry stride override (0: the default below)
layout(constant_id = 20) const bool LOADE = true;   // tile load: one entry (all its values) per invocation
// Session 11 (PASTICHE_VK_CM_TUNE; registers bound the residual convs to 3 workgroups an SM on the
// H200: 134-164 a thread): bit 0 the entry-load loop is not unrolled, bit 1 the store loop is not
// unrolled, bit 2 the vector epilogue (vecEpilogue below, plain layers only), bit 3 its loop not
// unrolled.
layout(constant_id = 21) const uint TUNE = 0;

const uint OCP = NT * 16u;
const uint PS = PSX != 0u ? PSX : (ICP == 8u ? 8u : ICP + 8u);
const uint SF = SUB ? 2u : 1u;             // output parities per axis
const uint KK = SUB ? 2u : K;              // taps per axis of the (per-parity) kernel
const uint GW = TW / SF, GH = TH / SF;     // matrix-row grid of one parity
const uint T = KK + P - 1u;                // taps per matrix row and ky
const uint KSPAN = G > 1u ? (T + G - 1u) / G * 16u : (T * ICP + 15u) / 16u * 16u;  // K per ky
const uint KCHUNKS = KSPAN / 16u;
const uint EXTRA = G > 1u ? 0u : (KSPAN - T * ICP + ICP - 1u) / ICP;  // tap columns read past the last
const uint TIW = G > 1u ? (GW - P) * S + (KCHUNKS - 1u) * G + 1u + SF - 1u : (GW - P) * S + T + EXTRA + SF - 1u;
const uint TIH = (GH - 1u) * S + KK + SF - 1u;
const uint TP = TW * TH;
const uint MROWS = TP / P;                 // matrix rows of the workgroup
const uint MTILES = MROWS / 16u;
const uint RUNS = GW / (16u * P);          // 16-row matrix tiles per grid row
const uint MTP = GH * RUNS;                // matrix tiles per parity
const uint MPS = MTILES / NSG;  // 16-row tiles per subgroup
const uint NTHREADS = gl_WorkGroupSize.x;
const uint LOAD_ITERS = (ICP * TIH * TIW + NTHREADS - 1u) / NTHREADS;
const uint STORE_ITERS = (OC * TP + NTHREADS - 1u) / NTHREADS;

layout(std430, binding = 0) readonly buffer InBuf { float16_t inData[]; };
layout(std430, binding = 1) writeonly buffer OutBuf { float16_t outData[]; };
layout(std430, binding = 1) writeonly buffer OutBuf4 { f16vec4 outData4[]; };  // the same, 4 pixels a word
layout(std430, binding = 2) readonly buffer WBuf { float16_t weights[]; };  // [SF*SF][KK][KSPAN][OCP]
layout(std430, binding = 3) readonly buffer BBuf { float bias[]; };         // [OCP]
layout(std430, binding = 4) writeonly buffer PBuf { vec4 partials[]; };     // [OC][numTiles]
layout(std430, binding = 5) readonly buffer NBuf { vec2 inScaleShift[]; };  // [IC], with IN_NORM

layout(push_constant) uniform Push {
    int inW, inH, outW, outH;
    int tilesX, numTiles;
} pc;

#if ACC_ALIAS
// The fp32 accumulators are staged in the input tile's shared memory, which is free once every
// subgroup's last matrix load is done (the barrier before the stores): max(tile, staging) instead of
// their sum, 30 -> 16 KB a workgroup for the residual convs, so more workgroups fit on an SM. Two
// shared blocks alias each other (GL_EXT_shared_memory_block; VK_KHR_workgroup_memory_explicit_layout,
// SPIR-V 1.4): both keep their own element type. (Staging fp16 accumulators over the fp16 tile
// through an fcoopmatNV<32> -> <16> conversion was tried first: wrong results on the H200, -3 to 24
// dB, session 7.)
shared TileBlock { float16_t tileIn[TIH * TIW * PS]; };
shared AccBlock { float outTile[OCP * MROWS]; };
shared AccBlock4 { vec4 outTile4[OCP * MROWS / 4u]; };  // its 16-byte view (vecEpilogue)
shared StatBlock { vec4 statSh[OCP * 4u]; };           // over the staging once it has been read
#else
shared float16_t tileIn[TIH * TIW * PS];
shared float outTile[OCP * MROWS];
shared vec4 statSh[OCP * 4u];
#endif

// The vector epilogue: plain layers (no pixel packing, no sub-pixel), 16-byte staging reads,
// 8-byte stores of 4 pixels of one channel, and the norm statistics taken per subgroup in the same
// pass (every subgroup holds 32 quads of one channel: TP / 4 is a multiple of 32; subgroups of 32),
// with Chan's formula over the subgroups of a channel. Widths that are multiples of 4 only (a quad
// is then wholly in or out of the image). A function, not a spec-constant expression: glslang 12
// emitted that chain of && as an OpSpecConstantOp with undefined operands (spirv-val fails).
bool vecEpilogueFits() {
    bool fits = (TUNE & 4u) != 0u;
    fits = fits && P == 1u;
    fits = fits && !SUB;
    fits = fits && TP % 128u == 0u && TP <= 512u;
    return fits && gl_SubgroupSize == 32u && (pc.outW & 3) == 0;
}

vec4 stagedQuad(uint a) {
#if ACC_ALIAS
    return outTile4[a / 4u];
#else
    return vec4(outTile[a], outTile[a + 1u], outTile[a + 2u], outTile[a + 3u]);
#endif
}

// Quad item `it` of this invocation: bias, store, and its subgroup's statistics into lane it's `mine`.
void vecItem(uint it, uint lid, int ox0, int oy0, uint outPlane, uint lane, inout vec3 mine) {
    const uint Q = TP / 4u, ITEMS = OC * Q;
    const uint i = it * NTHREADS + lid;
    if (i >= ITEMS) return;  // whole subgroups: ITEMS is a multiple of 32
    const uint oc = i / Q, p = (i % Q) * 4u;
    const int ox = ox0 + int(p % TW), oy = oy0 + int(p / TW);
    const vec4 v = stagedQuad(oc * MROWS + p) + vec4(bias[oc]);
    const bool inside = ox < pc.outW && oy < pc.outH;
    if (inside) {
        const vec4 o = STATS ? v : vec4(activate(v.x, ACT), activate(v.y, ACT), activate(v.z, ACT), activate(v.w, ACT));
        outData4[(oc * outPlane + uint(oy * pc.outW + ox)) / 4u] = f16vec4(o);
    }
    if (STATS) {
        const float n = subgroupAdd(inside ? 4.0 : 0.0);
        const float sum = subgroupAdd(inside ? v.x + v.y + v.z + v.w : 0.0);
        const float mean = n > 0.0 ? sum / n : 0.0;
        const vec4 d = v - vec4(mean);
        const float m2 = subgroupAdd(inside ? dot(d, d) : 0.0);
        if (lane == it) mine = vec3(n, mean, m2);
    }
}

void vecEpilogue(uint lid, int ox0, int oy0) {
    const uint Q = TP / 4u, ITEMS = OC * Q, ITERS = (ITEMS + NTHREADS - 1u) / NTHREADS, CH = Q / 32u;
    const uint outPlane = uint(pc.outW * pc.outH), lane = gl_SubgroupInvocationID;
    vec3 mine = vec3(0.0);  // lane k keeps its subgroup's statistics of iteration k
    if ((TUNE & 8u) != 0u) {
        [[dont_unroll]] for (uint it = 0; it < ITERS; ++it) vecItem(it, lid, ox0, oy0, outPlane, lane, mine);
    } else {
        [[unroll]] for (uint it = 0; it < ITERS; ++it) vecItem(it, lid, ox0, oy0, outPlane, lane, mine);
    }
    if (!STATS) return;
    barrier();  // every subgroup is done reading the staging that statSh overlays
    const uint sgBase = lid - lane;  // first invocation of this subgroup
    if (lane < ITERS && lane * NTHREADS + sgBase < ITEMS) {
        const uint i = lane * NTHREADS + sgBase;
        statSh[(i / Q) * CH + (i % Q) / 32u] = vec4(mine, 0.0);
    }
    barrier();
    const uint tile = gl_WorkGroupID.y * uint(pc.tilesX) + gl_WorkGroupID.x;
    for (uint oc = lid; oc < OC; oc += NTHREADS) {
        vec3 s = statSh[oc * CH].xyz;
        for (uint c = 1u; c < CH; ++c) s = combineStats(s, statSh[oc * CH + c].xyz);
        partials[oc * uint(pc.numTiles) + tile] = vec4(s, 0.0);
    }
}

// Where output channel oc of tile pixel p (row-major TW x TH) sits in outTile ([n][MROWS]).
uint accIndex(uint oc, uint p) {
    uint lx = p % TW, ly = p / TW, par = 0u;
    if (SUB) {
        par = (ly & 1u) * 2u + (lx & 1u);
        lx >>= 1;
        ly >>= 1;
    }
    const uint mt = par * MTP + ly * RUNS + lx / (16u * P), r = lx % (16u * P);
    return (P > 1u ? (r % P) * OC + oc : oc) * MROWS + mt * 16u + r / P;
}

// One tile entry (all its ICP values): the index math (and reflection) once per pixel/tap, then ICP
// loads at constant plane offsets; neighbouring invocations read neighbouring pixels.
void loadEntry(uint n, int ix0, int iy0, int eW, int eH, uint inPlane) {
    const uint ty = n / TIW, tx = n % TIW;
    int y;
    if (SUB) y = clamp(iy0 + int(ty), 0, pc.inH - 1);
    else y = reflectIndex(iy0 + int(ty), eH) >> (UPSAMPLE ? 1 : 0);
    uint row[G];
    [[unroll]] for (uint g = 0; g < G; ++g) {
        int x;
        if (SUB) x = clamp(ix0 + int(tx), 0, pc.inW - 1);
        else x = reflectIndex(ix0 + int(tx + g), eW) >> (UPSAMPLE ? 1 : 0);
        row[g] = uint(y * pc.inW + x);
    }
    [[unroll]] for (uint e = 0; e < ICP; ++e) {
        const uint g = G > 1u ? e / IC : 0u, c = G > 1u ? e % IC : e;
        float16_t v = float16_t(0.0);
        if (c < IC && g < G) {
            if (IN_NORM) {
                const vec2 ss = inScaleShift[c];
                v = float16_t(activate(float(inData[c * inPlane + row[g]]) * ss.x + ss.y, IN_ACT));
            } else {
                v = inData[c * inPlane + row[g]];
            }
        }
        tileIn[n * PS + e] = v;
    }
}

// Bias, then the activation or (with STATS) the biased value back into the staging for the
// statistics, and the fp16 store of output value i ([oc][tile pixel]).
void storeItem(uint i, int ox0, int oy0) {
    const uint outPlane = uint(pc.outW * pc.outH);
    const uint oc = i / TP, p = i % TP;
    const int ox = ox0 + int(p % TW), oy = oy0 + int(p / TW);
    const uint a = accIndex(oc, p);
    const float v = outTile[a] + bias[oc];
    if (STATS) outTile[a] = v;
    if (ox < pc.outW && oy < pc.outH)
        outData[oc * outPlane + uint(oy * pc.outW + ox)] = float16_t(STATS ? v : activate(v, ACT));
}

void main() {
    const uint lid = gl_LocalInvocationID.x;
    const int ox0 = int(gl_WorkGroupID.x * TW), oy0 = int(gl_WorkGroupID.y * TH);
    const int eW = UPSAMPLE ? pc.inW * 2 : pc.inW;
    const int eH = UPSAMPLE ? pc.inH * 2 : pc.inH;
    // Tile origin: in the (upsampled) input, or with SUB in the low-resolution input.
    const int ix0 = SUB ? ox0 / 2 - 1 : ox0 * int(S) - int(PAD), iy0 = SUB ? oy0 / 2 - 1 : oy0 * int(S) - int(PAD);
    const uint inPlane = uint(pc.inW * pc.inH);

    if (LOADE) {
        const uint ENTRIES = TIH * TIW, EITERS = (ENTRIES + NTHREADS - 1u) / NTHREADS;
        if ((TUNE & 1u) != 0u) {
            [[dont_unroll]] for (uint n = lid; n < ENTRIES; n += NTHREADS) loadEntry(n, ix0, iy0, eW, eH, inPlane);
        } else {
            [[unroll]] for (uint it = 0; it < EITERS; ++it) {
                const uint n = it * NTHREADS + lid;
                if (EITERS * NTHREADS != ENTRIES && n >= ENTRIES) break;
                loadEntry(n, ix0, iy0, eW, eH, inPlane);
            }
        }
    } else {
    // x fastest, so that neighbouring invocations read neighbouring input pixels. A fixed trip
    // count, unrolled, so that every invocation has all its loads in flight at once.
    [[unroll]] for (uint it = 0; it < LOAD_ITERS; ++it) {
        const uint i = it * NTHREADS + lid;
        if (LOAD_ITERS * NTHREADS != ICP * TIH * TIW && i >= ICP * TIH * TIW) break;
        const uint e = i / (TIH * TIW), r = i % (TIH * TIW);
        const uint ty = r / TIW, tx = r % TIW;
        const uint g = G > 1u ? e / IC : 0u, c = G > 1u ? e % IC : e;
        float16_t v = float16_t(0.0);
        if (c < IC && g < G) {
            int y, x;
            if (SUB) {
                y = clamp(iy0 + int(ty), 0, pc.inH - 1);
                x = clamp(ix0 + int(tx), 0, pc.inW - 1);
            } else {
                y = reflectIndex(iy0 + int(ty), eH);
                x = reflectIndex(ix0 + int(tx + g), eW);
                if (UPSAMPLE) { x >>= 1; y >>= 1; }
            }
            if (IN_NORM) {
                const vec2 ss = inScaleShift[c];
                v = float16_t(activate(float(inData[c * inPlane + uint(y * pc.inW + x)]) * ss.x + ss.y, IN_ACT));
            } else {
                v = inData[c * inPlane + uint(y * pc.inW + x)];
            }
        }
        tileIn[(ty * TIW + tx) * PS + e] = v;
    }
    }
    barrier();

    const uint sg = gl_SubgroupID;
    fcoopmatNV<32, gl_ScopeSubgroup, 16, 16> acc[MPS][NT];
    [[unroll]] for (uint j = 0; j < MPS; ++j)
        [[unroll]] for (uint n = 0; n < NT; ++n) acc[j][n] = fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>(0.0);

    // All matrix tiles of a subgroup share one parity (MTP is a multiple of MPS), hence one B.
    const uint par = (sg * MPS) / MTP, py = par >> 1, px = par & 1u;
    const uint wBase = par * KK * KSPAN * OCP;
    [[unroll]] for (uint ky = 0; ky < KK; ++ky) {
        [[unroll]] for (uint kc = 0; kc < KCHUNKS; ++kc) {
            const uint kx = G > 1u ? kc * G : kc * 16u / ICP, icOff = G > 1u ? 0u : kc * 16u % ICP;
            fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> b[NT];
            [[unroll]] for (uint n = 0; n < NT; ++n)
                coopMatLoadNV(b[n], weights, wBase + (ky * KSPAN + kc * 16u) * OCP + n * 16u, OCP, false);
            [[unroll]] for (uint j = 0; j < MPS; ++j) {
                const uint mt = (sg * MPS + j) % MTP;
                const uint ty = mt / RUNS, tx = (mt % RUNS) * 16u * P;
                fcoopmatNV<16, gl_ScopeSubgroup, 16, 16> a;
                coopMatLoadNV(a, tileIn, ((ty * S + ky + py) * TIW + tx * S + kx + px) * PS + icOff,
                              (P > 1u ? P : S) * PS, false);
                [[unroll]] for (uint n = 0; n < NT; ++n) acc[j][n] = coopMatMulAddNV(a, b[n], acc[j][n]);
            }
        }
    }

#if ACC_ALIAS
    barrier();  // every subgroup is done reading the tile that the stores overwrite
#endif
    [[unroll]] for (uint j = 0; j < MPS; ++j)
        [[unroll]] for (uint n = 0; n < NT; ++n)
            coopMatStoreNV(acc[j][n], outTile, n * 16u * MROWS + (sg * MPS + j) * 16u, MROWS, true);
    barrier();

    if (vecEpilogueFits()) {
        vecEpilogue(lid, ox0, oy0);
        return;
    }
    if ((TUNE & 2u) != 0u) {
        [[dont_unroll]] for (uint i = lid; i < OC * TP; i += NTHREADS) storeItem(i, ox0, oy0);
    } else {
        [[unroll]] for (uint it = 0; it < STORE_ITERS; ++it) {
            const uint i = it * NTHREADS + lid;
            if (STORE_ITERS * NTHREADS != OC * TP && i >= OC * TP) break;
            storeItem(i, ox0, oy0);
        }
    }

    if (STATS) {
        // Per tile and channel: mean, then the sum of squared deviations (no cancellation).
        barrier();
        const int nx = min(int(TW), pc.outW - ox0), ny = min(int(TH), pc.outH - oy0);
        const float n = float(nx * ny);
        const uint tile = gl_WorkGroupID.y * uint(pc.tilesX) + gl_WorkGroupID.x;
        for (uint oc = sg; oc < OC; oc += NSG) {
            float s = 0.0;
            for (uint p = gl_SubgroupInvocationID; p < TP; p += gl_SubgroupSize)
                if (int(p % TW) < nx && int(p / TW) < ny) s += outTile[accIndex(oc, p)];
            const float mean = subgroupAdd(s) / n;
            float m2 = 0.0;
            for (uint p = gl_SubgroupInvocationID; p < TP; p += gl_SubgroupSize) {
                if (int(p % TW) < nx && int(p / TW) < ny) {
                    const float d = outTile[accIndex(oc, p)] - mean;
                    m2 += d * d;
                }
            }
            m2 = subgroupAdd(m2);
            if (subgroupElect()) partials[oc * uint(pc.numTiles) + tile] = vec4(n, mean, m2, 0.0);
        }
    }
}
