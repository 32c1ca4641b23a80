// The Vulkan TransferBackend. Lifecycle: create (pipelines built, weights uploaded once) ->
// reshape (per resolution: buffers, descriptor sets, and every command buffer recorded) -> run /
// submit+collect (replay: copy the frame into a staging buffer, one vkQueueSubmit, wait, copy out).
// Frames in flight: kSlots slots, each with its own staging and raw frame buffers, fence and
// command buffers; with a separate transfer queue, upload and download copies of one frame overlap
// the compute of another (semaphores between the queues). Plain frames in flight take turns over
// the plan's lanes: each lane has its own activations and norm buffers and a compute queue of its
// own where the device has several, so two frames' networks run side by side and fill what one
// frame leaves idle (the tail of each dispatch, the small norm dispatches, the barriers).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

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

namespace pastiche {
namespace {

using namespace vk;

constexpr int kSlots = 3;
constexpr int kMaxLanes = kSlots;  // more lanes than frames in flight would idle
// How long a frame may take before the device counts as hung: a GPU frame takes milliseconds; a
// software device (lavapipe) on a CPU shared with other work took over 20 s for one 384x384 frame
// (a 2-core machine at load average 10), so it gets far longer.
constexpr uint64_t kFenceTimeoutNs = 20ull * 1000 * 1000 * 1000;
constexpr uint64_t kSoftwareFenceTimeoutNs = 600ull * 1000 * 1000 * 1000;

VkDeviceSize alignUp(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

// PASTICHE_VK_PROFILE_CONV=1: the plan's buffers, each conv's measured variants, and (with
// profiling) each conv dispatch timed alone.
bool profileConv() { return env::is("PASTICHE_VK_PROFILE_CONV", "1"); }

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
    VkCommandBuffer computeStable[2][2]{};  // the same with device stability (Plan::stab), recorded at first use
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
    std::unique_ptr<HostCopier> copier_;  // frame copies to and from staging (threads for large frames)
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

Status VulkanBackend::checkSupported(const TransferNetwork& net) {
    if (net.layers.empty()) return Status::error("empty network");
    if (net.layers.front().inChannels != 3 || net.layers.back().outChannels != 3)
        return Status::error("the network must map 3 channels to 3 channels");
    int prevOut = 3, blockStart = -1;
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const TransferLayer& l = net.layers[i];
        const std::string where = "layer " + l.name + ": ";
        if (l.inChannels != prevOut) return Status::error(where + "input channels do not match the previous layer");
        if (l.kernel < 1 || l.kernel > 9 || l.stride < 1 || l.stride > 2 || l.pad < 0 || l.pad > 4)
            return Status::error(where + "unsupported kernel/stride/pad");
        if (l.inChannels > 64 || l.outChannels > 64) return Status::error(where + "more than 64 channels");
        if (l.weights.size() != size_t(l.outChannels) * l.kernel * l.kernel * l.inChannels ||
            l.bias.size() != size_t(l.outChannels))
            return Status::error(where + "weight sizes do not match the shape");
        if (l.hasNorm && (l.norm.gammaBias.size() != size_t(l.outChannels) ||
                          l.norm.gammaWeights.size() != size_t(l.outChannels) * kStyleVectorSize))
            return Status::error(where + "norm weight sizes do not match");
        if (l.residual == ResidualRole::BlockStart) blockStart = int(i);
        if (l.residual == ResidualRole::BlockEnd) {
            if (blockStart < 0 || !l.hasNorm) return Status::error(where + "residual end without a start or norm");
            if (net.layers[size_t(blockStart)].inChannels != l.outChannels)
                return Status::error(where + "residual channels differ");
            blockStart = -1;
        }
        prevOut = l.outChannels;
    }
    return Status::ok();
}

Result<std::unique_ptr<TransferBackend>> VulkanBackend::create(const TransferNetwork& net,
                                                               const BackendOptions& options) {
    if (forcedFailure("create"))
        return Status::deviceLost("Vulkan backend: forced failure at create (PASTICHE_VK_FAIL)");
    PASTICHE_RETURN_IF_ERROR(checkSupported(net).withContext("Vulkan backend cannot run " + net.sourcePath));
    auto ctx = Context::create(options.deviceIndex, options.allowSoftwareVulkan);
    if (!ctx) return ctx.status();
    std::unique_ptr<VulkanBackend> b(new VulkanBackend());
    b->net_ = net;
    b->ctx_ = std::move(ctx.value());
    const Context& c = *b->ctx_;
    const bool fp32Forced = env::is("PASTICHE_VK_FP32", "1");
    if (options.precision == Precision::Fp16 && !c.caps().fp16)
        return Status::unsupported(c.info().name + " lacks 16-bit storage / shaderFloat16 for fp16");
    b->fp16_ = c.caps().fp16 && !fp32Forced && options.precision != Precision::Fp32;
    b->profiling_ = options.profile && c.caps().timestamps;
    b->copier_ = std::make_unique<HostCopier>(HostCopier::defaultHelpers());
    b->convChoice_ = std::make_unique<ConvChoice>(c.persistentCache().path(), c.info().type == "cpu");
    if (c.caps().timelineSemaphores) {
        for (SemaphoreHandle* h : {&b->computeTimeline_, &b->lockTimeline_}) {
            VkSemaphoreTypeCreateInfo type{VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO};
            type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
            VkSemaphoreCreateInfo si{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
            si.pNext = &type;
            VkSemaphore sem;
            PASTICHE_VK(vkCreateSemaphore(c.device(), &si, nullptr, &sem));
            *h = SemaphoreHandle(c.device(), sem);
        }
    }

    auto io = FrameIoOp::create(c, b->fp16_);
    if (!io) return io.status();
    b->frameIo_ = std::move(io.value());
    std::vector<float> blob;
    size_t styleFloats = 0;
    // Whether each layer will run the coopmat kernel (or the packed-fp16 one), for the norm-on-load
    // choice (a layer that then does not fit it runs the scalar kernel with the norm on load: slower,
    // still right).
    auto coopMat = [&](size_t i) {
        if (i >= net.layers.size() || !b->fp16_) return false;
        if (c.caps().coopmat != CoopMat::None && coopMatWanted(net.layers[i], c.caps())) return true;
        return narrowHalf2Wanted(net.layers[i], c.caps()) && narrowHalf2NormOnLoad();
    };
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const TransferLayer& l = net.layers[i];
        const InputNorm inputNorm = inputNormFor(net, i, coopMat(i));
        auto conv = Conv2dOp::create(c, l, b->fp16_, inputNorm, i > 0 ? &net.layers[i - 1] : nullptr);
        if (!conv) return conv.status();
        LayerOps ops{std::move(conv.value()), std::nullopt};
        ops.conv.pack(l, blob, ops.weightsAt, ops.biasAt);
        if (l.hasNorm) {
            const NormApply apply = inputNormFor(net, i + 1, coopMat(i + 1)) == InputNorm::OnLoad
                                        ? NormApply::OnNextLoad
                                        : NormApply::InPlace;
            auto norm = InstanceNormOp::create(c, l, b->fp16_, apply);
            if (!norm) return norm.status();
            ops.norm = std::move(norm.value());
            styleFloats = (styleFloats + 63) / 64 * 64;
            ops.styleAt = styleFloats;
            styleFloats += size_t(l.outChannels) * 2;
        }
        b->layers_.push_back(std::move(ops));
    }

    // Weights: once, through a staging buffer into device-local memory.
    const VkDeviceSize bytes = blob.size() * sizeof(float);
    auto staging = Buffer::create(c, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryKind::HostUpload, "weight staging");
    if (!staging) return staging.status();
    std::memcpy(staging->mapped(), blob.data(), bytes);
    auto weights = Buffer::create(c, bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                  MemoryKind::DeviceLocal, "weights");
    if (!weights) return weights.status();
    b->weights_ = std::move(weights.value());
    const VkBuffer src = staging->get(), dst = b->weights_.get();
    PASTICHE_RETURN_IF_ERROR(c.submitAndWait([&](VkCommandBuffer cmd) {
        VkBufferCopy region{0, 0, bytes};
        vkCmdCopyBuffer(cmd, src, dst, 1, &region);
    }));
    for (size_t i = 0; i + 1 < net.layers.size(); ++i)
        if (net.layers[i].residual == ResidualRole::BlockEnd) b->trunkLayer_ = int(i);
    if (b->trunkLayer_ >= 0) {
        auto stab = TrunkStabilityOp::create(c, b->fp16_);
        if (!stab) return stab.status().withContext("Vulkan backend: device stability");
        b->stabOp_ = std::move(stab.value());
        auto lock = GridLockOp::create(c, b->fp16_);
        if (!lock) return lock.status().withContext("Vulkan backend: device grid lock");
        b->lockOp_ = std::move(lock.value());
    }
    auto style = Buffer::create(c, std::max<size_t>(styleFloats, 64) * sizeof(float),
                                VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryKind::HostShared, "style parameters");
    if (!style) return style.status();
    b->style_ = std::move(style.value());
    PASTICHE_RETURN_IF_ERROR(b->setStyle(StyleVector{}));
    // Every pipeline is built by now: persist them for the next start. A read-only or full cache
    // directory only costs the next start its compilation, so it is no error here.
    (void)c.savePipelineCache();
    return std::unique_ptr<TransferBackend>(std::move(b));
}

DeviceInfo VulkanBackend::device() const {
    DeviceInfo info = ctx_->info();  // matrixUnits: what the device offers; here: what this backend uses
    int coop = 0, packed = 0, half2 = 0;
    for (const LayerOps& l : layers_) {
        coop += l.conv.kernelKind() == ConvKernel::CoopMat;
        packed += l.conv.coopPacked();
        half2 += l.conv.narrowHalf2();
    }
    // "(n packed)" is parsed by tests/vulkan; ", n fp16x2" counts the layers on conv2d_narrow_f16.comp.
    if (coop > 0)
        info.matrixUnits = "tensor cores: " + std::to_string(coop) + " of " + std::to_string(layers_.size()) +
                           " conv layers (" + std::to_string(packed) + " packed" +
                           (half2 ? ", " + std::to_string(half2) + " fp16x2" : std::string()) + ") on " +
                           info.matrixUnits;
    else if (!info.matrixUnits.empty())
        info.matrixUnits = "unused here (" + std::string(fp16_ ? "PASTICHE_VK_COOPMAT=0" : "fp32") + "); device has " +
                           info.matrixUnits;
    return info;
}

Status VulkanBackend::setStyle(const StyleVector& style) {
    if (plan_)
        for (Slot& s : plan_->slots) PASTICHE_RETURN_IF_ERROR(waitSlot(s));
    const StyleParams params = computeStyleParams(net_, style);
    auto* dst = static_cast<float*>(style_.mapped());
    for (size_t l = 0; l < layers_.size(); ++l) {
        if (!layers_[l].norm) continue;
        const size_t c = params.gamma[l].size();
        std::memcpy(dst + layers_[l].styleAt, params.gamma[l].data(), c * sizeof(float));
        std::memcpy(dst + layers_[l].styleAt + c, params.beta[l].data(), c * sizeof(float));
    }
    return Status::ok();
}

Status VulkanBackend::reshape(int width, int height) {
    if (forcedFailure("reshape"))
        return Status::deviceLost("Vulkan backend: forced failure at reshape (PASTICHE_VK_FAIL)");
    if (plan_ && plan_->width == width && plan_->height == height) return Status::ok();
    return buildPlan(width, height, stability_.gridLock);
}

Status makeBuffer(const Context& c, Buffer& out, VkDeviceSize size, VkBufferUsageFlags usage, MemoryKind kind,
                  const std::string& what) {
    if ((usage & VK_BUFFER_USAGE_STORAGE_BUFFER_BIT) && size > c.caps().maxStorageRange)
        return Status::outOfMemory(what + ": " + std::to_string(size >> 20) +
                                   " MiB exceeds the device's storage range");
    auto b = Buffer::create(c, std::max<VkDeviceSize>(size, 16), usage, kind, what.c_str());
    if (!b) return b.status();
    out = std::move(b.value());
    return Status::ok();
}

Status VulkanBackend::makeLaneBuffers(const Plan& p, Lane& lane, const std::string& at) const {
    const Context& c = *ctx_;
    const VkDeviceSize elem = fp16_ ? 2 : 4;
    const auto storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    PASTICHE_RETURN_IF_ERROR(makeBuffer(c, lane.input, VkDeviceSize(p.padW) * p.padH * 3 * elem, storage,
                                        MemoryKind::DeviceLocal, "input activations" + at));
    size_t maxPartials = 1;
    for (size_t b = 0; b < p.actReuse.sizes.size(); ++b) {
        // The trunk is also copied into the device stability's history.
        const bool trunk = trunkLayer_ >= 0 && p.actReuse.physical[size_t(trunkLayer_)] == int(b);
        lane.actBuffers.emplace_back();
        PASTICHE_RETURN_IF_ERROR(makeBuffer(c, lane.actBuffers.back(), p.actReuse.sizes[b],
                                            trunk ? storage | VK_BUFFER_USAGE_TRANSFER_SRC_BIT : storage,
                                            MemoryKind::DeviceLocal, "activations " + std::to_string(b) + at));
    }
    lane.acts.resize(layers_.size());
    lane.scaleShift.resize(layers_.size());
    for (size_t l = 0; l < layers_.size(); ++l) {
        const TransferLayer& layer = net_.layers[l];
        lane.acts[l] = lane.actBuffers[size_t(p.actReuse.physical[l])].get();
        if (layer.hasNorm) {  // room for any tile variant's partials (chooseConvVariants)
            for (const Conv2dShape& s : layers_[l].conv.candidates(p.shapes[l].inW, p.shapes[l].inH))
                maxPartials = std::max(maxPartials, layers_[l].conv.partialCount(s));
            PASTICHE_RETURN_IF_ERROR(makeBuffer(c, lane.scaleShift[l], VkDeviceSize(layer.outChannels) * 8, storage,
                                                MemoryKind::DeviceLocal, "norm scale of " + layer.name));
        }
    }
    return makeBuffer(c, lane.partials, maxPartials * 16, storage, MemoryKind::DeviceLocal, "norm partials");
}

Status VulkanBackend::writeLaneSets(Plan& p, Lane& lane) const {
    const VkDevice dev = ctx_->device();
    auto allocSet = [&](VkDescriptorSetLayout layout, VkDescriptorSet& set) {
        return allocateSet(dev, p.pool, layout, set);
    };
    lane.convSets.resize(layers_.size());
    lane.finalizeSets.resize(layers_.size());
    lane.applySets.resize(layers_.size());
    int blockStart = -1;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const TransferLayer& layer = net_.layers[l];
        const LayerOps& ops = layers_[l];
        const VkBuffer in = l == 0 ? lane.input.get() : lane.acts[l - 1];
        PASTICHE_RETURN_IF_ERROR(allocSet(ops.conv.setLayout(), lane.convSets[l]));
        writeDescriptorSet(dev, lane.convSets[l],
                           {{in},
                            {lane.acts[l]},
                            {weights_.get(), ops.weightsAt * 4, (ops.biasAt - ops.weightsAt) * 4},
                            {weights_.get(), ops.biasAt * 4, VK_WHOLE_SIZE},
                            {lane.partials.get()},
                            {inScaleShift(lane, l)}});
        if (layer.residual == ResidualRole::BlockStart) blockStart = int(l);
        if (ops.norm) {
            PASTICHE_RETURN_IF_ERROR(allocSet(ops.norm->finalizeLayout(), lane.finalizeSets[l]));
            writeDescriptorSet(dev, lane.finalizeSets[l],
                               {{lane.partials.get()},
                                {style_.get(), ops.styleAt * 4, VkDeviceSize(layer.outChannels) * 8},
                                {lane.scaleShift[l].get()}});
            PASTICHE_RETURN_IF_ERROR(allocSet(ops.norm->applyLayout(), lane.applySets[l]));
            VkBuffer skip = lane.acts[l];  // unused unless this ends a residual block
            if (layer.residual == ResidualRole::BlockEnd)
                skip = blockStart == 0 ? lane.input.get() : lane.acts[size_t(blockStart) - 1];
            writeDescriptorSet(dev, lane.applySets[l], {{lane.acts[l]}, {lane.scaleShift[l].get()}, {skip}});
        }
    }
    for (size_t i = 0; i < kSlots; ++i) {
        const Slot& s = p.slots[i];
        PASTICHE_RETURN_IF_ERROR(allocSet(frameIo_->setLayout(), lane.uploadSets[i]));
        writeDescriptorSet(dev, lane.uploadSets[i], {{s.rawIn.get()}, {lane.input.get()}});
        PASTICHE_RETURN_IF_ERROR(allocSet(frameIo_->setLayout(), lane.downloadSets[i]));
        writeDescriptorSet(dev, lane.downloadSets[i], {{lane.acts.back()}, {s.rawOut.get()}});
    }
    return Status::ok();
}

int VulkanBackend::lanesFor(const Plan& p, VkDeviceSize laneBytes) const {
    if (const std::optional<std::string> lanes = env::value("PASTICHE_VK_LANES"))
        return std::clamp(std::atoi(lanes->c_str()), 1, kMaxLanes);
    if (p.gridLock || ctx_->info().type == "cpu" || ctx_->computeQueueCount() < 2) return 1;
    return laneBytes <= ctx_->deviceLocalBytes() / 8 ? 2 : 1;
}

Status VulkanBackend::chooseConvVariants(Plan& p) {
    const ConvChoice& choice = *convChoice_;
    if (choice.mode() == ConvChoice::Mode::Fixed) return Status::ok();
    const Lane& lane = p.lanes.front();
    std::vector<ConvTrial> trials;
    std::vector<size_t> firstTrial(layers_.size(), SIZE_MAX);  // per measured layer
    for (size_t l = 0; l < layers_.size(); ++l) {
        const Conv2dOp& op = layers_[l].conv;
        const std::vector<Conv2dShape> all = op.candidates(p.shapes[l].inW, p.shapes[l].inH);
        if (all.size() < 2) continue;
        if (choice.mode() == ConvChoice::Mode::Forced) {
            for (const Conv2dShape& s : all)
                if (s.variant == choice.forcedVariant()) p.shapes[l] = s;
            continue;
        }
        const int known = convChoice_->remembered(choice.key(l, op, p.shapes[l], fp16_));
        if (known >= 0 && known < op.variantCount()) {
            p.shapes[l] = op.shapeWith(p.shapes[l].inW, p.shapes[l].inH, known);
            continue;
        }
        if (!choice.measures() || !ctx_->caps().timestamps) continue;  // (timestamps: the compute queue's)
        firstTrial[l] = trials.size();
        for (const Conv2dShape& s : all)
            trials.push_back({&op, lane.convSets[l], s, l == 0 ? lane.input.get() : lane.acts[l - 1], lane.acts[l],
                              weights_.get(), lane.partials.get(), inScaleShift(lane, l)});
    }
    if (trials.empty()) return Status::ok();
    // Five rounds: the medians of the residual convs' variants at 1080p differ by 10-20 %.
    auto ms = timeConvTrials(*ctx_, trials, 5);
    if (!ms) return ms.status().withContext("Vulkan backend: timing the conv variants");
    const bool verbose = profileConv();
    for (size_t l = 0; l < layers_.size(); ++l) {
        if (firstTrial[l] == SIZE_MAX) continue;
        const size_t n = size_t(layers_[l].conv.variantCount());
        size_t best = firstTrial[l];
        std::string line = net_.layers[l].name + ":";
        for (size_t t = firstTrial[l]; t < firstTrial[l] + n; ++t) {
            if (ms.value()[t] < ms.value()[best]) best = t;
            line += " variant " + std::to_string(trials[t].shape.variant) + " " + std::to_string(ms.value()[t]) + " ms";
        }
        if (verbose) std::fprintf(stderr, "conv choice %s -> variant %d\n", line.c_str(), trials[best].shape.variant);
        convChoice_->remember(choice.key(l, layers_[l].conv, p.shapes[l], fp16_), trials[best].shape.variant);
        p.shapes[l] = trials[best].shape;
    }
    // A read-only or full cache directory costs only the next start's measurement.
    (void)convChoice_->save();
    return Status::ok();
}

Status VulkanBackend::buildPlan(int width, int height, bool gridLock) {
    if (width < 8 || height < 8) return Status::unsupported("Vulkan backend: frames must be at least 8x8");
    if (ctx_) PASTICHE_VK(vkDeviceWaitIdle(ctx_->device()));
    plan_.reset();
    auto p = std::make_unique<Plan>();
    p->width = width;
    p->height = height;
    p->gridLock = gridLock && stabOp_;
    // The size rule shared with the CPU backend; with the grid lock the network runs on its canvas.
    p->padW = p->gridLock ? stability::canvasSide(width) : TransferNetwork::paddedSide(width);
    p->padH = p->gridLock ? stability::canvasSide(height) : TransferNetwork::paddedSide(height);
    const Context& c = *ctx_;
    const size_t elem = fp16_ ? 2 : 4;
    const auto storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    const std::string at = " at " + std::to_string(width) + "x" + std::to_string(height);
    int w = p->padW, h = p->padH;
    // Steps: layer l's conv at 2l, its norm at 2l + 1; its output is read by the next conv and, at
    // the start of a residual block, by the norm at the block's end (the skip).
    std::vector<BufferLifetime> lifetimes(layers_.size());
    int blockStart = -1;
    for (size_t l = 0; l < layers_.size(); ++l) {
        Conv2dShape s = layers_[l].conv.shape(w, h);
        if (s.outW < 2 || s.outH < 2) return Status::unsupported("Vulkan backend: frame too small for the network");
        p->shapes.push_back(s);
        lifetimes[l] = {size_t(s.outW) * s.outH * size_t(net_.layers[l].outChannels) * elem, int(2 * l), int(2 * l + 2),
                        int(l) == trunkLayer_ || l + 1 == layers_.size()};
        if (net_.layers[l].residual == ResidualRole::BlockStart) blockStart = int(l);
        if (net_.layers[l].residual == ResidualRole::BlockEnd && blockStart > 0)
            lifetimes[size_t(blockStart) - 1].lastUse = int(2 * l + 1);
        w = s.outW;
        h = s.outH;
    }
    if (w != p->padW || h != p->padH) return Status::error("Vulkan backend: the network does not preserve the size");
    p->actReuse = planBufferReuse(lifetimes);
    const VkDeviceSize laneBytes = VkDeviceSize(p->padW) * p->padH * 3 * elem + p->actReuse.total();
    p->lanes.resize(size_t(lanesFor(*p, laneBytes)));
    if (profileConv()) {
        size_t unshared = 0;
        for (const BufferLifetime& b : lifetimes) unshared += b.size;
        std::fprintf(stderr, "vulkan plan %dx%d: %zu lane(s) of %.1f MB (activations %.1f MB in %zu buffers; %.1f MB unshared)\n",
                     width, height, p->lanes.size(), double(laneBytes) / 1e6, double(p->actReuse.total()) / 1e6,
                     p->actReuse.sizes.size(), double(unshared) / 1e6);
    }
    for (Lane& lane : p->lanes) PASTICHE_RETURN_IF_ERROR(makeLaneBuffers(*p, lane, at));

    const VkDeviceSize frameBytes = alignUp(VkDeviceSize(width) * height * 12, 4);  // room for float frames
    const VkDevice dev = c.device();
    for (Slot& s : p->slots) {
        PASTICHE_RETURN_IF_ERROR(makeBuffer(c, s.stagingIn, frameBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                            MemoryKind::HostUpload, "upload staging" + at));
        PASTICHE_RETURN_IF_ERROR(makeBuffer(c, s.stagingOut, frameBytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                            MemoryKind::HostReadback, "download staging" + at));
        PASTICHE_RETURN_IF_ERROR(makeBuffer(c, s.rawIn, frameBytes, storage | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                            MemoryKind::DeviceLocal, "input frame" + at));
        PASTICHE_RETURN_IF_ERROR(makeBuffer(c, s.rawOut, frameBytes, storage | VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                            MemoryKind::DeviceLocal, "output frame" + at));
        VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        VkFence fence;
        PASTICHE_VK(vkCreateFence(dev, &fi, nullptr, &fence));
        s.fence = FenceHandle(dev, fence);
        VkSemaphoreCreateInfo si{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
        VkSemaphore sem;
        PASTICHE_VK(vkCreateSemaphore(dev, &si, nullptr, &sem));
        s.uploaded = SemaphoreHandle(dev, sem);
        PASTICHE_VK(vkCreateSemaphore(dev, &si, nullptr, &sem));
        s.computed = SemaphoreHandle(dev, sem);
        if (profiling_) {
            VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
            qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
            qi.queryCount = queryCount();  // + one after each conv, two for device stability
            VkQueryPool qp;
            PASTICHE_VK(vkCreateQueryPool(dev, &qi, nullptr, &qp));
            s.queries = QueryPoolHandle(dev, qp);
        }
    }

    // Descriptor sets, per lane: per layer conv (5), finalize (3), apply (3); per slot upload and
    // download (2).
    uint32_t sets = 0, descriptors = 0;
    for (const auto& l : layers_) {
        sets += l.norm ? 3 : 1;
        descriptors += l.norm ? 12 : 6;
    }
    sets += 2 * kSlots;
    descriptors += 4 * kSlots;
    const auto lanes = uint32_t(p->lanes.size());
    auto pool = makeStoragePool(dev, sets * lanes, descriptors * lanes);
    if (!pool) return pool.status();
    p->pool = std::move(pool.value());
    for (Lane& lane : p->lanes) PASTICHE_RETURN_IF_ERROR(writeLaneSets(*p, lane));
    PASTICHE_RETURN_IF_ERROR(chooseConvVariants(*p));
    const Lane& main = p->lanes.front();
    if (stabOp_) {
        const Conv2dShape& t = p->shapes[size_t(trunkLayer_)];
        if (t.outW * 4 == p->padW && t.outH * 4 == p->padH && p->padW >= 32 && p->padH >= 32) {
            auto stab = stabOp_->plan(c, p->padW, p->padH, net_.layers[size_t(trunkLayer_)].outChannels,
                                      main.input.get(), main.acts[size_t(trunkLayer_)], kSlots);
            // Without room for it (device memory) the frames still run, plain: setDeviceStability says why.
            if (stab)
                p->stab = std::move(stab.value());
            else
                p->stabUnavailable = stab.status().message();
        }
        if (p->gridLock && p->stab) {
            std::vector<GridLockOp::SlotBuffers> slots;
            for (size_t i = 0; i < kSlots; ++i)
                slots.push_back({p->stab->slots[i].params.get(), p->slots[i].rawIn.get(), p->slots[i].rawOut.get()});
            auto lock = lockOp_->plan(c, stabOp_->pyramid(), frameIo_->setLayout(), width, height, main.input.get(),
                                      main.acts.back(), p->stab->motion, p->stab->stats.get(),
                                      p->stab->groupsX * p->stab->groupsY, slots);
            if (lock)
                p->lock = std::move(lock.value());
            else
                p->lockUnavailable = lock.status().message();
        } else if (p->gridLock) {
            p->lockUnavailable = "no device stability at this size";
        }
    }
    historyValid_ = false;
    PASTICHE_RETURN_IF_ERROR(recordPlan(*p));
    plan_ = std::move(p);
    return Status::ok();
}

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
        PASTICHE_RETURN_IF_ERROR(ops.conv.record(cmd, tracker, lane.convSets[l], sh, inBuf, lane.acts[l],
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

Status VulkanBackend::waitSlot(Slot& s) {
    if (!s.pending) return Status::ok();
    VkFence fence = s.fence;
    const uint64_t timeout = ctx_->info().type == "cpu" ? kSoftwareFenceTimeoutNs : kFenceTimeoutNs;
    PASTICHE_VK(vkWaitForFences(ctx_->device(), 1, &fence, VK_TRUE, timeout));
    s.pending = false;
    s.report = s.stabilized && plan_ && plan_->stab
                   ? TrunkStabilityOp::readReport(*plan_->stab, int(&s - plan_->slots), s.ran)
                   : DeviceStabilityReport{};
    if (s.locked && plan_ && plan_->lock) GridLockOp::readReport(*plan_->lock, int(&s - plan_->slots), s.report);
    if (profiling_) readProfile(s);
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
            profile_.push_back({net_.layers[l].name + " [conv]", double(t[n + l] - t[l + 1]) * toMs});
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

Status VulkanBackend::submitFrame(const ConstImageView& input, int slotIndex, FrameFormat out) {
    if (forcedFailure("run")) return Status::deviceLost("Vulkan backend: forced failure at run (PASTICHE_VK_FAIL)");
    if (!plan_) return Status::error("Vulkan backend: reshape() before run()");
    Plan& p = *plan_;
    if (slotIndex < 0 || slotIndex >= kSlots)
        return Status::error("submit: slot " + std::to_string(slotIndex) + " out of range");
    if (input.width != p.width || input.height != p.height)
        return Status::error("Vulkan backend: frame size differs from the reshape() size");
    if (!input.data) return Status::error("Vulkan backend: no input pixels");
    Slot& s = p.slots[slotIndex];
    PASTICHE_RETURN_IF_ERROR(waitSlot(s));
    const FrameFormat in = input.format == PixelFormat::RgbF32 ? FrameFormat::F32 : FrameFormat::Rgb8;
    // Device stability: this frame's parameters, read by its own command buffer.
    s.stabilized = p.stab && stability_.strength > 0;
    if (s.stabilized) {
        s.ran.strength = stability_.strength;
        s.ran.useHistory = historyValid_ && !stability_.restart ? 1.f : 0.f;
        s.ran.minKept = float(double(stability_.minKeptFraction) * p.stab->w * p.stab->h);
        s.ran.invTau = 1.f / stability_.gateLevels;
        std::memcpy(p.stab->slots[size_t(slotIndex)].params.mapped(), &s.ran, sizeof(s.ran));
        stability_.restart = false;
    }
    s.locked = s.stabilized && p.lock;
    historyValid_ = s.stabilized;  // a plain frame leaves the device history behind
    const size_t row = size_t(p.width) * bytesPerPixel(input.format);
    copier_->copyRows(s.stagingIn.mapped(), row, input.data, input.stride(), row, size_t(p.height));
    VkFence fence = s.fence;
    PASTICHE_VK(vkResetFences(ctx_->device(), 1, &fence));
    if (s.locked && computeTimeline_) {  // recorded at first use
        VkCommandBuffer* parts = s.computeLocked[int(in)][int(out)];
        if (!parts[0]) {
            for (int k = 0; k < 3; ++k) {
                auto cmd = p.computeCmds.allocate(ctx_->device(), ctx_->computePool());
                if (!cmd) return cmd.status();
                parts[k] = cmd.value();
            }
            PASTICHE_RETURN_IF_ERROR(recordCompute(p, s, 0, parts, 3, in, out, !ctx_->separateTransfer(), true));
        }
        PASTICHE_RETURN_IF_ERROR(submitLocked(s, in, out));
    } else {
        VkCommandBuffer& stable = s.computeStable[int(in)][int(out)];
        if (s.stabilized && !stable) {  // recorded at first use: plain runs pay nothing for stability at reshape
            auto cmd = p.computeCmds.allocate(ctx_->device(), ctx_->computePool());
            if (!cmd) return cmd.status();
            stable = cmd.value();
            PASTICHE_RETURN_IF_ERROR(recordCompute(p, s, 0, &stable, 1, in, out, !ctx_->separateTransfer(), true));
        }
        // Stabilized frames stay on lane 0 (each reads the history the one before left there).
        int lane = 0;
        if (!s.stabilized) {
            lane = p.nextLane;
            p.nextLane = (p.nextLane + 1) % int(p.lanes.size());
        }
        PASTICHE_RETURN_IF_ERROR(
            submitCompute(s, lane, in, out, s.stabilized ? stable : s.compute[lane][int(in)][int(out)]));
    }
    s.pending = true;
    s.in = in;
    s.out = out;
    return Status::ok();
}

// One command buffer on the compute queue; with a transfer queue, between the slot's upload and
// download copies. It signals the compute timeline (the next grid-lock frame's motion waits for it).
Status VulkanBackend::submitCompute(Slot& s, int lane, FrameFormat in, FrameFormat out, VkCommandBuffer compute) {
    Submission comp(compute);
    // Another lane's frame shares no buffer with a grid-lock frame's motion stages (those are lane
    // 0's), so the lock waits only for lane 0; and a timeline is signalled from one queue only.
    if (computeTimeline_ && lane == 0) {
        comp.signal(computeTimeline_.get(), ++computeValue_);
        computeWaitForLock_ = computeValue_;
    }
    const VkQueue queue = ctx_->laneQueue(lane);
    if (!ctx_->separateTransfer()) {
        PASTICHE_VK(vkQueueSubmit(queue, 1, &comp.info(), s.fence.get()));
        return Status::ok();
    }
    PASTICHE_RETURN_IF_ERROR(submitUpload(s, in));
    comp.wait(s.uploaded.get()).signal(s.computed.get());
    PASTICHE_VK(vkQueueSubmit(queue, 1, &comp.info(), VK_NULL_HANDLE));
    return submitDownload(s, out);
}

Status VulkanBackend::submitUpload(Slot& s, FrameFormat in) {
    Submission up(s.upload[int(in)]);
    up.signal(s.uploaded.get());
    PASTICHE_VK(vkQueueSubmit(ctx_->transferQueue(), 1, &up.info(), VK_NULL_HANDLE));
    return Status::ok();
}

Status VulkanBackend::submitDownload(Slot& s, FrameFormat out) {
    Submission down(s.download[int(out)]);
    down.wait(s.computed.get());
    PASTICHE_VK(vkQueueSubmit(ctx_->downloadQueue(), 1, &down.info(), s.fence.get()));
    return Status::ok();
}

// A grid-lock frame in its three parts (Slot::computeLocked): the motion stages on the lock queue
// after the previous frame's trunk blend (its spread switches the lock; its network has read the
// canvas these stages rewrite); the network to the blend and then the rest on the compute queue.
Status VulkanBackend::submitLocked(Slot& s, FrameFormat in, FrameFormat out) {
    VkCommandBuffer* parts = s.computeLocked[int(in)][int(out)];
    const bool transfer = ctx_->separateTransfer();
    if (transfer) PASTICHE_RETURN_IF_ERROR(submitUpload(s, in));
    Submission motion(parts[0]);
    if (transfer) motion.wait(s.uploaded.get());
    if (computeWaitForLock_ > 0) motion.wait(computeTimeline_.get(), computeWaitForLock_);
    motion.signal(lockTimeline_.get(), ++lockValue_);
    PASTICHE_VK(vkQueueSubmit(ctx_->lockQueue(), 1, &motion.info(), VK_NULL_HANDLE));
    Submission trunk(parts[1]), rest(parts[2]);
    trunk.wait(lockTimeline_.get(), lockValue_).signal(computeTimeline_.get(), ++computeValue_);
    computeWaitForLock_ = computeValue_;
    rest.signal(computeTimeline_.get(), ++computeValue_);
    if (transfer) rest.signal(s.computed.get());
    const VkSubmitInfo infos[2] = {trunk.info(), rest.info()};
    PASTICHE_VK(vkQueueSubmit(ctx_->computeQueue(), 2, infos, transfer ? VK_NULL_HANDLE : s.fence.get()));
    return transfer ? submitDownload(s, out) : Status::ok();
}

Status VulkanBackend::submit(const ConstImageView& input, int slot) { return submitFrame(input, slot, preferredOut_); }

Status VulkanBackend::collect(int slotIndex, const ImageView& output) {
    if (!plan_) return Status::error("collect: nothing submitted");
    if (slotIndex < 0 || slotIndex >= kSlots)
        return Status::error("collect: slot " + std::to_string(slotIndex) + " out of range");
    Plan& p = *plan_;
    Slot& s = p.slots[slotIndex];
    if (!s.pending) return Status::error("collect: nothing submitted in slot " + std::to_string(slotIndex));
    if (output.width != p.width || output.height != p.height)
        return Status::error("collect: output size differs from the submitted frame");
    PASTICHE_RETURN_IF_ERROR(waitSlot(s));
    stabReport_ = s.report;
    const FrameFormat want = output.format == PixelFormat::RgbF32 ? FrameFormat::F32 : FrameFormat::Rgb8;
    preferredOut_ = want;
    if (s.out == FrameFormat::Rgb8 && want == FrameFormat::F32) {
        // Produced bytes but floats are wanted: run this slot again from its staged input.
        const ConstImageView staged{s.stagingIn.mapped(), p.width, p.height,
                                    s.in == FrameFormat::F32 ? PixelFormat::RgbF32 : PixelFormat::Rgb8, 0};
        PASTICHE_RETURN_IF_ERROR(submitFrame(staged, slotIndex, FrameFormat::F32));
        PASTICHE_RETURN_IF_ERROR(waitSlot(s));
    }
    const auto* src = static_cast<const uint8_t*>(s.stagingOut.mapped());
    if (!(s.out == FrameFormat::F32 && want == FrameFormat::Rgb8)) {
        const size_t bytes = size_t(p.width) * (want == FrameFormat::F32 ? 12 : 3);
        copier_->copyRows(output.data, output.stride(), src, bytes, bytes, size_t(p.height));
        return Status::ok();
    }
    for (int y = 0; y < p.height; ++y) {  // floats produced, bytes wanted: convert
        auto* row = static_cast<uint8_t*>(output.data) + size_t(y) * output.stride();
        const auto* f = reinterpret_cast<const float*>(src) + size_t(y) * p.width * 3;
        for (int i = 0; i < p.width * 3; ++i) {
            const float v = f[i] * 255.f + 0.5f;
            row[i] = static_cast<uint8_t>(v < 0.f ? 0.f : (v > 255.f ? 255.f : v));
        }
    }
    return Status::ok();
}

Status VulkanBackend::setDeviceStability(const DeviceStability& stability) {
    if (!stabOp_) return Status::unsupported("Vulkan backend: the network has no trunk to stabilize");
    if (!(stability.strength >= 0 && stability.strength <= 1) || !(stability.gateLevels > 0) ||
        !(stability.minKeptFraction >= 0 && stability.minKeptFraction <= 1))
        return Status::error("Vulkan backend: device stability settings out of range");
    if (plan_ && plan_->gridLock != stability.gridLock) {  // the network's size changes: a new plan
        for (const Slot& s : plan_->slots)
            if (s.pending) return Status::error("Vulkan backend: grid lock switched with frames in flight");
        const int w = plan_->width, h = plan_->height;
        const Status st = buildPlan(w, h, stability.gridLock);
        if (!st) {
            PASTICHE_RETURN_IF_ERROR(buildPlan(w, h, !stability.gridLock));
            return st.withContext("Vulkan backend: device grid lock");
        }
    }
    if (stability.strength > 0 && stability.gridLock && plan_ && plan_->stab && !plan_->lock)
        return Status::unsupported("Vulkan backend: no device grid lock at " + std::to_string(plan_->width) + "x" +
                                   std::to_string(plan_->height) + " (" + plan_->lockUnavailable + ")");
    if (stability.strength > 0 && plan_ && !plan_->stab)
        return Status::unsupported(
            "Vulkan backend: no device stability at " + std::to_string(plan_->width) + "x" +
            std::to_string(plan_->height) + " (" +
            (plan_->stabUnavailable.empty() ? "the trunk is not a quarter of the frame" : plan_->stabUnavailable) +
            ")");
    const bool restart = stability_.restart || stability.restart;
    stability_ = stability;
    stability_.restart = restart;  // a restart asked for holds until a frame has been submitted
    return Status::ok();
}

Status VulkanBackend::warmUp() {
    if (!stabOp_ || !lockOp_) return Status::ok();
    DeviceStability all;  // the grid lock and the trunk's stability: every pipeline there is
    all.strength = 0.5f;
    all.restart = true;
    all.gridLock = true;
    stability_ = all;
    Status st = buildPlan(64, 48, true);
    const Image8 in(64, 48);
    Image8 out(64, 48);
    for (int i = 0; st && i < 2; ++i) st = run(in.view(), out.view());  // the second with history
    ImageF floats(64, 48);  // float frames out: the lock's planar warp back and the float download
    if (st) st = run(in.view(), floats.view());
    stability_.strength = 0;  // and a plain frame's RGB8 download
    if (st) st = run(in.view(), out.view());
    if (ctx_) vkDeviceWaitIdle(ctx_->device());
    plan_.reset();
    stability_ = {};
    historyValid_ = false;
    stabReport_ = {};
    return st.withContext("Vulkan backend: warm-up");
}

Status VulkanBackend::run(const ConstImageView& input, const ImageView& output) {
    const FrameFormat out = output.format == PixelFormat::RgbF32 ? FrameFormat::F32 : FrameFormat::Rgb8;
    PASTICHE_RETURN_IF_ERROR(submitFrame(input, 0, out));
    return collect(0, output);
}

}  // namespace

Result<std::unique_ptr<TransferBackend>> createVulkanBackend(const TransferNetwork& net,
                                                             const BackendOptions& options) {
    return VulkanBackend::create(net, options);
}

}  // namespace pastiche
