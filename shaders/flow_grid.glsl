// The device stability's flow fields (engine/vulkan/trunk_stability.h) are patch grids: the flow
// of the 8x8 patch whose pixels are [4i - 2, 4i + 5] x [4j - 2, 4j + 5] sits at grid cell (i, j),
// centred on pixel (4i + 1.5, 4j + 1.5); the dense flow is the grid's bilinear interpolation (the
// patch stride and size of the host path's DIS flow). Include after declaring the buffer
// FLOW_GRID (vec2 elements).
vec2 flowAt(int base, int gw, int gh, vec2 p) {
    const vec2 q = clamp((p - 1.5) * 0.25, vec2(0.0), vec2(gw - 1, gh - 1));
    const ivec2 i = ivec2(floor(q));
    const vec2 f = q - vec2(i);
    const int x1 = min(i.x + 1, gw - 1), y1 = min(i.y + 1, gh - 1);
    const vec2 a = FLOW_GRID[base + i.y * gw + i.x], b = FLOW_GRID[base + i.y * gw + x1];
    const vec2 c = FLOW_GRID[base + y1 * gw + i.x], d = FLOW_GRID[base + y1 * gw + x1];
    return mix(mix(a, b, f.x), mix(c, d, f.x), f.y);
}

int flowGridSide(int pixels) { return (pixels + 3) / 4; }
