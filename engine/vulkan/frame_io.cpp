// Frames in and out on the GPU: packed RGB8 (3 bytes/pixel) or float RGB <-> planar activations,
// with the reflect padding to the size multiple and the crop back (upload.comp, download.comp).
#include "engine/vulkan/ops.h"

namespace pastiche::vk {

Result<FrameIoOp> FrameIoOp::create(const Context& ctx, bool fp16) {
    FrameIoOp op;
    op.maxGroupsX_ = ctx.caps().maxGroupCountX;
    for (uint32_t f = 0; f < 2; ++f) {
        auto up = Kernel::create<FramePush>(ctx, "upload", fp16, 2, {16, 16, f});
        if (!up) return up.status();
        op.upload_[f] = std::move(up.value());
        auto down = Kernel::create<FramePush>(ctx, "download", fp16, 2, {256, f});
        if (!down) return down.status();
        op.download_[f] = std::move(down.value());
    }
    return op;
}

Status FrameIoOp::recordUpload(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet set, FrameFormat f,
                               int width, int height, int padW, int padH, VkBuffer raw, VkBuffer act) const {
    const auto stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    tracker.read(raw, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(act, stage, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(upload_[uint32_t(f)].bind(cmd, set, FramePush{width, height, padW, padH}));
    vkCmdDispatch(cmd, uint32_t((padW + 15) / 16), uint32_t((padH + 15) / 16), 1);
    return Status::ok();
}

Status FrameIoOp::recordDownload(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet set, FrameFormat f,
                                 int width, int height, int padW, int padH, VkBuffer act, VkBuffer raw) const {
    const auto stage = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;
    tracker.read(act, stage, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(raw, stage, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(download_[uint32_t(f)].bind(cmd, set, FramePush{padW, padH, width, height}));
    const uint32_t values = uint32_t(width) * uint32_t(height) * 3u;
    const uint32_t items = f == FrameFormat::F32 ? values : (values + 3) / 4;
    dispatch1D(cmd, (items + 255) / 256, maxGroupsX_);
    return Status::ok();
}

}  // namespace pastiche::vk
