// A shift by the same sub-pixel phase everywhere (the grid lock's translation mode, lock_warp_in
// and lock_warp_out): separable taps through shared memory, one 16x16 tile per workgroup of 256.
// Each pass runs as jobs of 8 outputs that slide along one row or column of a channel (15-17
// shared loads per 8 outputs, where one output per invocation reads all its taps: 4x the shared
// memory traffic, which bounded the first version). Before including, define TAPS, float px(int
// c, int x, int y) (the source, borders handled) and SHIFT_STORE(c, x, y, v) (the output).
const int SPAN = 16 + TAPS - 1, RUN = 8 + TAPS - 1;
shared float tile[3][SPAN][SPAN];
shared float rowPass[3][SPAN][17];  // 17: the two halves of a column job fall in other banks

// out(t + (i, j)) = sum wy[b] sum wx[a] src(origin + (i + a, j + b)) for the tile at t, inside
// outW x outH.
void shiftTile(ivec2 origin, ivec2 t, int outW, int outH, float wx[TAPS], float wy[TAPS]) {
    const int li = int(gl_LocalInvocationIndex);
    const ivec2 l = ivec2(gl_LocalInvocationID.xy);
    float v[2][2][3];  // every load issued before any store
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
            for (int c = 0; c < 3; ++c)
                v[a][b][c] = l.y + 16 * a < SPAN && l.x + 16 * b < SPAN ? px(c, origin.x + l.x + 16 * b, origin.y + l.y + 16 * a) : 0.0;
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
            if (l.y + 16 * a < SPAN && l.x + 16 * b < SPAN)
                for (int c = 0; c < 3; ++c) tile[c][l.y + 16 * a][l.x + 16 * b] = v[a][b][c];
    barrier();
    if (li < 3 * SPAN * 2) {  // rows: (channel, row, half)
        const int c = li / (2 * SPAN), r = (li >> 1) % SPAN, h = li & 1;
        float in_[RUN];
        for (int k = 0; k < RUN; ++k) in_[k] = tile[c][r][8 * h + k];
        for (int o = 0; o < 8; ++o) {
            float s = 0.0;
            for (int j = 0; j < TAPS; ++j) s += wx[j] * in_[o + j];
            rowPass[c][r][8 * h + o] = s;
        }
    }
    barrier();
    if (li < 3 * 16 * 2) {  // columns: (channel, half, column)
        const int c = li >> 5, h = (li >> 4) & 1, col = li & 15;
        float in_[RUN];
        for (int k = 0; k < RUN; ++k) in_[k] = rowPass[c][8 * h + k][col];
        const int x = t.x + col;
        for (int o = 0; o < 8; ++o) {
            float s = 0.0;
            for (int j = 0; j < TAPS; ++j) s += wy[j] * in_[o + j];
            const int y = t.y + 8 * h + o;
            if (x < outW && y < outH) SHIFT_STORE(c, x, y, s);
        }
    }
}
