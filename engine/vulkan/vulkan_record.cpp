// VulkanBackend's command buffers (vulkan_backend.h): each slot's upload, compute (per lane, and
// with device stability or the grid lock) and download, recorded once per plan and replayed; and
// the per-layer profile read from their timestamps.
#include <algorithm>

#include "engine/vulkan/vulkan_backend.h"

namespace pastiche::vk::backend {

VkDeviceSize frameBytesOf(const Plan& p, FrameFormat f) {
    return alignUp(VkDeviceSize(p.width) * p.height * (f == FrameFormat::F32 ? 12 : 3), 4);
}

Status VulkanBackend::recordCompute(Plan& p, Slot& s, int laneIndex, VkCommandBuffer* cmds, int parts, FrameFormat in,
                                    FrameFormat out, bool withCopies, bool stabilized) {
    const int slot = int(&s - p.slots);
    const Lane& lane = p.lanes[size_t(laneIndex)];
    BarrierTracker tracker;  // one for all parts: barriers at a part's start are then redundant, not missing
    tracker.begin();
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    VkCommandBuffer cmd = cmds[0];
    PASTICHE_VK(vkBeginCommandBuffer(cmd, &bi));
    int part = 0;
    auto nextPart = [&]() -> Status {
        if (parts == 1) return Status::ok();
        PASTICHE_VK(vkEndCommandBuffer(cmd));
        cmd = cmds[++part];
        PASTICHE_VK(vkBeginCommandBuffer(cmd, &bi));
        return Status::ok();
    };
    uint32_t q = 0;
    auto stamp = [&] {
        if (profiling_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s.queries, q++);
    };
    if (profiling_) vkCmdResetQueryPool(cmd, s.queries, 0, queryCount());
    auto stampStability = [&](uint32_t i) {
        if (profiling_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s.queries, i);
    };
    if (withCopies) recordCopy(cmd, tracker, s.stagingIn.get(), s.rawIn.get(), frameBytesOf(p, in), false);
    stamp();
    // With the device grid lock the frame goes to the lock's buffer and from there onto the canvas.
    const GridLockOp::Plan* lock = stabilized ? p.lock.get() : nullptr;
    if (lock)
        PASTICHE_RETURN_IF_ERROR(frameIo_->recordUpload(cmd, tracker, lock->uploadSets[size_t(slot)], in, p.width,
                                                        p.height, lock->frameW, lock->frameH, s.rawIn.get(),
                                                        lock->frame.get()));
    else
        PASTICHE_RETURN_IF_ERROR(frameIo_->recordUpload(cmd, tracker, lane.uploadSets[slot], in, p.width, p.height,
                                                        p.padW, p.padH, s.rawIn.get(), lane.input.get()));
    stamp();
    if (lock) {
        uint32_t stage = uint32_t(2 * layers_.size() + 7);
        PASTICHE_RETURN_IF_ERROR(
            lockOp_->recordIn(cmd, tracker, stabOp_->pyramid(), *lock, slot, [&] { stampStability(stage++); }));
        PASTICHE_RETURN_IF_ERROR(lockOp_->recordCanvasFlow(cmd, tracker, *lock));
        stampStability(uint32_t(2 * layers_.size() + 5));
    }
    if (stabilized) {
        PASTICHE_RETURN_IF_ERROR(stabOp_->recordMotion(cmd, tracker, *p.stab, p.padW, p.padH, slot, lock != nullptr));
        stampStability(uint32_t(2 * layers_.size() + 3));
        PASTICHE_RETURN_IF_ERROR(nextPart());  // the network from here
    }
    int blockStart = -1;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const LayerOps& ops = layers_[l];
        const TransferLayer& layer = net_.layers[l];
        const VkBuffer inBuf = l == 0 ? lane.input.get() : lane.acts[l - 1];
        const Conv2dShape& sh = p.shapes[l];
        PASTICHE_RETURN_IF_ERROR(ops.conv.record(cmd, tracker, convSet(lane, l, sh), sh, inBuf, lane.acts[l],
                                                 weights_.get(), lane.partials.get(), inScaleShift(lane, l)));
        if (profiling_)
            vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s.queries, uint32_t(layers_.size() + 3 + l));
        if (layer.residual == ResidualRole::BlockStart) blockStart = int(l);
        if (ops.norm) {
            VkBuffer skip = lane.acts[l];
            if (layer.residual == ResidualRole::BlockEnd)
                skip = blockStart == 0 ? lane.input.get() : lane.acts[size_t(blockStart) - 1];
            PASTICHE_RETURN_IF_ERROR(ops.norm->record(cmd, tracker, lane.finalizeSets[l], lane.applySets[l], sh.outW,
                                                      sh.outH, sh.tilesX * sh.tilesY, lane.partials.get(), style_.get(),
                                                      lane.scaleShift[l].get(), lane.acts[l], skip));
        }
        stamp();
        if (stabilized && int(l) == trunkLayer_) {
            PASTICHE_RETURN_IF_ERROR(stabOp_->recordBlend(cmd, tracker, *p.stab, slot));
            stampStability(uint32_t(2 * layers_.size() + 4));
            PASTICHE_RETURN_IF_ERROR(nextPart());  // the decoder and the warp back from here
        }
    }
    if (lock) {  // RGB8 out of most widths: the warp back packs it (no download pass)
        const bool packed = out == FrameFormat::Rgb8 && GridLockOp::packsRgb8(*lock);
        PASTICHE_RETURN_IF_ERROR(lockOp_->recordOut(cmd, tracker, *lock, slot, packed));
        stampStability(uint32_t(2 * layers_.size() + 6));
        if (!packed)
            PASTICHE_RETURN_IF_ERROR(frameIo_->recordDownload(cmd, tracker, lock->downloadSets[size_t(slot)], out,
                                                              p.width, p.height, p.width, p.height,
                                                              lock->frameOut.get(), s.rawOut.get()));
    } else {
        PASTICHE_RETURN_IF_ERROR(frameIo_->recordDownload(cmd, tracker, lane.downloadSets[slot], out, p.width, p.height,
                                                          p.padW, p.padH, lane.acts.back(), s.rawOut.get()));
    }
    stamp();
    if (withCopies) recordCopy(cmd, tracker, s.rawOut.get(), s.stagingOut.get(), frameBytesOf(p, out), true);
    PASTICHE_VK(vkEndCommandBuffer(cmd));
    if (part != parts - 1)
        return Status::error("Vulkan backend: a frame recorded in " + std::to_string(part + 1) + " parts, not " +
                             std::to_string(parts));
    return Status::ok();
}

Status VulkanBackend::recordPlan(Plan& p) {
    const Context& c = *ctx_;
    const bool split = c.separateTransfer();
    for (Slot& s : p.slots) {
        for (size_t lane = 0; lane < p.lanes.size(); ++lane)
            for (int in = 0; in < 2; ++in)
                for (int out = 0; out < 2; ++out) {
                    auto cmd = p.computeCmds.allocate(c.device(), c.computePool());
                    if (!cmd) return cmd.status();
                    VkCommandBuffer& compute = s.compute[lane][in][out];
                    compute = cmd.value();
                    PASTICHE_RETURN_IF_ERROR(
                        recordCompute(p, s, int(lane), &compute, 1, FrameFormat(in), FrameFormat(out), !split, false));
                }
        if (!split) continue;
        for (int f = 0; f < 2; ++f) {
            for (int dir = 0; dir < 2; ++dir) {
                auto cmd = p.transferCmds.allocate(c.device(), c.transferPool());
                if (!cmd) return cmd.status();
                BarrierTracker tracker;
                tracker.begin();
                VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
                PASTICHE_VK(vkBeginCommandBuffer(cmd.value(), &bi));
                if (dir == 0) {
                    recordCopy(cmd.value(), tracker, s.stagingIn.get(), s.rawIn.get(), frameBytesOf(p, FrameFormat(f)),
                               false);
                    s.upload[f] = cmd.value();
                } else {
                    recordCopy(cmd.value(), tracker, s.rawOut.get(), s.stagingOut.get(),
                               frameBytesOf(p, FrameFormat(f)), true);
                    s.download[f] = cmd.value();
                }
                PASTICHE_VK(vkEndCommandBuffer(cmd.value()));
            }
        }
    }
    return Status::ok();
}

void VulkanBackend::readProfile(Slot& s) {
    const uint32_t n = uint32_t(layers_.size() + 3), all = s.stabilized ? queryCount() : 2 * n - 3;
    std::vector<uint64_t> t(all);
    if (vkGetQueryPoolResults(ctx_->device(), s.queries, 0, all, all * 8, t.data(), 8, VK_QUERY_RESULT_64_BIT) !=
        VK_SUCCESS)
        return;
    const double toMs = ctx_->caps().timestampPeriodNs * 1e-6;
    profile_.clear();
    profile_.push_back({"upload (rgb -> planar)", double(t[1] - t[0]) * toMs});
    // With device stability, the motion stage runs between the upload and the first layer and the
    // blend right after the trunk layer (stamps 2n - 3 and 2n - 2); with the grid lock, its motion
    // and canvas before them (2n - 1) and its warp back after the last layer (2n).
    const size_t motionEnd = 2 * n - 3, blendEnd = 2 * n - 2, lockInEnd = 2 * n - 1, lockOutEnd = 2 * n;
    uint64_t motionStart = t[1];
    if (s.locked) {
        profile_.push_back({"grid lock: frame flow, fit, canvas", double(t[lockInEnd] - t[1]) * toMs});
        motionStart = t[lockInEnd];
    }
    if (s.stabilized) profile_.push_back({"stability: pyramid, flow, mask", double(t[motionEnd] - motionStart) * toMs});
    for (size_t l = 0; l < layers_.size(); ++l) {
        uint64_t start = t[l + 1];
        if (s.stabilized && l == 0) start = t[motionEnd];
        if (s.stabilized && int(l) == trunkLayer_ + 1) start = t[blendEnd];
        profile_.push_back({net_.layers[l].name, double(t[l + 2] - start) * toMs});
        if (s.stabilized && int(l) == trunkLayer_)
            profile_.push_back({"stability: warp, blend, keep", double(t[blendEnd] - t[l + 2]) * toMs});
    }
    uint64_t downloadStart = t[n - 2];
    if (s.locked) {
        profile_.push_back({"grid lock: back to the frame", double(t[lockOutEnd] - t[n - 2]) * toMs});
        downloadStart = t[lockOutEnd];
    }
    profile_.push_back({"download (planar -> rgb)", double(t[n - 1] - downloadStart) * toMs});
    // PASTICHE_VK_PROFILE_CONV=1: also each layer's conv dispatch alone (the rest of the layer's
    // time is its instance norm: finalize + apply).
    if (profileConv()) {
        for (size_t l = 0; l < layers_.size(); ++l)
            profile_.push_back({net_.layers[l].name + " [conv] variant " + std::to_string(plan_->shapes[l].variant),
                                double(t[n + l] - t[l + 1]) * toMs});
        // and the grid lock's first stages (grid_lock_op.cpp, recordIn) alone
        static const char* const kLockStages[GridLockOp::kStages] = {"frame flow", "half-size gray", "patch fit",
                                                                     "refinement, policy", "warp in"};
        for (size_t i = 0; s.locked && i < GridLockOp::kStages; ++i) {
            const uint64_t from = i == 0 ? t[1] : t[2 * n + i];
            profile_.push_back(
                {std::string("grid lock: ") + kLockStages[i] + " [conv]", double(t[2 * n + 1 + i] - from) * toMs});
        }
    }
}

}  // namespace pastiche::vk::backend
