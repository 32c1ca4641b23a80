// The packed-fp16 variant of Conv2dOp for layers with few output channels (shaders/conv2d_narrow_f16.comp):
// which layers get it, its tiles, and its weight layout ([ic][ky][kx] x 4 or 8 output channels,
// each weight as an fp16 pair (w, w) for f16vec2 fma; bias as one or two vec4s).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/env_switch.h"
#include "engine/vulkan/ops.h"

namespace pastiche::vk {
namespace {

// The layers the kernel can run: stride 1, no upsample, more than 3x3 taps, few output channels.
bool fitsNarrowKernel(const TransferLayer& layer, int maxOutChannels) {
    return layer.stride == 1 && !layer.upsampleBefore && layer.kernel > 3 && layer.outChannels <= maxOutChannels;
}

}  // namespace

// On by default on devices with tensor cores, where it was measured (H200, 1080p: 0.251 ms with the
// norm on load against 0.273 for the 5-pixel coopmat variant and 0.311 for the scalar kernel, session
// 7; the default since session 11, whole-network tests 71.4-72.0 dB there); the scalar kernel stays
// the reference elsewhere (lavapipe). PASTICHE_VK_NARROW_H2=1 everywhere, =0 never.
bool narrowHalf2Wanted(const TransferLayer& layer, const DeviceCaps& caps) {
    if (!env::enabled("PASTICHE_VK_NARROW_H2")) return false;
    if (!env::is("PASTICHE_VK_NARROW_H2", "1") && caps.coopmat == CoopMat::None) return false;
    return fitsNarrowKernel(layer, 4);
}

bool narrowHalf2Alternate(const TransferLayer& layer, bool cpuDevice) {
    if (!env::enabled("PASTICHE_VK_H2_ALT") || (cpuDevice && !env::is("PASTICHE_VK_H2_ALT", "1"))) return false;
    return fitsNarrowKernel(layer, 8);
}

// On unless PASTICHE_VK_H2_FUSE=0. H200, 1080p, session 7, this layer + the previous one: 0.251 +
// 0.128 ms with the norm on load against 0.244 + 0.145 without (4 pixels, 16 x 16, 2 channels); with
// the first tile (8 pixels, 16 x 8, 8 channels) it lost (0.402 + 0.138 against 0.360 + 0.154).
bool narrowHalf2NormOnLoad() { return env::enabled("PASTICHE_VK_H2_FUSE"); }

Result<bool> Conv2dOp::addNarrowVariant(const Context& ctx, const TransferLayer& layer, bool alternate) {
    if (!alternate && !narrowHalf2Wanted(layer, ctx.caps())) return false;
    NarrowTile v;
    // Tile: 16 x 16 invocations of 4 pixels each, 2 input channels per shared-memory chunk (H200,
    // 1080p, the last 9x9's conv: 0.229 ms; 4 channels: 0.242-0.252; 8 pixels, 16 x 8, 8 channels:
    // 0.386; 4 pixels, 16 x 8, 8 channels: 0.309; 2 pixels: 0.287). PASTICHE_VK_H2_LX / _LY / _PX /
    // _ICC sweep it (PX even).
    v.lx = env::positive("PASTICHE_VK_H2_LX", 16);
    v.ly = env::positive("PASTICHE_VK_H2_LY", 16);
    v.px = env::positive("PASTICHE_VK_H2_PX", 4);
    v.icc = env::positive("PASTICHE_VK_H2_ICC", 2);
    if (v.px % 2 || v.lx * v.ly > 1024) return Status::error("layer " + layer.name + ": bad fp16x2 tile");
    auto base = addNarrowTile(ctx, layer, v);
    if (!base || !base.value()) return base;
    // Candidates for the measured choice at reshape (conv_choice.h; session 13, not yet timed on a
    // GPU; the shader's comment says why each should be faster): the odd row stride, 8 pixels an
    // invocation from a quad tile (16 x 16 and 8 x 32 invocations), and the first and second of
    // these with the next chunk's tile prefetched.
    NarrowTile padded = v;
    padded.rowPad = 1;
    std::vector<NarrowTile> more{padded};
    for (auto [lx, ly] : {std::pair{16u, 16u}, std::pair{8u, 32u}}) {
        NarrowTile q;
        q.lx = lx;
        q.ly = ly;
        q.px = 8;
        q.icc = v.icc;
        q.vecTile = true;
        more.push_back(q);
    }
    for (size_t i : {0, 1}) {
        NarrowTile f = more[i];
        f.prefetch = true;
        more.push_back(f);
    }
    // A tile whose shared memory does not fit the device is left out, and the ones after it move
    // down a number (the variant numbers above hold on every device this project runs on).
    for (const NarrowTile& m : more) {
        auto added = addNarrowTile(ctx, layer, m);
        if (!added) return added.status();
    }
    return true;
}

Result<bool> Conv2dOp::addNarrowTile(const Context& ctx, const TransferLayer& layer, NarrowTile v) {
    const uint32_t K = uint32_t(layer.kernel), IC = uint32_t(layer.inChannels);
    const uint32_t nw = (uint32_t(layer.outChannels) + 3) / 4;  // uvec4s of weights per tap
    // Kernel rows summed in fp16 before each fp32 add (PASTICHE_VK_H2_FLUSH; the shader's comment):
    // 3 (27 taps); 1 was slower (0.412 against 0.386 ms), 9 no faster.
    const uint32_t flush = std::min(env::positive("PASTICHE_VK_H2_FLUSH", 3), K);
    // Shared words of one channel's tile, as the shader lays it out (TS or TQ words a row).
    const uint32_t tih = v.ly + K - 1, tiw2 = (v.lx * v.px + K) / 2, rw2 = (v.px + K) / 2;
    const uint32_t rowWords =
        v.vecTile ? 4 * std::max(v.lx + (rw2 + 3) / 4 - 1, (tiw2 + 3) / 4) : (v.rowPad ? (tiw2 | 1) : tiw2);
    const uint32_t wanted = v.icc;
    v.icc = 0;
    for (uint32_t c = std::min(IC, wanted); c >= 1; --c) {
        if (IC % c) continue;
        // tileIn, tileW, and the statistics' red[] and meanSh[] (the shader's shared arrays)
        const uint32_t statBytes = nw * (v.lx * v.ly / 4 + 1) * 16;
        if (c * tih * rowWords * 4 + c * K * K * 16 * nw + statBytes <= ctx.caps().maxSharedBytes) {
            v.icc = c;
            break;
        }
    }
    if (!v.icc) return false;
    const uint32_t act = layer.activation == Activation::Relu ? 1 : layer.activation == Activation::Sigmoid ? 2 : 0;
    std::vector<uint32_t> spec = {v.lx,
                                  v.ly,
                                  K,
                                  uint32_t(layer.pad),
                                  IC,
                                  uint32_t(layer.outChannels),
                                  v.icc,
                                  v.px,
                                  act,
                                  uint32_t(inputNorm_ == InputNorm::OnLoad),
                                  inputAct(),
                                  flush,
                                  uint32_t(layer.hasNorm),
                                  v.rowPad,
                                  uint32_t(v.prefetch)};
    auto k = Kernel::create<ConvPush>(ctx, v.vecTile ? "conv2d_narrow_f16_vec" : "conv2d_narrow_f16", true, 6, spec);
    if (!k) return k.status().withContext("layer " + layer.name);
    narrow_.push_back({std::move(k.value()), v});
    return true;
}

void Conv2dOp::packNarrow(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt,
                          size_t& biasAt) const {
    const int K = layer.kernel, IC = layer.inChannels, OC = layer.outChannels, OCP = (OC + 3) / 4 * 4;
    auto align = [&] { blob.resize((blob.size() + 63) / 64 * 64, 0.f); };  // 256-byte offsets
    align();
    weightsAt = blob.size();
    std::vector<uint32_t> w(size_t(IC) * K * K * size_t(OCP), 0u);  // [ic][ky][kx][oc], padded to OCP
    for (int ic = 0; ic < IC; ++ic)
        for (int ky = 0; ky < K; ++ky)
            for (int kx = 0; kx < K; ++kx)
                for (int oc = 0; oc < OC; ++oc) {
                    const uint32_t h = floatToHalf(layer.weights[((size_t(oc) * K + ky) * K + kx) * IC + ic]);
                    w[((size_t(ic) * K + ky) * K + kx) * size_t(OCP) + size_t(oc)] = h | (h << 16);
                }
    blob.resize(blob.size() + w.size(), 0.f);
    std::memcpy(blob.data() + weightsAt, w.data(), w.size() * 4);
    align();
    biasAt = blob.size();
    blob.resize(blob.size() + size_t(OCP), 0.f);
    for (int oc = 0; oc < OC; ++oc) blob[biasAt + size_t(oc)] = layer.bias[size_t(oc)];
}

}  // namespace pastiche::vk
