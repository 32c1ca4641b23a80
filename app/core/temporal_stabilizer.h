// Temporal stability for video (files and live sources): stylizes one frame at processing size
// using the history of the frames before it. Stills never go through this.
//
// Two inference-only measures, both measured with ../shared/tools/temporal/flicker.py (numbers in
// docs/QUALITY.md):
//  1. Grid lock (app/core/grid_lock.h): the global translation (phase correlation + ECC) keeps the
//     scene on the network's 4-px grid, so a pan stops re-synthesising the texture every frame.
//  2. Trunk blending (app/core/trunk_motion.h): the last residual block's output is blended with
//     its flow-warped previous (blended) value where the flow is trustworthy and the input itself
//     warps consistently; the decoder then re-renders sharp detail from steadier features, so
//     noise-driven flicker goes without blurring moving texture (output blending would blur it).
// A scene cut (app/core/scene_cut.h), a size change or a flow that keeps too few pixels starts
// the history again. On the Vulkan backend both run on the GPU inside the frame's submission
// (TransferBackend::setDeviceStability with gridLock; engine/vulkan/grid_lock_op.h and
// trunk_stability.h): the global motion, the canvas and the shift back, the flow, mask, warp and
// blend; the host only looks for scene cuts. On the CPU backend the host does it all (OpenCV:
// corners and RANSAC for the global motion, DIS for the flow).
#pragma once

#include <memory>

#include "app/core/stylizer.h"
#include "engine/image.h"
#include "engine/status.h"

namespace pastiche {

// Which measures run (all by default; the others are for measurements and triage).
enum class StabilityMeasures { GridLockAndTrunkBlend, GridLockOnly, TrunkBlendOnly };

struct StabilityOptions {
    // 0 = per frame (as before), 1 = strongest. Grid lock is on for any strength > 0; the trunk
    // blend weight on trustworthy pixels is strength * kMaxTrunkWeight.
    double strength = 0.8;
    static constexpr double kMaxTrunkWeight = 1.0;
    double gateLevels = 12.0;  // the input warp residual (gray levels) at which history fades
    StabilityMeasures measures = StabilityMeasures::GridLockAndTrunkBlend;
};

// What the last frame did, for tests, logs and the bench.
struct StabilizerFrameReport {
    bool sceneCut = false;            // history was dropped before this frame
    bool trunkBlended = false;        // the trunk was blended with history
    double keptFraction = 0;          // share of pixels whose history was trusted by the flow test
    double offsetX = 0, offsetY = 0;  // grid-lock shift g_t, pixels
    bool similarity = false;          // the frame's motion was a zoom or roll (similarity lock)
    bool reanchored = false;          // the similarity lock moved its anchor to this frame
    double scaleStep = 1;             // the fitted similarity's scale, this frame -> the previous one
    double flowSpread = 0;            // std deviation of the trusted flow, pixels (grid lock's switch)
    // Wall time of the stages, milliseconds: grid lock (global motion, canvas, shift back), trunk
    // flow and masks, network.
    double msGridLock = 0, msTrunkMotion = 0, msNetwork = 0;
};

class TemporalStabilizer {
public:
    explicit TemporalStabilizer(StabilityOptions options = {});
    ~TemporalStabilizer();
    TemporalStabilizer(TemporalStabilizer&&) noexcept;
    TemporalStabilizer& operator=(TemporalStabilizer&&) noexcept;

    // One video frame at processing size; output gets the input's size.
    Status stylize(Stylizer& stylizer, const Image8& input, Image8& output);
    // Seek, new source, style change that should not morph: forget the history.
    void reset();

    void setOptions(StabilityOptions options);
    const StabilityOptions& options() const { return options_; }
    const StabilizerFrameReport& lastFrame() const { return report_; }

private:
    // The whole stabilizer on the device (grid lock included): DeviceStability::gridLock.
    Status stylizeOnDevice(Stylizer& stylizer, const Image8& input, Image8& output);
    struct State;
    StabilityOptions options_;
    StabilizerFrameReport report_;
    std::unique_ptr<State> state_;
};

}  // namespace pastiche
