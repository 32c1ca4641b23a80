// Grid lock on the device (DeviceStability::gridLock): the rules of app/core/grid_lock.h inside
// each frame's command buffer, so neither the motion nor the frames cross to the host.
//   after the upload (into the frame buffer, not the network's input):
//     the frame's flow (flow_pyramid.h) against the previous frame's;
//     lock_fit: a robust similarity fit of it, refined on the whole frames (lock_refine), and
//       the lock's policy, its state kept on the device;
//     lock_warp_in: the frame onto its canvas (frame + margins), the network's input;
//     lock_canvas_flow: the flow between this canvas and the previous one, for the trunk's blend
//       (TrunkStabilityOp::recordMotion with flowGiven), from the frame's flow and the two maps;
//   after the network: lock_warp_out, the canvas result back to the frame's size and place.
// The host reads the lock's state (LockState) per slot after the fence, for the report.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/backend.h"
#include "engine/vulkan/flow_pyramid.h"
#include "engine/vulkan/vk_buffer.h"
#include "engine/vulkan/vk_kernel.h"

namespace pastiche::vk {

struct LockState {  // shaders/lock_state.glsl
    float anchor[6], mapCur[6], invCur[6], mapPrev[6], invPrev[6], centre[2];
    int32_t mode, globalMotion, reanchors, simStep, reanchored, fitOk;
    float offset[2], motion[2], scaleStep, angleStep, spread, trusted;
    float fit[4], meanFlow[2], wIn[16], wOut[20];
    int32_t parity, history;
};
static_assert(sizeof(LockState) == 90 * 4, "LockState must match shaders/lock_state.glsl");

class GridLockOp {
public:
    static Result<GridLockOp> create(const Context& ctx, bool fp16);

    struct Plan {
        int width = 0, height = 0;      // the frame
        int frameW = 0, frameH = 0;     // its buffer: sides rounded up to multiples of 4
        int canvasW = 0, canvasH = 0;   // the network's input and output
        int step = 1;                   // lock_fit's patch sampling
        FlowPyramidOp::Plan motion;     // of the frame
        Buffer frame, frameOut, state;  // planar frame in, planar result out, LockState
        int halfW = 0, halfH = 0, refineSub = 1, refineGroups = 0;
        Buffer halves, partials;      // lock_refine.comp's grays (this frame's and the last) and sums
        std::vector<Buffer> reports;  // per slot: LockState after its frame
        std::vector<Buffer> slotStates;  // per slot, on the device: the same, for its warp back
        DescriptorPoolHandle pool;
        std::vector<VkDescriptorSet> fitSets, uploadSets, downloadSets;  // per slot
        std::vector<VkDescriptorSet> warpOutSets;  // per slot (its raw frame out for the packed warp)
        std::vector<VkBuffer> rawOuts;             // per slot: SlotBuffers::rawOut
        VkDescriptorSet canvasFlowSet = VK_NULL_HANDLE, warpInSet = VK_NULL_HANDLE;
        VkDescriptorSet refineSet = VK_NULL_HANDLE;
        VkBuffer canvasIn = VK_NULL_HANDLE, canvasOut = VK_NULL_HANDLE;
        int canvasGw = 0, canvasGh = 0, canvasDirStride = 0;  // the trunk's flow grids
        VkBuffer canvasFlow = VK_NULL_HANDLE;
        int trunkGroups = 0;  // stab_blend.comp's workgroups: the last frame's spread partials in trunkStats
        VkBuffer trunkStats = VK_NULL_HANDLE;
    };
    // Per slot: its StabilityParams buffer, its raw frame in and out (FrameIoOp's packed frames).
    struct SlotBuffers {
        VkBuffer params = VK_NULL_HANDLE, rawIn = VK_NULL_HANDLE, rawOut = VK_NULL_HANDLE;
    };
    // For width x height frames on canvases of stability::canvasSide; the canvas flow is the
    // trunk's level-0 flow (canvas / 4, flow_grid.glsl).
    Result<std::unique_ptr<Plan>> plan(const Context& ctx, const FlowPyramidOp& pyramid,
                                       VkDescriptorSetLayout frameIoLayout, int width, int height, VkBuffer canvasIn,
                                       VkBuffer canvasOut, const FlowPyramidOp::Plan& canvasMotion, VkBuffer trunkStats,
                                       int trunkGroups, const std::vector<SlotBuffers>& slots) const;

    // After the frame's upload into p.frame: its flow, the fit and the policy, the canvas. mark()
    // is called after each of its kStages stages (profiling timestamps).
    static constexpr int kStages = 5;
    Status recordIn(VkCommandBuffer cmd, BarrierTracker& tracker, const FlowPyramidOp& pyramid, const Plan& p, int slot,
                    const std::function<void()>& mark) const;
    // The canvas flow, before TrunkStabilityOp::recordMotion(flowGiven = true).
    Status recordCanvasFlow(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p) const;
    // After the network: the result back to the frame; the slot's report (written by lock_fit)
    // made visible to the host. packed (packsRgb8): straight into the slot's raw RGB8 frame, with
    // no download after it; else into p.frameOut (planar) for FrameIoOp's download.
    Status recordOut(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int slot, bool packed) const;
    // RGB8 frames whose width is a multiple of 4 (tile rows of whole words) go out packed.
    static bool packsRgb8(const Plan& p) { return p.width % 4 == 0; }
    // Adds the lock's fields to a report that has the trunk's (after the slot's fence).
    static void readReport(const Plan& p, int slot, DeviceStabilityReport& r);

    // Gauss-Newton steps on the half-size frames (triage: PASTICHE_VK_LOCK_REFINE=1..4). One step
    // left the scale noisy enough for 3 false similarity steps in 60 frames of a pure pan
    // (pan_stata; each leaves the lock on a similarity until it re-anchors); two: none.
    static constexpr int kRefineSteps = 2;
    // The frame's flow at a quarter of its size, or at an eighth from 720 lines up (a quarter of
    // the cost): the global motion only needs a start for the refinement, and the canvas flow is
    // the global motion plus a shrunk residual. Smaller frames keep a quarter: at an eighth a
    // 192x144 frame's flow is too coarse to tell a pan from local motion.
    static int flowBlockFor(int width, int height) { return std::min(width, height) >= 720 ? 8 : 4; }

private:
    Kernel fit_, refine_, canvasFlow_, warpIn_, warpOut_, warpOutPacked_;
    int refineSteps_ = kRefineSteps;
    bool fp16_ = false;
};

}  // namespace pastiche::vk
