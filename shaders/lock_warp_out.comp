#version 450
// Device grid lock, step 4: the network's canvas result back to the frame, out(x) = result(M_t x),
// reflected borders, as GridLock::fromCanvas: mode 0 a whole-pixel crop; mode 1 a Lanczos-4 shift
// with the 3-tap sharpening [-k, 1 + 2k, -k] per axis folded into its taps, k by the phase
// (kSharpenAtHalfPixel sin^2; the taps from lock_fit); mode 2 bicubic (OpenCV's, a = -0.75) then the 3-tap sharpening at
// kSharpenScaled on the frame's grid. Modes 1 and 2 go through shared memory per 16x16 tile.
// PACKED = 1 (RGB8 frames whose width is a multiple of 4): the tile is packed straight into the
// slot's raw RGB8 words as download.comp would (v * 255 + 0.5, clamped), so no planar frame and
// no download pass follow; a 16-pixel tile row is then 12 whole words.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 0) const float SHARPEN_SCALED = 0.065;
layout(constant_id = 1) const uint PACKED = 0;

layout(std430, binding = 0) readonly buffer CanvasBuf { act_t canvas[]; };  // planar canvasW x canvasH
layout(std430, binding = 1) writeonly buffer FrameBuf { act_t frame[]; };   // planar frameW x frameH
#define LOCK_STATE_BINDING 2  // the slot's copy (GridLockOp::Plan::slotStates)
#define LOCK_STATE_QUALIFIER readonly
#include "lock_state.glsl"
layout(std430, binding = 3) writeonly buffer RawBuf { uint raw[]; };  // PACKED: RGB8, frameW x frameH

layout(push_constant) uniform Push {
    int frameW, frameH, canvasW, canvasH;
} pc;


float px(int c, int x, int y) {
    return float(canvas[c * pc.canvasW * pc.canvasH + reflectEdge(y, pc.canvasH) * pc.canvasW + reflectEdge(x, pc.canvasW)]);
}

shared float result[3][16][16];  // PACKED: the tile, before packing

void store(int c, ivec2 x, float v) {
    if (PACKED == 1u)
        result[c][x.y % 16][x.x % 16] = v;
    else
        frame[c * pc.frameW * pc.frameH + x.y * pc.frameW + x.x] = act_t(v);
}

// PACKED: the tile's rows as RGB8 words (12 per full row; the frame's width is a multiple of 4, so
// a row of a tile at a multiple of 16 starts on a word).
void packTile() {
    if (PACKED == 0u) return;
    barrier();
    const ivec2 t = ivec2(gl_WorkGroupID.xy) * 16;
    const int li = int(gl_LocalInvocationIndex), row = li / 12, word = li % 12;
    const int rows = min(16, pc.frameH - t.y), words = min(16, pc.frameW - t.x) * 3 / 4;
    if (li >= 192 || row >= rows || word >= words) return;
    uint packed = 0u;
    for (int k = 0; k < 4; ++k) {
        const int b = word * 4 + k;
        const uint byte = uint(clamp(result[b % 3][row][b / 3] * 255.0 + 0.5, 0.0, 255.0));
        packed |= byte << (8 * k);
    }
    raw[((t.y + row) * pc.frameW + t.x) * 3 / 4 + word] = packed;
}

const int TAPS = 10;
#define SHIFT_STORE(c, x, y, v) store(c, ivec2(x, y), v)
#include "lock_shift.glsl"

vec4 cubicTaps(float t) {  // cv::INTER_CUBIC's weights, a = -0.75
    const float a = -0.75;
    const float x0 = t + 1.0, x1 = t, x2 = 1.0 - t, x3 = 2.0 - t;
    return vec4(((a * x0 - 5.0 * a) * x0 + 8.0 * a) * x0 - 4.0 * a, ((a + 2.0) * x1 - (a + 3.0)) * x1 * x1 + 1.0,
                ((a + 2.0) * x2 - (a + 3.0)) * x2 * x2 + 1.0, ((a * x3 - 5.0 * a) * x3 + 8.0 * a) * x3 - 4.0 * a);
}

void main() {
    const ivec2 x = ivec2(gl_GlobalInvocationID.xy);
    const ivec2 l = ivec2(gl_LocalInvocationID.xy);
    const bool inside = x.x < pc.frameW && x.y < pc.frameH;
    const int mode = st.mode;
    if (mode == 1) {
        // out(x) = result(x + s), s = M's translation = margin - g.
        const vec2 s = vec2(st.mapCur[2], st.mapCur[5]);
        const ivec2 n = ivec2(floor(s));
        float wx[TAPS], wy[TAPS];  // the same for every pixel: lock_fit's
        for (int j = 0; j < TAPS; ++j) {
            wx[j] = st.wOut[j];
            wy[j] = st.wOut[TAPS + j];
        }
        const ivec2 t = ivec2(gl_WorkGroupID.xy) * 16;
        shiftTile(t + n - 4, t, pc.frameW, pc.frameH, wx, wy);
        packTile();
        return;
    }
    if (mode == 2) {
        // Bicubic samples on the tile and a one-pixel ring (the frame's grid, reflected at its
        // edges as cv::sepFilter2D does), then the sharpening.
        const ivec2 origin = ivec2(gl_WorkGroupID.xy) * 16 - 1;
        for (int k = int(gl_LocalInvocationIndex); k < 18 * 18; k += 256) {  // at most twice
            const ivec2 o = ivec2(reflectEdge(origin.x + k % 18, pc.frameW), reflectEdge(origin.y + k / 18, pc.frameH));
            const vec2 p = applyMap(st.mapCur, vec2(o));
            const ivec2 p0 = ivec2(floor(p));
            const vec4 kx = cubicTaps(p.x - float(p0.x)), ky = cubicTaps(p.y - float(p0.y));
            for (int c = 0; c < 3; ++c) {
                float v = 0.0;
                for (int j = 0; j < 4; ++j)
                    v += ky[j] * (kx.x * px(c, p0.x - 1, p0.y - 1 + j) + kx.y * px(c, p0.x, p0.y - 1 + j) +
                                  kx.z * px(c, p0.x + 1, p0.y - 1 + j) + kx.w * px(c, p0.x + 2, p0.y - 1 + j));
                tile[c][k / 18][k % 18] = v;
            }
        }
        barrier();
        if (inside) {
            const float k = SHARPEN_SCALED;
            const vec3 t = vec3(-k, 1.0 + 2.0 * k, -k);
            for (int c = 0; c < 3; ++c) {
                float v = 0.0;
                for (int j = 0; j < 3; ++j)
                    v += t[j] * (t.x * tile[c][l.y + j][l.x] + t.y * tile[c][l.y + j][l.x + 1] + t.z * tile[c][l.y + j][l.x + 2]);
                store(c, x, v);
            }
        }
        packTile();
        return;
    }
    if (inside) {
        const ivec2 s = x + ivec2(round(vec2(st.mapCur[2], st.mapCur[5])));
        for (int c = 0; c < 3; ++c) store(c, x, px(c, s.x, s.y));
    }
    packTile();
}
