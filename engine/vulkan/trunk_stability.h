// Temporal stability on the device (TransferBackend::setDeviceStability): the rules of
// app/core/trunk_motion.h and the trunk blend of app/core/temporal_stabilizer.cpp, run inside each
// frame's command buffer so neither the flow nor the history ever crosses to the host.
//   after the upload:   the flow (flow_pyramid.h: quarter-size gray, pyramid, 8x8 patches on a
//                       stride-4 grid, Lucas-Kanade coarse to fine, both directions) -> stab_mask
//                       (occlusion mask, gate, trusted count); the pyramid is kept for the next frame
//   after the trunk:    stab_blend (warp the history along the flow, blend in place, spread
//                       partials); the blended trunk is kept as the next frame's history
// The host writes a slot's StabilityParams before submitting and reads its report after the fence.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backend.h"
#include "engine/vulkan/flow_pyramid.h"
#include "engine/vulkan/vk_buffer.h"
#include "engine/vulkan/vk_kernel.h"

namespace pastiche::vk {

struct StabilityParams {   // stab_blend.comp's ParamBuf, one per slot (lock_fit.comp reads it too)
    float strength = 0;    // blend weight on fully trusted pixels
    float useHistory = 0;  // 1: the history is the previous frame of this sequence
    float minKept = 0;     // trusted pixels needed for any blending
    float invTau = 0;      // 1 / the gate's tau (gray levels)
};

class TrunkStabilityOp {
public:
    static Result<TrunkStabilityOp> create(const Context& ctx, bool fp16);

    // Buffers and descriptor sets for padW x padH frames whose trunk (planar, `channels` planes of
    // padW/4 x padH/4) is `trunk`; `input` is the planar padded frame; slots: frames in flight.
    struct Plan {
        FlowPyramidOp::Plan motion;  // of the network's input
        int w = 0, h = 0, channels = 0, groupsX = 0, groupsY = 0;
        Buffer maskGate, stats, history;
        struct SlotState {
            Buffer params, report;
            VkDescriptorSet mask = VK_NULL_HANDLE, blend = VK_NULL_HANDLE;
        };
        std::vector<SlotState> slots;
        DescriptorPoolHandle pool;
        VkBuffer trunk = VK_NULL_HANDLE;
        size_t reportBytes() const { return 16 + size_t(groupsX) * groupsY * 32; }
    };
    Result<std::unique_ptr<Plan>> plan(const Context& ctx, int padW, int padH, int channels, VkBuffer input,
                                       VkBuffer trunk, int slots) const;

    // After the upload: the gray, the pyramid, both flows, mask and gate; then this frame's
    // pyramid is kept. flowGiven: the level-0 flows are already in motion.flow (the grid lock
    // derives them from the frame's own flow, GridLockOp::recordCanvasFlow): gray and mask only.
    Status recordMotion(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int padW, int padH, int slot,
                        bool flowGiven = false) const;
    // After the trunk's last write: the blend, the history kept, the slot's report copied out.
    Status recordBlend(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int slot) const;
    // The slot's report (after its fence), for frames run with useHistory as given.
    static DeviceStabilityReport readReport(const Plan& p, int slot, const StabilityParams& ran);

    const FlowPyramidOp& pyramid() const { return pyramid_; }

private:
    FlowPyramidOp pyramid_;
    Kernel mask_, blend_;
    bool fp16_ = false;
};

}  // namespace pastiche::vk
