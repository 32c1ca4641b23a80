// Fused [upsample] + reflect pad + conv + bias (+ activation or instance-norm partials): conv2d.comp.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/env_switch.h"
#include "engine/vulkan/ops.h"

namespace pastiche::vk {

InputNorm inputNormFor(const TransferNetwork& net, size_t layer, bool consumerCoopMat) {
    const bool always = env::is("PASTICHE_VK_FUSE_NORM", "1");
    if (!env::enabled("PASTICHE_VK_FUSE_NORM") || layer == 0 || layer >= net.layers.size()) return InputNorm::None;
    if (!consumerCoopMat && !always) return InputNorm::None;
    const TransferLayer& prev = net.layers[layer - 1];
    if (!prev.hasNorm || prev.residual == ResidualRole::BlockEnd || prev.activation == Activation::Sigmoid ||
        net.layers[layer].residual == ResidualRole::BlockStart)
        return InputNorm::None;
    return InputNorm::OnLoad;
}

uint32_t Conv2dOp::inputAct() const {
    return inputActivation_ == Activation::Relu ? 1 : inputActivation_ == Activation::Sigmoid ? 2 : 0;
}

Result<Conv2dOp> Conv2dOp::create(const Context& ctx, const TransferLayer& layer, bool fp16, InputNorm inputNorm,
                                  const TransferLayer* previous) {
    Conv2dOp op;
    if (inputNorm == InputNorm::OnLoad && !previous)
        return Status::error("layer " + layer.name + ": input norm on load needs the previous layer");
    op.inputNorm_ = inputNorm;
    if (previous) op.inputActivation_ = previous->activation;
    op.kernelSize_ = layer.kernel;
    op.stride_ = layer.stride;
    op.pad_ = layer.pad;
    op.inChannels_ = layer.inChannels;
    op.outChannels_ = layer.outChannels;
    op.upsample_ = layer.upsampleBefore;
    op.stats_ = layer.hasNorm;
    // The narrow kernel's variants beside a primary kernel, for the measured choice.
    auto withAlternate = [&]() -> Result<Conv2dOp> {
        if (fp16 && narrowHalf2Alternate(layer, ctx.info().type == "cpu")) {
            auto added = op.addNarrowVariant(ctx, layer, true);
            if (!added) return added.status();
        }
        return std::move(op);
    };
    if (fp16 && ctx.caps().coopmat != CoopMat::None && coopMatWanted(layer, ctx.caps())) {
        auto added = op.addCoopVariant(ctx, layer);
        if (!added) return added.status();
        if (added.value()) return withAlternate();
    }
    if (fp16) {  // few output channels: packed fp16 arithmetic (conv2d_narrow.cpp says which layers)
        auto added = op.addNarrowVariant(ctx, layer);
        if (!added) return added.status();
        if (added.value()) return op;
    }
    // Tile shape: 16 x 8 invocations; wide layers get more output channels per invocation, the
    // full-resolution ones more pixels. Output channels with norm must fill whole groups.
    op.ocb_ = layer.outChannels <= 4 ? 4 : (layer.outChannels % 16 == 0 && layer.inChannels >= 16 ? 16 : 8);
    if (op.stats_ && layer.outChannels % int(op.ocb_) != 0) op.ocb_ = 4;
    // Measured on an H100 at 1920x1080 (docs/VULKAN.md): 16x16 invocations with 2 pixels x 16
    // channels each for the 32-channel layers (4 pixels x 16 channels spills registers), 16x8 for
    // them on small frames (more workgroups); 16x16 with 4 pixels x 8 channels for the narrow
    // full-resolution expand layers; 16x16 with 1 pixel for the wide stride-2 layer; 16x8 with 2
    // pixels for the first 9x9 layer.
    uint32_t lx = 16, ly = 8, px = layer.stride == 1 ? 2 : 1;
    if (layer.stride == 1 && op.ocb_ <= 8 && layer.inChannels >= 8) {
        px = 4;
        ly = 16;
    }
    if (op.ocb_ == 16) ly = 16;
    bool small = layer.stride == 1 && op.ocb_ == 16;
    // Tuning knobs for the wide stride-1 layers (the residual blocks: most of the time), used to
    // sweep tile shapes on a device: PASTICHE_VK_WIDE_OCB (output channels per invocation),
    // PASTICHE_VK_WIDE_PX (pixels per invocation), PASTICHE_VK_WIDE_LX / _LY (workgroup shape).
    if (layer.stride == 1 && op.ocb_ == 16) {
        auto knob = [&small](const char* name, uint32_t fallback) {
            const uint32_t v = env::positive(name, 0);
            if (v == 0) return fallback;
            small = false;
            return v;
        };
        const uint32_t ocb = knob("PASTICHE_VK_WIDE_OCB", op.ocb_);
        if (ocb % 4 == 0 && layer.outChannels % int(ocb) == 0) op.ocb_ = ocb;
        px = knob("PASTICHE_VK_WIDE_PX", px);
        lx = knob("PASTICHE_VK_WIDE_LX", lx);
        ly = knob("PASTICHE_VK_WIDE_LY", ly);
    }
    // The same for the narrow stride-1 layers (the last 9x9, 3 output channels: the one layer left
    // on the scalar kernel on tensor-core devices, a fifth of the frame at 1080p on the H200):
    // PASTICHE_VK_NARROW_PX / _LX / _LY.
    if (layer.stride == 1 && op.ocb_ == 4) {
        px = env::positive("PASTICHE_VK_NARROW_PX", px);
        lx = env::positive("PASTICHE_VK_NARROW_LX", lx);
        ly = env::positive("PASTICHE_VK_NARROW_LY", ly);
    }
    PASTICHE_RETURN_IF_ERROR(op.addVariant(ctx, layer, fp16, lx, ly, px));
    if (small) {
        PASTICHE_RETURN_IF_ERROR(op.addVariant(ctx, layer, fp16, 16, 8, 2));
        op.smallOutputPixels_ = 30000;  // 384x384's residual maps (96x96) run faster with 16x8
    }
    return withAlternate();
}

Status Conv2dOp::addVariant(const Context& ctx, const TransferLayer& layer, bool fp16, uint32_t lx, uint32_t ly,
                            uint32_t px) {
    TileVariant v;
    v.lx = lx;
    v.ly = ly;
    v.px = px;
    const uint32_t K = uint32_t(layer.kernel), S = uint32_t(layer.stride);
    const uint32_t tiw = (lx * px - 1) * S + K, tih = (ly - 1) * S + K;
    const uint32_t redBytes = lx * ly / 4 * ocb_ * 4 + ocb_ * 4;
    v.icc = 0;
    for (uint32_t c = uint32_t(std::min(layer.inChannels, 16)); c >= 1; --c) {
        if (uint32_t(layer.inChannels) % c) continue;
        const uint32_t bytes = c * tih * tiw * 4 + c * K * K * ocb_ * 4 + redBytes;
        if (bytes <= ctx.caps().maxSharedBytes) {
            v.icc = c;
            break;
        }
    }
    if (!v.icc) return Status::error("layer " + layer.name + ": conv tile does not fit in shared memory");
    const uint32_t act = layer.activation == Activation::Relu ? 1 : layer.activation == Activation::Sigmoid ? 2 : 0;
    std::vector<uint32_t> spec = {lx,
                                  ly,
                                  K,
                                  S,
                                  uint32_t(layer.pad),
                                  uint32_t(layer.inChannels),
                                  uint32_t(layer.outChannels),
                                  ocb_ / 4,
                                  v.icc,
                                  px,
                                  uint32_t(layer.upsampleBefore),
                                  act,
                                  uint32_t(layer.hasNorm),
                                  uint32_t(inputNorm_ == InputNorm::OnLoad),
                                  inputAct()};
    auto k = Kernel::create<ConvPush>(ctx, "conv2d", fp16, 6, spec);
    if (!k) return k.status().withContext("layer " + layer.name);
    v.kernel = std::move(k.value());
    variants_.push_back(std::move(v));
    return Status::ok();
}

Conv2dShape Conv2dOp::shapeWith(int inW, int inH, int variant) const {
    Conv2dShape s;
    s.inW = inW;
    s.inH = inH;
    const int eW = upsample_ ? inW * 2 : inW, eH = upsample_ ? inH * 2 : inH;
    s.outW = (eW + 2 * pad_ - kernelSize_) / stride_ + 1;
    s.outH = (eH + 2 * pad_ - kernelSize_) / stride_ + 1;
    s.variant = variant;
    int tw = 0, th = 0;
    if (runsNarrow(variant)) {
        const NarrowTile& t = narrow_[size_t(variant - primaryVariants())].tile;
        tw = int(t.lx * t.px);
        th = int(t.ly);
    } else if (coop_) {
        tw = int(coop_->tw);
        th = int(variant ? coop_->largeTh : coop_->th);
    } else {
        const TileVariant& v = variants_[size_t(variant)];
        tw = int(v.lx * v.px);
        th = int(v.ly);
    }
    s.tilesX = (s.outW + tw - 1) / tw;
    s.tilesY = (s.outH + th - 1) / th;
    return s;
}

int Conv2dOp::variantCount() const { return primaryVariants() + int(narrow_.size()); }

Conv2dShape Conv2dOp::shape(int inW, int inH) const {
    const Conv2dShape any = shapeWith(inW, inH, 0);
    const int pixels = any.outW * any.outH;
    int variant = 0;
    if (coop_) {
        variant = coop_->large && pixels >= CoopVariant::kLargePixels ? 1 : 0;
        if (variant && coop_->largeVec && pixels < CoopVariant::kLargeVecMaxPixels) variant = 2;
    } else if (!variants_.empty()) {
        variant = smallOutputPixels_ > 0 && pixels < smallOutputPixels_ ? 1 : 0;
    }
    return shapeWith(inW, inH, variant);
}

std::vector<Conv2dShape> Conv2dOp::candidates(int inW, int inH) const {
    std::vector<Conv2dShape> all{shape(inW, inH)};
    for (int v = 0; v < variantCount(); ++v)
        if (v != all.front().variant) all.push_back(shapeWith(inW, inH, v));
    return all;
}

void Conv2dOp::pack(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt, size_t& biasAt) const {
    if (coop_) return packCoop(layer, blob, weightsAt, biasAt);
    if (narrowHalf2()) return packNarrow(layer, blob, weightsAt, biasAt);
    const int K = layer.kernel, IC = layer.inChannels, OC = layer.outChannels, OCB = int(ocb_);
    const int groups = (OC + OCB - 1) / OCB;
    auto align = [&] { blob.resize((blob.size() + 63) / 64 * 64, 0.f); };  // 256-byte offsets
    align();
    weightsAt = blob.size();
    blob.resize(blob.size() + size_t(groups) * IC * K * K * OCB, 0.f);
    float* w = blob.data() + weightsAt;
    for (int g = 0; g < groups; ++g)
        for (int ic = 0; ic < IC; ++ic)
            for (int ky = 0; ky < K; ++ky)
                for (int kx = 0; kx < K; ++kx)
                    for (int o = 0; o < OCB; ++o) {
                        const int oc = g * OCB + o;
                        if (oc < OC) *w = layer.weights[((size_t(oc) * K + ky) * K + kx) * IC + ic];
                        ++w;
                    }
    align();
    biasAt = blob.size();
    blob.resize(blob.size() + size_t(groups) * OCB, 0.f);
    for (int oc = 0; oc < OC; ++oc) blob[biasAt + size_t(oc)] = layer.bias[size_t(oc)];
}

Status Conv2dOp::record(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet set, const Conv2dShape& s,
                        VkBuffer in, VkBuffer out, VkBuffer weights, VkBuffer partials, VkBuffer inScaleShift) const {
    const auto stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    tracker.read(in, stage, VK_ACCESS_SHADER_READ_BIT);
    if (inputNorm_ == InputNorm::OnLoad) tracker.read(inScaleShift, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(weights, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(out, stage, VK_ACCESS_SHADER_WRITE_BIT);
    if (stats_) tracker.write(partials, stage, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    const ConvPush push{s.inW, s.inH, s.outW, s.outH, s.tilesX, s.tilesX * s.tilesY};
    if (s.variant < 0 || s.variant >= variantCount())
        return Status::error("conv: tile variant " + std::to_string(s.variant) + " of " +
                             std::to_string(variantCount()));
    // The narrow alternate's variants first: they follow a coopmat or scalar primary's.
    if (runsNarrow(s.variant)) {
        PASTICHE_RETURN_IF_ERROR(narrow_[size_t(s.variant - primaryVariants())].kernel.bind(cmd, set, push));
        vkCmdDispatch(cmd, uint32_t(s.tilesX), uint32_t(s.tilesY), 1);
        return Status::ok();
    }
    if (coop_) {
        const Kernel& k = s.variant == 2 ? *coop_->largeVec : s.variant == 1 ? *coop_->large : coop_->kernel;
        PASTICHE_RETURN_IF_ERROR(k.bind(cmd, set, push));
        vkCmdDispatch(cmd, uint32_t(s.tilesX), uint32_t(s.tilesY), 1);
        return Status::ok();
    }
    PASTICHE_RETURN_IF_ERROR(variants_[size_t(s.variant)].kernel.bind(cmd, set, push));
    const uint32_t groups = uint32_t((outChannels_ + int(ocb_) - 1) / int(ocb_));
    vkCmdDispatch(cmd, uint32_t(s.tilesX), uint32_t(s.tilesY), groups);
    return Status::ok();
}

}  // namespace pastiche::vk
