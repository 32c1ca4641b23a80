#include "engine/vulkan/trunk_stability.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/vulkan/ops.h"

namespace pastiche::vk {
namespace {

struct GrayPush {
    int32_t padW, padH, w, h;
};
struct DownPush {
    int32_t srcOff, srcW, srcH, dstOff, dstW, dstH;
};
struct FlowPush {
    int32_t off, w, h, gridOff, inGridOff, inW, inH, init, dirStride;
    float lambda;
};
struct MaskPush {
    int32_t w, h, dirStride, pad;
};
struct BlendPush {
    int32_t w, h, channels;
};

constexpr int kMaxLevels = 5;
constexpr int kMinLevelSide = 16;  // no pyramid level smaller than this (two 8x8 patches)
constexpr auto kCompute = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;

uint32_t groups(int n) { return uint32_t((n + 15) / 16); }
int gridSide(int pixels) { return (pixels + 3) / 4; }  // flow_grid.glsl's flowGridSide

void copyWhole(VkCommandBuffer cmd, BarrierTracker& tracker, const Buffer& src, VkBuffer dst, VkDeviceSize bytes,
               bool hostReads) {
    tracker.read(src.get(), VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    tracker.write(dst, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    tracker.flush(cmd);
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, src.get(), dst, 1, &region);
    if (hostReads) {
        tracker.read(dst, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        tracker.flush(cmd);
    }
}

}  // namespace

Result<TrunkStabilityOp> TrunkStabilityOp::create(const Context& ctx, bool fp16) {
    TrunkStabilityOp op;
    op.fp16_ = fp16;
    auto gray = Kernel::create<GrayPush>(ctx, "stab_gray", fp16, 2, {});
    if (!gray) return gray.status();
    op.gray_ = std::move(gray.value());
    auto down = Kernel::create<DownPush>(ctx, "stab_down", fp16, 1, {});
    if (!down) return down.status();
    op.down_ = std::move(down.value());
    auto flow = Kernel::create<FlowPush>(ctx, "stab_flow", fp16, 3, {uint32_t(kIterations)});
    if (!flow) return flow.status();
    op.flow_ = std::move(flow.value());
    auto mask = Kernel::create<MaskPush>(ctx, "stab_mask", fp16, 6, {});
    if (!mask) return mask.status();
    op.mask_ = std::move(mask.value());
    auto blend = Kernel::create<BlendPush>(ctx, "stab_blend", fp16, 6, {});
    if (!blend) return blend.status();
    op.blend_ = std::move(blend.value());
    return op;
}

Result<std::unique_ptr<TrunkStabilityOp::Plan>> TrunkStabilityOp::plan(const Context& ctx, int padW, int padH,
                                                                       int channels, VkBuffer input, VkBuffer trunk,
                                                                       int slots) const {
    if (padW % 4 != 0 || padH % 4 != 0 || padW < 32 || padH < 32)
        return Status::unsupported("device stability: frames must be multiples of 4 and at least 32x32");
    if (forcedFailure("stability"))
        return Status::outOfMemory("device stability: forced failure at reshape (PASTICHE_VK_FAIL=stability)");
    auto p = std::make_unique<Plan>();
    p->w = padW / 4;
    p->h = padH / 4;
    p->channels = channels;
    p->input = input;
    p->trunk = trunk;
    int w = p->w, h = p->h;
    for (;;) {
        p->levels.push_back({p->total, w, h, p->gridTotal});
        p->total += w * h;
        p->gridTotal += gridSide(w) * gridSide(h);
        const int nw = (w + 1) / 2, nh = (h + 1) / 2;
        if (int(p->levels.size()) >= kMaxLevels || std::min(nw, nh) < kMinLevelSide) break;
        w = nw;
        h = nh;
    }
    p->groupsX = int(groups(p->w));
    p->groupsY = int(groups(p->h));
    const VkDeviceSize pyrBytes = VkDeviceSize(p->total) * 4, flowBytes = VkDeviceSize(p->gridTotal) * 2 * 8;
    const VkDeviceSize plane = VkDeviceSize(p->w) * p->h;
    const auto storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    const auto src = VK_BUFFER_USAGE_TRANSFER_SRC_BIT, dst = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    auto make = [&](Buffer& out, VkDeviceSize size, VkBufferUsageFlags usage, MemoryKind kind,
                    const char* what) -> Status {
        auto b = Buffer::create(ctx, std::max<VkDeviceSize>(size, 16), usage, kind, what);
        if (!b) return b.status().withContext("device stability");
        out = std::move(b.value());
        return Status::ok();
    };
    PASTICHE_RETURN_IF_ERROR(make(p->pyrCur, pyrBytes, storage | src, MemoryKind::DeviceLocal, "gray pyramid"));
    PASTICHE_RETURN_IF_ERROR(
        make(p->pyrPrev, pyrBytes, storage | dst, MemoryKind::DeviceLocal, "previous gray pyramid"));
    PASTICHE_RETURN_IF_ERROR(make(p->flow, flowBytes, storage, MemoryKind::DeviceLocal, "flow"));
    PASTICHE_RETURN_IF_ERROR(make(p->history, plane * VkDeviceSize(channels) * (fp16_ ? 2 : 4), storage | dst,
                                  MemoryKind::DeviceLocal, "trunk history"));
    PASTICHE_RETURN_IF_ERROR(make(p->maskGate, plane * 8, storage, MemoryKind::DeviceLocal, "flow mask"));
    PASTICHE_RETURN_IF_ERROR(
        make(p->stats, p->reportBytes(), storage | src | dst, MemoryKind::DeviceLocal, "flow statistics"));
    p->slots.resize(size_t(slots));
    for (auto& s : p->slots) {
        PASTICHE_RETURN_IF_ERROR(
            make(s.params, sizeof(StabilityParams), storage, MemoryKind::HostShared, "stability parameters"));
        std::memset(s.params.mapped(), 0, sizeof(StabilityParams));
        PASTICHE_RETURN_IF_ERROR(make(s.report, p->reportBytes(), dst, MemoryKind::HostReadback, "stability report"));
    }

    const VkDevice dev = ctx.device();
    const uint32_t sets = 3 + 2 * uint32_t(slots);
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 2 + 1 + 3 + 12 * uint32_t(slots)};
    VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pi.maxSets = sets;
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &size;
    VkDescriptorPool pool;
    PASTICHE_VK(vkCreateDescriptorPool(dev, &pi, nullptr, &pool));
    p->pool = DescriptorPoolHandle(dev, pool);
    auto alloc = [&](const Kernel& k, VkDescriptorSet& set) -> Status {
        VkDescriptorSetLayout layout = k.setLayout();
        VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
        ai.descriptorPool = pool;
        ai.descriptorSetCount = 1;
        ai.pSetLayouts = &layout;
        PASTICHE_VK(vkAllocateDescriptorSets(dev, &ai, &set));
        return Status::ok();
    };
    PASTICHE_RETURN_IF_ERROR(alloc(gray_, p->gray));
    writeDescriptorSet(dev, p->gray, {{input}, {p->pyrCur.get()}});
    PASTICHE_RETURN_IF_ERROR(alloc(down_, p->down));
    writeDescriptorSet(dev, p->down, {{p->pyrCur.get()}});
    PASTICHE_RETURN_IF_ERROR(alloc(flow_, p->flowSet));
    writeDescriptorSet(dev, p->flowSet, {{p->pyrCur.get()}, {p->pyrPrev.get()}, {p->flow.get()}});
    const VkBuffer finalFlow = p->flow.get();  // level 0 of both directions at its start
    for (auto& s : p->slots) {
        PASTICHE_RETURN_IF_ERROR(alloc(mask_, s.mask));
        writeDescriptorSet(dev, s.mask,
                           {{p->pyrCur.get()},
                            {p->pyrPrev.get()},
                            {finalFlow},
                            {p->maskGate.get()},
                            {p->stats.get()},
                            {s.params.get()}});
        PASTICHE_RETURN_IF_ERROR(alloc(blend_, s.blend));
        writeDescriptorSet(
            dev, s.blend,
            {{trunk}, {p->history.get()}, {finalFlow}, {p->maskGate.get()}, {p->stats.get()}, {s.params.get()}});
    }
    return p;
}

Status TrunkStabilityOp::recordMotion(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int padW, int padH,
                                      int slot) const {
    tracker.write(p.stats.get(), VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    tracker.flush(cmd);
    vkCmdFillBuffer(cmd, p.stats.get(), 0, 16, 0);

    tracker.read(p.input, kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.pyrCur.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(gray_.bind(cmd, p.gray, GrayPush{padW, padH, p.w, p.h}));
    vkCmdDispatch(cmd, groups(p.w), groups(p.h), 1);
    for (size_t l = 1; l < p.levels.size(); ++l) {
        const Plan::Level &a = p.levels[l - 1], &b = p.levels[l];
        tracker.write(p.pyrCur.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        tracker.flush(cmd);
        PASTICHE_RETURN_IF_ERROR(down_.bind(cmd, p.down, DownPush{a.off, a.w, a.h, b.off, b.w, b.h}));
        vkCmdDispatch(cmd, groups(b.w), groups(b.h), 1);
    }

    // Coarse to fine, one dispatch per level (a workgroup per patch): each reads the coarser
    // level's grid in the flow buffer and writes its own.
    for (int l = int(p.levels.size()) - 1; l >= 0; --l) {
        const Plan::Level& lv = p.levels[size_t(l)];
        FlowPush push{lv.off, lv.w, lv.h, lv.gridOff, 0, 0, 0, 2, p.gridTotal, kLambda};
        if (l + 1 < int(p.levels.size())) {
            const Plan::Level& coarse = p.levels[size_t(l) + 1];
            push.init = 1;
            push.inGridOff = coarse.gridOff;
            push.inW = coarse.w;
            push.inH = coarse.h;
        }
        tracker.read(p.pyrCur.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
        tracker.read(p.pyrPrev.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
        tracker.write(p.flow.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        tracker.flush(cmd);
        PASTICHE_RETURN_IF_ERROR(flow_.bind(cmd, p.flowSet, push));
        vkCmdDispatch(cmd, uint32_t(gridSide(lv.w)), uint32_t(gridSide(lv.h)), 2);
    }
    const Buffer& finalFlow = p.flow;
    tracker.read(p.pyrCur.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.pyrPrev.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(finalFlow.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.maskGate.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.write(p.stats.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.read(p.slots[size_t(slot)].params.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(mask_.bind(cmd, p.slots[size_t(slot)].mask, MaskPush{p.w, p.h, p.gridTotal, 0}));
    vkCmdDispatch(cmd, groups(p.w), groups(p.h), 1);
    // This frame's pyramid is the next frame's previous one.
    copyWhole(cmd, tracker, p.pyrCur, p.pyrPrev.get(), VkDeviceSize(p.total) * 4, false);
    return Status::ok();
}

Status TrunkStabilityOp::recordBlend(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int slot) const {
    const Plan::SlotState& s = p.slots[size_t(slot)];
    const Buffer& finalFlow = p.flow;
    tracker.write(p.trunk, kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.read(p.history.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(finalFlow.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.maskGate.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.stats.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.read(s.params.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(blend_.bind(cmd, s.blend, BlendPush{p.w, p.h, p.channels}));
    vkCmdDispatch(cmd, uint32_t(p.groupsX), uint32_t(p.groupsY), 1);
    // The blended trunk is the next frame's history; the statistics go to the host.
    tracker.read(p.trunk, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    tracker.write(p.history.get(), VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    tracker.flush(cmd);
    const VkDeviceSize historyBytes = VkDeviceSize(p.w) * p.h * p.channels * (fp16_ ? 2 : 4);
    VkBufferCopy region{0, 0, historyBytes};
    vkCmdCopyBuffer(cmd, p.trunk, p.history.get(), 1, &region);
    copyWhole(cmd, tracker, p.stats, s.report.get(), p.reportBytes(), true);
    return Status::ok();
}

DeviceStabilityReport TrunkStabilityOp::readReport(const Plan& p, int slot, const StabilityParams& ran) {
    DeviceStabilityReport r;
    r.valid = true;
    const auto* words = static_cast<const uint32_t*>(p.slots[size_t(slot)].report.mapped());
    const auto* partials = reinterpret_cast<const float*>(words + 4);
    const double pixels = double(p.w) * p.h;
    r.keptFraction = double(words[0]) / pixels;
    r.blended = ran.useHistory > 0.5f && ran.strength > 0 && double(words[0]) >= ran.minKept;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (int g = 0; g < p.groupsX * p.groupsY; ++g) {
        const float* q = partials + size_t(g) * 8;
        n += q[0], sx += q[1], sy += q[2], sxx += q[3], syy += q[4];
    }
    if (n > 16) {  // trunk pixels -> frame pixels (x4), as app/core/trunk_motion.cpp
        const double mx = sx / n, my = sy / n;
        const double var = std::max(0.0, sxx / n - mx * mx) + std::max(0.0, syy / n - my * my);
        r.spread = 4.0 * std::sqrt(var);
        r.meanFlowX = 4.0 * mx;
        r.meanFlowY = 4.0 * my;
    }
    return r;
}

}  // namespace pastiche::vk
