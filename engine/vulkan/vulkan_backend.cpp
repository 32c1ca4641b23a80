// The Vulkan TransferBackend: creation (pipelines built, weights uploaded once), style, and frames
// submitted and collected; the structure is described in vulkan_backend.h.
#include <algorithm>
#include <cstring>

#include "engine/vulkan/vulkan_backend.h"

namespace pastiche {
namespace vk::backend {

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
        if (ops.conv.hasNarrowAlternate()) ops.conv.packAlternate(l, blob, ops.altWeightsAt, ops.altBiasAt);
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

}  // namespace vk::backend

Result<std::unique_ptr<TransferBackend>> createVulkanBackend(const TransferNetwork& net,
                                                             const BackendOptions& options) {
    return vk::backend::VulkanBackend::create(net, options);
}

}  // namespace pastiche
