// The device stability's motion estimate (engine/vulkan/trunk_stability.h, grid_lock_op.h): the
// gray of a planar frame at a quarter of its size (stab_gray), a binomial pyramid of it
// (stab_down) and the patch flow between it and the previous frame's pyramid, both directions
// (stab_flow: 8x8 patches on a stride-4 grid, Lucas-Kanade coarse to fine, flow_grid.glsl).
#pragma once

#include <vector>

#include "engine/vulkan/vk_buffer.h"
#include "engine/vulkan/vk_kernel.h"

namespace pastiche::vk {

class FlowPyramidOp {
public:
    static Result<FlowPyramidOp> create(const Context& ctx, bool fp16);

    struct Plan {
        struct Level {
            int off = 0, w = 0, h = 0;  // in the pyramids
            int gridOff = 0;            // its flow grid (flow_grid.glsl) in the flow buffer
        };
        std::vector<Level> levels;
        int block = 4;                 // frame pixels per level-0 pixel, each way
        int w = 0, h = 0;              // level 0: 1/block of the frame
        int total = 0, gridTotal = 0;  // pyramid floats; grid cells per direction
        Buffer pyrCur, pyrPrev, flow;  // flow: [direction][level] grids, vec2 each
        Buffer texture;                // level 0's patches: the smaller eigenvalue of G
        DescriptorPoolHandle pool;
        VkDescriptorSet gray = VK_NULL_HANDLE, down = VK_NULL_HANDLE, flowSet = VK_NULL_HANDLE;
        VkBuffer input = VK_NULL_HANDLE;  // planar frame, padW x padH
    };
    // For planar frames of padW x padH (multiples of block, at least 8 block each way) in `input`.
    // levels: the most pyramid levels (5: motion of up to about 4 * 2^4 level-0 pixels a frame).
    Result<Plan> plan(const Context& ctx, int padW, int padH, VkBuffer input, int block = 4, int levels = 5) const;

    // The 1/block-size gray of this frame into level 0 of pyrCur.
    Status recordGray(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int padW, int padH) const;
    // The rest of the pyramid and both flows against pyrPrev.
    Status recordFlow(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p) const;
    // This frame's pyramid becomes the previous one (levels: how many, from 0; -1 all).
    static void recordKeep(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int levels = -1);

    static constexpr int kIterations = 6;   // most Lucas-Kanade iterations per pyramid level
    static constexpr float kLambda = 25.f;  // Tikhonov weight (gray levels^2 over an 8x8 patch)

private:
    Kernel gray_, down_, flow_;
};

inline int flowGridSide(int pixels) { return (pixels + 3) / 4; }  // flow_grid.glsl's

}  // namespace pastiche::vk
