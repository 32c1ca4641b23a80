// The tensor-core variant of Conv2dOp (shaders/conv2d_coopmat.comp): which layers get it, its
// tile shape, and its weight layout ([ky][KSPAN][OCP] fp16, K index = kx * ICP + input channel).
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/vulkan/ops.h"

namespace pastiche::vk {
namespace {

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

uint32_t knob(const char* name, uint32_t fallback) {
    const char* v = std::getenv(name);
    return v && std::atoi(v) > 0 ? uint32_t(std::atoi(v)) : fallback;
}

}  // namespace

bool coopMatWanted(const TransferLayer& layer) {
    const char* v = std::getenv("PASTICHE_VK_COOPMAT");
    const std::string mode = v ? v : "k3";
    if (mode == "0") return false;
    if (mode == "all") return true;
    if (mode == "k3") return layer.kernel <= 3;
    return layer.inChannels >= 16 && layer.outChannels >= 16;
}

Result<bool> Conv2dOp::addCoopVariant(const Context& ctx, const TransferLayer& layer) {
    if (layer.inChannels > 32 || layer.outChannels > 32 || layer.stride > 2) return false;
    CoopVariant v;
    v.icp = layer.inChannels <= 8 ? 8 : layer.inChannels <= 16 ? 16 : 32;
    v.nt = uint32_t(layer.outChannels + 15) / 16;
    // 32 x 4 output pixels: 8 runs of 16 pixels, two for each of 4 subgroups. PASTICHE_VK_CM_TW /
    // _TH sweep other shapes (TW a multiple of 16, TW * TH / 16 a multiple of 4).
    v.tw = knob("PASTICHE_VK_CM_TW", 32);
    v.th = knob("PASTICHE_VK_CM_TH", 4);
    const uint32_t nsg = 4, sgSize = ctx.caps().subgroupSize;
    if (v.tw % 16 || (v.tw * v.th / 16) % nsg || nsg * sgSize > 1024)
        return Status::error("layer " + layer.name + ": bad cooperative-matrix tile " + std::to_string(v.tw) + "x" +
                             std::to_string(v.th));
    const uint32_t K = uint32_t(layer.kernel), S = uint32_t(layer.stride);
    const uint32_t ps = v.icp == 8 ? 8 : v.icp + 8;
    const uint32_t kspan = (K * v.icp + 15) / 16 * 16;
    const uint32_t extra = (kspan - K * v.icp + v.icp - 1) / v.icp;
    const uint32_t tiw = (v.tw - 1) * S + K + extra, tih = (v.th - 1) * S + K;
    const uint32_t shared = tih * tiw * ps * 2 + v.nt * 16 * v.tw * v.th * 4;
    if (shared > ctx.caps().maxSharedBytes) return false;
    const uint32_t act = layer.activation == Activation::Relu ? 1 : layer.activation == Activation::Sigmoid ? 2 : 0;
    std::vector<uint32_t> spec = {nsg * sgSize, v.tw, v.th, K, S, uint32_t(layer.pad), uint32_t(layer.inChannels),
                                  uint32_t(layer.outChannels), v.icp, v.nt, uint32_t(layer.upsampleBefore), act,
                                  uint32_t(layer.hasNorm), nsg, uint32_t(inputNorm_ == InputNorm::OnLoad),
                                  inputAct()};
    auto k = Kernel::create<ConvPush>(ctx, "conv2d_coopmat", true, 6, spec);
    if (!k) return k.status().withContext("layer " + layer.name);
    v.kernel = std::move(k.value());
    coop_ = std::move(v);
    return true;
}

void Conv2dOp::packCoop(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt,
                        size_t& biasAt) const {
    const int K = layer.kernel, IC = layer.inChannels, OC = layer.outChannels;
    const int icp = int(coop_->icp), ocp = int(coop_->nt) * 16;
    const int kspan = (K * icp + 15) / 16 * 16;
    auto align = [&] { blob.resize((blob.size() + 63) / 64 * 64, 0.f); };  // 256-byte offsets
    align();
    weightsAt = blob.size();
    std::vector<uint16_t> w(size_t(K) * kspan * ocp);
    for (int ky = 0; ky < K; ++ky)
        for (int k = 0; k < kspan; ++k) {
            const int kx = k / icp, ic = k % icp;
            for (int oc = 0; oc < ocp; ++oc) {
                float value = 0.f;  // padded channels, taps past the kernel and outputs: zero
                if (kx < K && ic < IC && oc < OC)
                    value = layer.weights[((size_t(oc) * K + ky) * K + kx) * IC + ic];
                w[(size_t(ky) * kspan + k) * ocp + oc] = floatToHalf(value);
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
