// VulkanBackend::reshape's work: the plan at a frame size (vulkan_backend.h). Activation buffers
// shared by lifetime (engine/buffer_reuse.h), the lanes and their descriptor sets, and each conv's
// tile variant (conv_choice.h).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/vulkan/vulkan_backend.h"

namespace pastiche::vk::backend {
namespace {

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

}  // namespace

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
    lane.altConvSets.assign(layers_.size(), VK_NULL_HANDLE);
    lane.finalizeSets.resize(layers_.size());
    lane.applySets.resize(layers_.size());
    int blockStart = -1;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const TransferLayer& layer = net_.layers[l];
        const LayerOps& ops = layers_[l];
        const VkBuffer in = l == 0 ? lane.input.get() : lane.acts[l - 1];
        // A conv set over the weights and bias at those offsets in the blob: the primary kernel's,
        // or the narrow alternate's (with the layout of its variants, the last ones).
        auto writeConvSet = [&](VkDescriptorSetLayout layout, size_t weightsAt, size_t biasAt, VkDescriptorSet& set) {
            PASTICHE_RETURN_IF_ERROR(allocSet(layout, set));
            writeDescriptorSet(dev, set,
                               {{in},
                                {lane.acts[l]},
                                {weights_.get(), weightsAt * 4, (biasAt - weightsAt) * 4},
                                {weights_.get(), biasAt * 4, VK_WHOLE_SIZE},
                                {lane.partials.get()},
                                {inScaleShift(lane, l)}});
            return Status::ok();
        };
        PASTICHE_RETURN_IF_ERROR(writeConvSet(ops.conv.setLayout(), ops.weightsAt, ops.biasAt, lane.convSets[l]));
        if (ops.conv.hasNarrowAlternate())
            PASTICHE_RETURN_IF_ERROR(writeConvSet(ops.conv.setLayout(ops.conv.variantCount() - 1), ops.altWeightsAt,
                                                  ops.altBiasAt, lane.altConvSets[l]));
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
    if (const uint32_t lanes = env::positive("PASTICHE_VK_LANES", 0)) return int(std::min<uint32_t>(lanes, kMaxLanes));
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
            trials.push_back({&op, convSet(lane, l, s), s, l == 0 ? lane.input.get() : lane.acts[l - 1], lane.acts[l],
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
        std::fprintf(
            stderr,
            "vulkan plan %dx%d: %zu lane(s) of %.1f MB (activations %.1f MB in %zu buffers; %.1f MB unshared)\n", width,
            height, p->lanes.size(), double(laneBytes) / 1e6, double(p->actReuse.total()) / 1e6,
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

    // Descriptor sets, per lane: per layer conv (6), finalize (3), apply (3), and a narrow
    // alternate's conv (6); per slot upload and download (2).
    uint32_t sets = 0, descriptors = 0;
    for (const auto& l : layers_) {
        sets += l.norm ? 3 : 1;
        descriptors += l.norm ? 12 : 6;
        if (l.conv.hasNarrowAlternate()) {
            sets += 1;
            descriptors += 6;
        }
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

}  // namespace pastiche::vk::backend
