// The tensor-core variant of Conv2dOp (shaders/conv2d_coopmat.comp): which layers get it, its
// tile shape and packing (taps per entry G, pixels per matrix row P, sub-pixel upsample), and its
// weight layout ([parity][ky][KSPAN][OCP] fp16; K index = tap * ICP + input channel, or with G > 1
// 16 per G taps, tap * IC + channel).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/env_switch.h"
#include "engine/vulkan/ops.h"

namespace pastiche::vk {

uint16_t floatToHalf(float f) {  // round to nearest even; the weights are finite
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const int exp = int((x >> 23) & 0xffu) - 127 + 15;
    uint32_t mant = x & 0x7fffffu;
    if (exp >= 31) return uint16_t(sign | 0x7c00u);
    if (exp <= 0) {  // subnormal half (or zero)
        if (exp < -10) return uint16_t(sign);
        mant |= 0x800000u;
        const int shift = 14 - exp;
        uint32_t h = mant >> shift;
        const uint32_t rest = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rest > half || (rest == half && (h & 1u))) ++h;
        return uint16_t(sign | h);
    }
    uint32_t h = (uint32_t(exp) << 10) | (mant >> 13);
    const uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent: fine
    return uint16_t(sign | h);
}

bool coopMatAliasStaging(const DeviceCaps& caps) { return caps.sharedBlocks && env::enabled("PASTICHE_VK_CM_ALIAS"); }

bool coopMatWanted(const TransferLayer& layer, const DeviceCaps& caps) {
    const std::string mode = env::value("PASTICHE_VK_COOPMAT").value_or("auto");
    if (mode == "0") return false;
    if (mode == "all") return true;
    if (mode == "k3") return layer.kernel <= 3;
    if (mode == "wide") return layer.inChannels >= 16 && layer.outChannels >= 16;
    if (mode == "narrow0") return layer.kernel <= 3 || layer.outChannels >= 8;  // auto without aliasing
    // auto: with aliased staging every layer: the last 9x9 (8 -> 3, 5 pixels per matrix row) then
    // beats the scalar kernel (H200, 1080p, session 7: 0.273 vs 0.311 ms with its norm, and the
    // previous layer's norm goes on load). Without it all but kernels above 3x3 with few output
    // channels, where the pixel-packed variant measured no faster (0.316 vs 0.311 ms); the first 9x9
    // (3 -> 8, tap-packed) gains either way (0.177 vs 0.216 ms; 0.152 with aliased staging).
    // Session 11: the packed-fp16 kernel takes that layer by default where it fits (0.251 ms).
    if (narrowHalf2Wanted(layer, caps)) return false;
    if (coopMatAliasStaging(caps)) return true;
    return layer.kernel <= 3 || layer.outChannels >= 8;
}

namespace {

// conv2d_coopmat.comp's derived constants, mirrored for the shared-memory check and the packing.
struct CoopGeometry {
    uint32_t sf, kk, t, kspan, tiw, tih, ps;
    CoopGeometry(uint32_t K, uint32_t S, uint32_t icp, uint32_t g, uint32_t p, bool sub, uint32_t tw, uint32_t th,
                 uint32_t psx) {
        sf = sub ? 2 : 1;
        kk = sub ? 2 : K;
        t = kk + p - 1;
        ps = psx ? psx : (icp == 8 ? 8 : icp + 8);
        kspan = g > 1 ? (t + g - 1) / g * 16 : (t * icp + 15) / 16 * 16;
        const uint32_t extra = g > 1 ? 0 : (kspan - t * icp + icp - 1) / icp;
        const uint32_t gw = tw / sf, gh = th / sf;
        tiw = g > 1 ? (gw - p) * S + (kspan / 16 - 1) * g + 1 + sf - 1 : (gw - p) * S + t + extra + sf - 1;
        tih = (gh - 1) * S + kk + sf - 1;
    }
};

// The 3x3 taps that a 2x2 sub-pixel tap b of output parity q sums (nearest 2x upsample, pad 1):
// parity 0 reads x-1 (tap 0) and x (taps 1, 2); parity 1 reads x (taps 0, 1) and x+1 (tap 2).
bool subTap(uint32_t q, uint32_t b, int k) {
    if (q == 0) return b == 0 ? k == 0 : k >= 1;
    return b == 0 ? k <= 1 : k == 2;
}

}  // namespace

bool coopMatPacking() { return env::enabled("PASTICHE_VK_CM_PACK"); }

Result<bool> Conv2dOp::addCoopVariant(const Context& ctx, const TransferLayer& layer) {
    if (layer.inChannels > 32 || layer.outChannels > 32 || layer.stride > 2) return false;
    CoopVariant v;
    const uint32_t K = uint32_t(layer.kernel), S = uint32_t(layer.stride);
    const uint32_t IC = uint32_t(layer.inChannels), OC = uint32_t(layer.outChannels);
    v.icp = IC <= 8 ? 8 : IC <= 16 ? 16 : 32;
    // 16 x 8 output pixels: 8 runs of 16 pixels, two for each of 4 subgroups (H200, 1080p, residual
    // conv: 16x8 0.052 ms, 32x4 0.060, 16x4 0.067, 64x2 0.082; docs/VULKAN.md). PASTICHE_VK_CM_TW /
    // _TH sweep other shapes (TW a multiple of 16, TW * TH / 16 a multiple of 4).
    v.tw = env::positive("PASTICHE_VK_CM_TW", 16);
    v.th = env::positive("PASTICHE_VK_CM_TH", 8);
    if (coopMatPacking()) {
        if (layer.upsampleBefore && K == 3 && S == 1 && layer.pad == 1) {
            v.sub = true;  // four 2x2 convolutions on the low-resolution input
            v.p = OC < 16 ? 16 / OC : 1;
            v.tw = 32 * v.p;                          // per parity: one run of 16 matrix rows x P pixels, 2 rows
            v.th = env::positive("PASTICHE_VK_CM_SUB_TH", 4);  // (sweep: 8 = 4 rows per parity)
        } else if (K > 3 && IC * 2 <= 16) {
            v.g = std::min(16 / IC, K);  // several taps per tile entry (the first 9x9: 5 x 3 channels)
            v.icp = 16;
            v.ps = 24;  // 48-byte entries: the 16 rows of a matrix load spread over the banks
        }
        if (!v.sub && S == 1 && !layer.upsampleBefore && K > 3 && OC * 2 <= 16 && env::enabled("PASTICHE_VK_CM_PIX")) {
            v.p = 16 / OC;  // several output pixels per matrix row (8 channels: 2; 3 channels: 5)
            v.tw = 16 * v.p;
            v.th = env::positive("PASTICHE_VK_CM_PIX_TH", 8);  // (a sweep knob, session 7)
        }
    }
    v.nt = (v.p * OC + 15) / 16;
    // The accumulators staged in the input tile's shared memory once the matrix loads are done,
    // instead of beside it (coopMatAliasStaging; H200, 1080p: first 9x9 0.178 -> 0.152 ms, the
    // stride-2 and upsampling layers 0.01-0.03 ms less each, the residual convs unchanged).
    v.alias = coopMatAliasStaging(ctx.caps());
    const uint32_t nsg = env::positive("PASTICHE_VK_CM_NSG", 4), sgSize = ctx.caps().subgroupSize;
    const uint32_t sf = v.sub ? 2 : 1;
    auto shape = [&]() -> Result<uint32_t> {  // shared bytes of the tile, or an error for a bad shape
        const uint32_t mrows = v.tw * v.th / v.p, mtp = (v.th / sf) * (v.tw / sf / (16 * v.p));
        if (v.tw % (16 * v.p * sf) || v.th % sf || mrows % (16 * nsg) || (mrows / 16 / nsg) > mtp ||
            mtp % (mrows / 16 / nsg) || nsg * sgSize > 1024 || (v.p > 1 && S != 1))
            return Status::error("layer " + layer.name + ": bad cooperative-matrix tile " + std::to_string(v.tw) + "x" +
                                 std::to_string(v.th));
        const CoopGeometry geo(K, S, v.icp, v.g, v.p, v.sub, v.tw, v.th, v.ps);
        const uint32_t tileBytes = geo.tih * geo.tiw * geo.ps * 2;
        if (v.alias) return std::max(tileBytes, v.nt * 16 * mrows * 4);
        return tileBytes + v.nt * 16 * mrows * 4;
    };
    // Too big for shared memory: fewer rows (while the subgroups still get whole matrix tiles), then
    // the tighter 32-byte entries of a G-packed tile; else the scalar kernel.
    for (;;) {
        auto bytes = shape();
        if (!bytes) return bytes.status();
        if (bytes.value() <= ctx.caps().maxSharedBytes) break;
        const uint32_t th = v.th;
        v.th /= 2;
        if (v.th >= 1 && shape()) continue;
        v.th = th;
        if (v.ps == 24 && v.g > 1) {
            v.ps = 16;
            continue;
        }
        return false;
    }
    const uint32_t act = layer.activation == Activation::Relu ? 1 : layer.activation == Activation::Sigmoid ? 2 : 0;
    // The shader's TUNE bits (loop unrolling, the vector epilogue), measured on the H200 (session 11,
    // docs/VULKAN.md): the vector epilogue on the 16x8 tiles (1080p stride-2 layers 0.043 -> 0.039 and
    // 0.034 -> 0.028 ms; 384x384 0.294 -> 0.287 ms a frame) and, with its loop not unrolled, on the
    // 16x16 tile below kLargeVecMaxPixels (1080p residual convs 0.041-0.043 -> 0.035-0.036 ms); not on
    // 4K's 16x16 tiles, where it took 200 registers against 164 and the convs went from 0.125-0.130
    // to 0.130-0.135 ms (0.145-0.150 unrolled). PASTICHE_VK_CM_TUNE / _TUNE_LARGE / _TUNE_LARGE_VEC
    // override (sweeps).
    const uint32_t tuneSmall = uint32_t(env::count("PASTICHE_VK_CM_TUNE", 4));
    const uint32_t tuneLarge = uint32_t(env::count("PASTICHE_VK_CM_TUNE_LARGE", env::count("PASTICHE_VK_CM_TUNE", 0)));
    const uint32_t tuneLargeVec = uint32_t(env::count("PASTICHE_VK_CM_TUNE_LARGE_VEC", 12));
    auto spec = [&](uint32_t th, uint32_t tune) -> std::vector<uint32_t> {
        return {nsg * sgSize,
                v.tw,
                th,
                K,
                S,
                uint32_t(layer.pad),
                IC,
                OC,
                v.icp,
                v.nt,
                uint32_t(layer.upsampleBefore),
                act,
                uint32_t(layer.hasNorm),
                nsg,
                uint32_t(inputNorm_ == InputNorm::OnLoad),
                inputAct(),
                v.g,
                v.p,
                uint32_t(v.sub),
                v.ps,
                uint32_t(env::enabled("PASTICHE_VK_CM_LOADE")),
                tune};
    };
    const char* shader = v.alias ? "conv2d_coopmat_alias" : "conv2d_coopmat";
    auto k = Kernel::create<ConvPush>(ctx, shader, true, 6, spec(v.th, tuneSmall));
    if (!k) return k.status().withContext("layer " + layer.name);
    v.kernel = std::move(k.value());
    // Large outputs of the plain stride-1 layers (the residual convs at 1080p and up) with aliased
    // staging: 16 rows (H200, 1080p, session 7: 0.044-0.048 / 0.050-0.054 ms per residual conv
    // against 0.051 / 0.058 with 16x8; the stride-2 layers lost, 0.043 -> 0.051; 384x384's 96x96
    // maps have too few tiles for it). PASTICHE_VK_CM_LARGE_TH sets the rows (1: off).
    const uint32_t largeTh = env::positive("PASTICHE_VK_CM_LARGE_TH", 16);
    if (v.alias && S == 1 && !v.sub && v.g == 1 && v.p == 1 && largeTh > v.th) {
        const uint32_t th = v.th;
        v.th = largeTh;
        auto bytes = shape();
        v.th = th;
        if (bytes && bytes.value() <= ctx.caps().maxSharedBytes) {
            auto big = Kernel::create<ConvPush>(ctx, shader, true, 6, spec(largeTh, tuneLarge));
            if (!big) return big.status().withContext("layer " + layer.name);
            v.large = std::move(big.value());
            v.largeTh = largeTh;
            if (tuneLargeVec != tuneLarge) {
                auto vec = Kernel::create<ConvPush>(ctx, shader, true, 6, spec(largeTh, tuneLargeVec));
                if (!vec) return vec.status().withContext("layer " + layer.name);
                v.largeVec = std::move(vec.value());
            }
        }
    }
    coop_ = std::move(v);
    return true;
}

void Conv2dOp::packCoop(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt,
                        size_t& biasAt) const {
    const int K = layer.kernel, IC = layer.inChannels, OC = layer.outChannels;
    const CoopVariant& v = *coop_;
    const int icp = int(v.icp), ocp = int(v.nt) * 16, G = int(v.g), P = int(v.p);
    const CoopGeometry geo(uint32_t(K), uint32_t(layer.stride), v.icp, v.g, v.p, v.sub, v.tw, v.th, v.ps);
    const int kk = int(geo.kk), kspan = int(geo.kspan), T = int(geo.t), pars = v.sub ? 4 : 1;
    auto w3 = [&](int oc, int ky, int kx, int ic) { return layer.weights[((size_t(oc) * K + ky) * K + kx) * IC + ic]; };
    auto align = [&] { blob.resize((blob.size() + 63) / 64 * 64, 0.f); };  // 256-byte offsets
    align();
    weightsAt = blob.size();
    // [parity][ky][K index][n]; zero for padded channels, taps past the kernel and padded outputs.
    std::vector<uint16_t> w(size_t(pars) * kk * kspan * ocp);
    for (int par = 0; par < pars; ++par)
        for (int ky = 0; ky < kk; ++ky)
            for (int k = 0; k < kspan; ++k) {
                int t, ic;
                bool valid;
                if (G > 1) {
                    const int e = k % 16;
                    t = k / 16 * G + e / IC;
                    ic = e % IC;
                    valid = e < G * IC;
                } else {
                    t = k / icp;
                    ic = k % icp;
                    valid = ic < IC;
                }
                for (int n = 0; n < ocp; ++n) {
                    const int dx = P > 1 ? n / OC : 0, oc = P > 1 ? n % OC : n, kx = t - dx;
                    float value = 0.f;
                    if (valid && t < T && oc < OC && dx < P && kx >= 0 && kx < kk) {
                        if (v.sub) {
                            for (int y3 = 0; y3 < 3; ++y3)
                                for (int x3 = 0; x3 < 3; ++x3)
                                    if (subTap(uint32_t(par >> 1), uint32_t(ky), y3) &&
                                        subTap(uint32_t(par & 1), uint32_t(kx), x3))
                                        value += w3(oc, y3, x3, ic);
                        } else {
                            value = w3(oc, ky, kx, ic);
                        }
                    }
                    w[((size_t(par) * kk + ky) * kspan + k) * ocp + n] = floatToHalf(value);
                }
            }
    blob.resize(blob.size() + (w.size() + 1) / 2, 0.f);  // fp16 pairs in the float blob
    std::memcpy(blob.data() + weightsAt, w.data(), w.size() * 2);
    align();
    biasAt = blob.size();
    blob.resize(blob.size() + size_t(ocp), 0.f);
    for (int oc = 0; oc < OC; ++oc) blob[biasAt + size_t(oc)] = layer.bias[size_t(oc)];
}

}  // namespace pastiche::vk
