#include "engine/vulkan/trunk_stability.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/vulkan/ops.h"

namespace pastiche::vk {
namespace {

struct MaskPush {
    int32_t w, h, dirStride, pad;
};
struct BlendPush {
    int32_t w, h, channels;
};

constexpr auto kCompute = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;

uint32_t groups(int n) { return uint32_t((n + 15) / 16); }

}  // namespace

Result<TrunkStabilityOp> TrunkStabilityOp::create(const Context& ctx, bool fp16) {
    TrunkStabilityOp op;
    op.fp16_ = fp16;
    auto pyramid = FlowPyramidOp::create(ctx, fp16);
    if (!pyramid) return pyramid.status();
    op.pyramid_ = std::move(pyramid.value());
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
    if (forcedFailure("stability"))
        return Status::outOfMemory("device stability: forced failure at reshape (PASTICHE_VK_FAIL=stability)");
    auto motion = pyramid_.plan(ctx, padW, padH, input);
    if (!motion) return motion.status().withContext("device stability");
    auto p = std::make_unique<Plan>();
    p->motion = std::move(motion.value());
    p->w = padW / 4;
    p->h = padH / 4;
    p->channels = channels;
    p->trunk = trunk;
    p->groupsX = int(groups(p->w));
    p->groupsY = int(groups(p->h));
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
    // Two halves: stab_blend reads the last frame's and writes this one's (no copy after it).
    PASTICHE_RETURN_IF_ERROR(make(p->history, 2 * plane * VkDeviceSize(channels) * (fp16_ ? 2 : 4), storage,
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
    auto pool = makeStoragePool(dev, 2 * uint32_t(slots), 12 * uint32_t(slots));
    if (!pool) return pool.status();
    p->pool = std::move(pool.value());
    const FlowPyramidOp::Plan& m = p->motion;
    const VkBuffer finalFlow = m.flow.get();  // level 0 of both directions at its start
    for (auto& s : p->slots) {
        PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, mask_.setLayout(), s.mask));
        writeDescriptorSet(dev, s.mask,
                           {{m.pyrCur.get()},
                            {m.pyrPrev.get()},
                            {finalFlow},
                            {p->maskGate.get()},
                            {p->stats.get()},
                            {s.params.get()}});
        PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, blend_.setLayout(), s.blend));
        writeDescriptorSet(
            dev, s.blend,
            {{trunk}, {p->history.get()}, {finalFlow}, {p->maskGate.get()}, {p->stats.get()}, {s.params.get()}});
    }
    return p;
}

Status TrunkStabilityOp::recordMotion(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int padW, int padH,
                                      int slot, bool flowGiven) const {
    tracker.write(p.stats.get(), VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    tracker.flush(cmd);
    vkCmdFillBuffer(cmd, p.stats.get(), 0, 4, 0);  // the count; the history's parity (word 1) stays

    const FlowPyramidOp::Plan& m = p.motion;
    PASTICHE_RETURN_IF_ERROR(pyramid_.recordGray(cmd, tracker, m, padW, padH));
    if (!flowGiven) PASTICHE_RETURN_IF_ERROR(pyramid_.recordFlow(cmd, tracker, m));
    tracker.read(m.pyrCur.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(m.pyrPrev.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(m.flow.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.maskGate.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.write(p.stats.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.read(p.slots[size_t(slot)].params.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(mask_.bind(cmd, p.slots[size_t(slot)].mask, MaskPush{p.w, p.h, m.gridTotal, 0}));
    vkCmdDispatch(cmd, groups(p.w), groups(p.h), 1);
    // This frame's pyramid is the next frame's previous one (only its gray, for the mask's gate,
    // when the flow is given).
    FlowPyramidOp::recordKeep(cmd, tracker, m, flowGiven ? 1 : -1);
    return Status::ok();
}

Status TrunkStabilityOp::recordBlend(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int slot) const {
    const Plan::SlotState& s = p.slots[size_t(slot)];
    const VkBuffer finalFlow = p.motion.flow.get();
    tracker.write(p.trunk, kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.write(p.history.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.read(finalFlow, kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.maskGate.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.stats.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.read(s.params.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(blend_.bind(cmd, s.blend, BlendPush{p.w, p.h, p.channels}));
    constexpr int kChannelsPerGroup = 8;  // stab_blend.comp's CHANNELS
    vkCmdDispatch(cmd, uint32_t(p.groupsX), uint32_t(p.groupsY),
                  uint32_t((p.channels + kChannelsPerGroup - 1) / kChannelsPerGroup));
    // The statistics go to the host (the blend wrote the next frame's history itself).
    recordCopy(cmd, tracker, p.stats.get(), s.report.get(), p.reportBytes(), true);
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
