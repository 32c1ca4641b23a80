// Shared by every compute shader. FP16=1 builds the variant that stores activations as float16
// (16-bit storage); arithmetic and all reductions stay in fp32.
#if FP16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define act_t float16_t
#else
#define act_t float
#endif

// MIRROR_PAD REFLECT: the edge pixel is not repeated (-1 -> 1, n -> n-2). Positions outside one
// reflection (only read by lanes whose outputs are discarded) are clamped.
int reflectIndex(int i, int n) {
    if (i < 0) i = -i;
    if (i >= n) i = 2 * (n - 1) - i;
    return clamp(i, 0, n - 1);
}

float activate(float v, uint act) {
    if (act == 1u) return max(v, 0.0);
    if (act == 2u) return 1.0 / (1.0 + exp(-v));
    return v;
}

// Instance-norm statistics (n, mean, M2) of two disjoint sets combined (Chan et al.: no
// E[x^2]-E[x]^2 cancellation); norm_finalize.comp across tiles, conv2d_coopmat.comp across subgroups.
vec3 combineStats(vec3 a, vec3 b) {
    if (b.x == 0.0) return a;
    if (a.x == 0.0) return b;
    const float n = a.x + b.x, d = b.y - a.y;
    return vec3(n, a.y + d * (b.x / n), a.z + b.z + d * d * (a.x * b.x / n));
}

// Flat index of this invocation in a 2D grid of 1D workgroups (dispatches may exceed 65535 groups).
// A macro, not a function: gl_WorkGroupSize must be read after the shader's local_size layout.
#define FLAT_INVOCATION \
    ((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * gl_WorkGroupSize.x + gl_LocalInvocationID.x)
