// Conditional instance norm: norm_finalize.comp (per-channel statistics -> scale/shift from the
// style's gamma/beta) then norm_apply.comp (in place, with activation or residual add).
#include "engine/vulkan/ops.h"

namespace pastiche::vk {

Result<InstanceNormOp> InstanceNormOp::create(const Context& ctx, const TransferLayer& layer, bool fp16,
                                              NormApply apply) {
    InstanceNormOp op;
    op.applyMode_ = apply;
    op.channels_ = layer.outChannels;
    op.epsilon_ = layer.norm.epsilon;
    op.residual_ = layer.residual == ResidualRole::BlockEnd;
    op.maxGroupsX_ = ctx.caps().maxGroupCountX;
    const uint32_t act = layer.activation == Activation::Relu ? 1 : layer.activation == Activation::Sigmoid ? 2 : 0;
    auto f = Kernel::create<NormFinalizePush>(ctx, "norm_finalize", fp16, 3, {256});
    if (!f) return f.status().withContext("layer " + layer.name);
    op.finalize_ = std::move(f.value());
    auto a = Kernel::create<NormApplyPush>(ctx, "norm_apply", fp16, 3, {256, act, uint32_t(op.residual_), 1});
    if (!a) return a.status().withContext("layer " + layer.name);
    op.apply_ = std::move(a.value());
    auto a4 = Kernel::create<NormApplyPush>(ctx, "norm_apply", fp16, 3, {256, act, uint32_t(op.residual_), 4});
    if (!a4) return a4.status().withContext("layer " + layer.name);
    op.apply4_ = std::move(a4.value());
    return op;
}

Status InstanceNormOp::record(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet finalizeSet,
                              VkDescriptorSet applySet, int width, int height, int numTiles, VkBuffer partials,
                              VkBuffer gammaBeta, VkBuffer scaleShift, VkBuffer x, VkBuffer skip) const {
    const auto stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    tracker.read(partials, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(gammaBeta, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(scaleShift, stage, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(finalize_.bind(cmd, finalizeSet, NormFinalizePush{numTiles, channels_, epsilon_, 0}));
    vkCmdDispatch(cmd, uint32_t(channels_), 1, 1);
    if (applyMode_ == NormApply::OnNextLoad) return Status::ok();

    tracker.read(scaleShift, stage, VK_ACCESS_SHADER_READ_BIT);
    if (residual_) tracker.read(skip, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(x, stage, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    const int total = width * height * channels_;
    // Four elements per invocation when the planes hold whole vectors (the activations are
    // allocated at 256-byte offsets, so the vectors are aligned).
    const int vec = (width * height) % 4 == 0 ? 4 : 1;
    PASTICHE_RETURN_IF_ERROR((vec == 4 ? apply4_ : apply_).bind(cmd, applySet, NormApplyPush{width * height, total}));
    dispatch1D(cmd, uint32_t((total / vec + 255) / 256), maxGroupsX_);
    return Status::ok();
}

}  // namespace pastiche::vk
