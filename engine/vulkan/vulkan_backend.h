// The Vulkan TransferBackend's internals, shared by its three files: vulkan_backend.cpp (create,
// style, submit and collect), vulkan_plan.cpp (reshape: the plan's buffers, lanes, descriptor sets
// and conv variants) and vulkan_record.cpp (the recorded command buffers and the profile).
//
// Lifecycle: create (pipelines built, weights uploaded once) -> reshape (per resolution: buffers,
// descriptor sets, and every command buffer recorded) -> run / submit+collect (replay: copy the frame into a staging
// buffer, one vkQueueSubmit, wait, copy out). Frames in flight: kSlots slots, each with its own staging and raw frame
// buffers, fence and command buffers; with a separate transfer queue, upload and download copies of one frame overlap
// the compute of another (semaphores between the queues). Plain frames in flight take turns over
// the plan's lanes: each lane has its own activations and norm buffers and a compute queue of its
// own where the device has several, so two frames' networks run side by side and fill what one
// frame leaves idle (the tail of each dispatch, the small norm dispatches, the barriers).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/buffer_reuse.h"
#include "engine/env_switch.h"
#include "engine/stability_policy.h"
#include "engine/vulkan/conv_choice.h"
#include "engine/vulkan/grid_lock_op.h"
#include "engine/vulkan/host_copy.h"
#include "engine/vulkan/ops.h"
#include "engine/vulkan/trunk_stability.h"
#include "engine/vulkan/vk_context.h"
#include "engine/vulkan/vk_submit.h"

// In a namespace of their own: these generic names (Slot, Lane, Plan) are the backend's alone.
namespace pastiche::vk::backend {

inline constexpr int kSlots = 3;
inline constexpr int kMaxLanes = kSlots;  // more lanes than frames in flight would idle
// How long a frame may take before the device counts as hung: a GPU frame takes milliseconds; a
// software device (lavapipe) on a CPU shared with other work took over 20 s for one 384x384 frame
// (a 2-core machine at load average 10), so it gets far longer.
inline constexpr uint64_t kFenceTimeoutNs = 20ull * 1000 * 1000 * 1000;
inline constexpr uint64_t kSoftwareFenceTimeoutNs = 600ull * 1000 * 1000 * 1000;

inline VkDeviceSize alignUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

// PASTICHE_VK_PROFILE_CONV=1: the plan's buffers, each conv's measured variants, and (with
// profiling) each conv dispatch timed alone.
inline bool profileConv() { return env::is("PASTICHE_VK_PROFILE_CONV", "1"); }

// Command buffers allocated from one of the context's pools, freed together.
class CommandBuffers {
public:
    CommandBuffers() = default;
    CommandBuffers(const CommandBuffers&) = delete;
    CommandBuffers& operator=(const CommandBuffers&) = delete;
    ~CommandBuffers() {
        if (!cmds_.empty()) vkFreeCommandBuffers(device_, pool_, uint32_t(cmds_.size()), cmds_.data());
    }
    Result<VkCommandBuffer> allocate(VkDevice device, VkCommandPool pool) {
        device_ = device;
        pool_ = pool;
        VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
        ai.commandPool = pool;
        ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
        ai.commandBufferCount = 1;
        VkCommandBuffer cmd;
        PASTICHE_VK(vkAllocateCommandBuffers(device, &ai, &cmd));
        cmds_.push_back(cmd);
        return cmd;
    }

private:
    VkDevice device_ = VK_NULL_HANDLE;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    std::vector<VkCommandBuffer> cmds_;
};

struct Slot {
    Buffer stagingIn, stagingOut, rawIn, rawOut;
    FenceHandle fence;
    SemaphoreHandle uploaded, computed;
    QueryPoolHandle queries;
    VkCommandBuffer upload[2]{}, download[2]{};  // [in], [out]
    VkCommandBuffer compute[kMaxLanes][2][2]{};  // a plain frame: [lane][in][out]
    VkCommandBuffer computeStable[2][2]{};       // the same with device stability (Plan::stab), recorded at first use
    // With the device grid lock and timeline semaphores, in three parts (recorded at first use): the
    // lock's and the trunk's motion stages (on Context::lockQueue), the network up to the trunk blend,
    // the rest. The next frame's motion stages wait only for the second part, so on a device with
    // two compute queues they run beside this frame's decoder and warp back.
    VkCommandBuffer computeLocked[2][2][3]{};
    bool pending = false, stabilized = false, locked = false;  // locked: with the device grid lock
    StabilityParams ran;                                       // what its stabilized frame was submitted with
    DeviceStabilityReport report;                              // read when its fence is waited for
    FrameFormat in = FrameFormat::Rgb8, out = FrameFormat::Rgb8;
};

// One copy of the network's working buffers: the padded input, every layer's activations and norm
// scale/shift, the norm partials, and the descriptor sets over them (per slot for the frame's
// upload and download). Lane 0 is also the one device stability and the grid lock work on.
struct Lane {
    Buffer input, partials;
    std::vector<Buffer> actBuffers, scaleShift;  // actBuffers: as Plan::actReuse says
    std::vector<VkBuffer> acts;                  // each layer's output: one of actBuffers
    std::vector<VkDescriptorSet> convSets, finalizeSets, applySets;
    std::vector<VkDescriptorSet> altConvSets;  // over the narrow alternate's weights (else null)
    VkDescriptorSet uploadSets[kSlots]{}, downloadSets[kSlots]{};
};

// Everything that depends on the resolution. Destroyed only when the device is idle.
struct Plan {
    int width = 0, height = 0, padW = 0, padH = 0;  // gridLock: pad* is the lock's canvas
    bool gridLock = false;
    std::vector<Conv2dShape> shapes;
    // The layers' outputs share buffers where their lifetimes allow (in bytes; the trunk and the
    // last layer's output keep their own: device stability and the grid lock read them beside the
    // network, on another queue).
    BufferReusePlan actReuse;
    std::vector<Lane> lanes;  // at least one
    int nextLane = 0;         // the lane of the next plain frame
    DescriptorPoolHandle pool;
    CommandBuffers computeCmds, transferCmds;
    Slot slots[kSlots];
    std::unique_ptr<TrunkStabilityOp::Plan> stab;  // device stability at this size (null: unsupported)
    std::string stabUnavailable;                   // why stab is null where the network has a trunk
    std::unique_ptr<GridLockOp::Plan> lock;        // the device grid lock (gridLock plans)
    std::string lockUnavailable;                   // why lock is null in a gridLock plan
};

struct LayerOps {
    Conv2dOp conv;
    std::optional<InstanceNormOp> norm;
    size_t weightsAt = 0, biasAt = 0, styleAt = 0;  // floats into the weight blob / style buffer
    size_t altWeightsAt = 0, altBiasAt = 0;         // the conv's narrow alternate (hasNarrowAlternate)
};

class VulkanBackend final : public TransferBackend {
public:
    static Result<std::unique_ptr<TransferBackend>> create(const TransferNetwork& net, const BackendOptions& options);
    ~VulkanBackend() override {
        if (ctx_) vkDeviceWaitIdle(ctx_->device());
    }

    BackendKind kind() const override { return BackendKind::Vulkan; }
    std::string name() const override { return "vulkan"; }
    DeviceInfo device() const override;
    Precision precision() const override { return fp16_ ? Precision::Fp16 : Precision::Fp32; }
    bool supports(const TransferNetwork& net) const override { return checkSupported(net).isOk(); }
    Status reshape(int width, int height) override;
    Status setStyle(const StyleVector& style) override;
    Status run(const ConstImageView& input, const ImageView& output) override;
    int framesInFlight() const override { return kSlots; }
    int computeLanes() const override { return plan_ ? int(plan_->lanes.size()) : 1; }
    Status submit(const ConstImageView& input, int slot) override;
    Status collect(int slot, const ImageView& output) override;
    std::vector<LayerTiming> lastProfile() const override { return profile_; }
    bool supportsDeviceStability() const override { return stabOp_.has_value(); }
    Status setDeviceStability(const DeviceStability& stability) override;
    Status warmUp() override;
    DeviceStabilityReport deviceStabilityReport() const override { return stabReport_; }

    static Status checkSupported(const TransferNetwork& net);

private:
    Status buildPlan(int width, int height, bool gridLock);
    Status submitFrame(const ConstImageView& input, int slot, FrameFormat out);
    Status waitSlot(Slot& s);
    Status recordPlan(Plan& p);
    // Into cmds[0], or with parts == 3 (a grid-lock frame) split over cmds[0..2] as
    // Slot::computeLocked says; on the buffers of p.lanes[lane] (0 for stabilized frames).
    Status recordCompute(Plan& p, Slot& s, int lane, VkCommandBuffer* cmds, int parts, FrameFormat in, FrameFormat out,
                         bool withCopies, bool stabilized);
    // On lane's queue; only lane 0's submissions signal the compute timeline.
    Status submitCompute(Slot& s, int lane, FrameFormat in, FrameFormat out, VkCommandBuffer compute);
    Status submitLocked(Slot& s, FrameFormat in, FrameFormat out);
    // With a transfer queue: the slot's upload copy (signals Slot::uploaded) and its download copy
    // (after Slot::computed; signals the slot's fence).
    Status submitUpload(Slot& s, FrameFormat in);
    Status submitDownload(Slot& s, FrameFormat out);
    void readProfile(Slot& s);
    // The scale/shift a conv applies to its input (InputNorm::OnLoad); else any valid buffer, unread.
    VkBuffer inScaleShift(const Lane& lane, size_t layer) const {
        return layers_[layer].conv.inputNorm() == InputNorm::OnLoad ? lane.scaleShift[layer - 1].get() : style_.get();
    }
    // The conv set of layer l in a lane for the variant of shape s (its kernel's weights).
    VkDescriptorSet convSet(const Lane& lane, size_t l, const Conv2dShape& s) const {
        const Conv2dOp& op = layers_[l].conv;
        return op.hasNarrowAlternate() && op.runsNarrow(s.variant) ? lane.altConvSets[l] : lane.convSets[l];
    }
    // A lane's buffers at the plan's size (sizes in Plan::shapes), and its descriptor sets.
    Status makeLaneBuffers(const Plan& p, Lane& lane, const std::string& at) const;
    Status writeLaneSets(Plan& p, Lane& lane) const;
    // How many lanes a plan gets: PASTICHE_VK_LANES (1 to kMaxLanes), else two where the device has a
    // second compute queue and a second copy of the buffers (laneBytes) fits in an eighth of its
    // memory; one for a grid-lock plan (its frames depend on each other) and on a CPU device.
    int lanesFor(const Plan& p, VkDeviceSize laneBytes) const;
    // Each conv's tile variant at the plan's size (conv_choice.h): p.shapes[l] becomes the
    // remembered or measured choice (timed on lane 0's buffers, before any frame).
    Status chooseConvVariants(Plan& p);

    TransferNetwork net_;
    std::unique_ptr<Context> ctx_;
    bool fp16_ = false, profiling_ = false;
    std::vector<LayerOps> layers_;
    std::optional<FrameIoOp> frameIo_;
    Buffer weights_, style_;
    std::unique_ptr<Plan> plan_;
    std::unique_ptr<HostCopier> copier_;      // frame copies to and from staging (threads for large frames)
    std::unique_ptr<ConvChoice> convChoice_;  // each conv's tile variant per size, measured and remembered
    FrameFormat preferredOut_ = FrameFormat::Rgb8;
    std::vector<LayerTiming> profile_;
    // Device stability: the op (where the network has a trunk with a decoder after it), the layer
    // whose output is the trunk, what the caller asked for, whether the device history belongs to
    // the previous submitted frame, and the report of the last collected frame.
    std::optional<TrunkStabilityOp> stabOp_;
    std::optional<GridLockOp> lockOp_;
    int trunkLayer_ = -1;
    DeviceStability stability_;
    bool historyValid_ = false;
    DeviceStabilityReport stabReport_;
    // Timeline semaphores of the compute queue (every submission there signals the next value)
    // and of the lock queue (each grid-lock frame's motion stages); a lock frame's motion stages
    // wait for computeWaitForLock_: the previous frame's network up to its trunk blend, or the
    // whole previous submission when that frame had no lock.
    SemaphoreHandle computeTimeline_, lockTimeline_;
    uint64_t computeValue_ = 0, lockValue_ = 0, computeWaitForLock_ = 0;
    // Timestamps: one before the upload and after it and each layer, one after each conv, two for
    // device stability, two for the device grid lock and one after each of its first stages.
    uint32_t queryCount() const { return uint32_t(2 * layers_.size() + 7 + GridLockOp::kStages); }
};

// The bytes of one frame in format f at the plan's size (4-byte aligned).
VkDeviceSize frameBytesOf(const Plan& p, FrameFormat f);

}  // namespace pastiche::vk::backend
