#include "engine/vulkan/grid_lock_op.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/env_switch.h"
#include "engine/stability_policy.h"
#include "engine/vulkan/ops.h"

namespace pastiche::vk {
namespace {

struct FitPush {
    int32_t gw, gh, qw, qh, dirStride, step, frameW, frameH, phase, partials, blendGroups, block;
};
struct RefinePush {
    int32_t mode, stride, rows, w, h, frameW, frameH, sub;
};
struct CanvasFlowPush {
    int32_t gw, gh, dirStride, canvasGw, canvasGh, canvasDirStride, frameW, frameH, block;
};
struct WarpInPush {
    int32_t frameW, frameH, stride, rows, canvasW, canvasH;
};
struct WarpOutPush {
    int32_t frameW, frameH, canvasW, canvasH;
};

constexpr int kMaxFitPatches = 256 * 4;  // lock_fit.comp: 256 invocations x MAXP
constexpr auto kCompute = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;

uint32_t groups(int n) { return uint32_t((n + 15) / 16); }
uint32_t bits(double v) {
    const auto f = float(v);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

}  // namespace

Result<GridLockOp> GridLockOp::create(const Context& ctx, bool fp16) {
    using namespace stability;
    GridLockOp op;
    op.fp16_ = fp16;
    auto fit =
        Kernel::create<FitPush>(ctx, "lock_fit", fp16, 8,
                                {bits(kMargin), bits(kScaleRange), bits(kMaxAngle), bits(kStillShift), bits(kScaleStep),
                                 bits(kAngleStep), bits(kSpreadOff), bits(kSpreadOn), bits(kSharpenAtHalfPixel)});
    if (!fit) return fit.status();
    op.fit_ = std::move(fit.value());
    auto refine = Kernel::create<RefinePush>(ctx, "lock_refine", fp16, 4, {});
    if (!refine) return refine.status();
    op.refine_ = std::move(refine.value());
    auto flow = Kernel::create<CanvasFlowPush>(ctx, "lock_canvas_flow", fp16, 3, {bits(kCanvasFlowShrink)});
    if (!flow) return flow.status();
    op.canvasFlow_ = std::move(flow.value());
    auto in = Kernel::create<WarpInPush>(ctx, "lock_warp_in", fp16, 3, {});
    if (!in) return in.status();
    op.warpIn_ = std::move(in.value());
    auto out = Kernel::create<WarpOutPush>(ctx, "lock_warp_out", fp16, 4, {bits(kSharpenScaled), 0});
    if (!out) return out.status();
    op.warpOut_ = std::move(out.value());
    auto packed = Kernel::create<WarpOutPush>(ctx, "lock_warp_out", fp16, 4, {bits(kSharpenScaled), 1});
    if (!packed) return packed.status();
    op.warpOutPacked_ = std::move(packed.value());
    if (const uint32_t steps = env::positive("PASTICHE_VK_LOCK_REFINE", 0)) op.refineSteps_ = int(std::min(steps, 4u));
    return op;
}

Result<std::unique_ptr<GridLockOp::Plan>> GridLockOp::plan(const Context& ctx, const FlowPyramidOp& pyramid,
                                                           VkDescriptorSetLayout frameIoLayout, int width, int height,
                                                           VkBuffer canvasIn, VkBuffer canvasOut,
                                                           const FlowPyramidOp::Plan& canvasMotion, VkBuffer trunkStats,
                                                           int trunkGroups,
                                                           const std::vector<SlotBuffers>& slots) const {
    if (forcedFailure("gridlock"))
        return Status::outOfMemory("device grid lock: forced failure at reshape (PASTICHE_VK_FAIL=gridlock)");
    auto p = std::make_unique<Plan>();
    p->width = width;
    p->height = height;
    const int block = flowBlockFor(width, height);
    p->frameW = (width + block - 1) / block * block;
    p->frameH = (height + block - 1) / block * block;
    p->canvasW = stability::canvasSide(width);
    p->canvasH = stability::canvasSide(height);
    auto make = [&](Buffer& out, VkDeviceSize size, VkBufferUsageFlags usage, MemoryKind kind,
                    const char* what) -> Status {
        auto b = Buffer::create(ctx, std::max<VkDeviceSize>(size, 16), usage, kind, what);
        if (!b) return b.status().withContext("device grid lock");
        out = std::move(b.value());
        return Status::ok();
    };
    const auto storage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    const VkDeviceSize elem = fp16_ ? 2 : 4;  // activations (act_t)
    PASTICHE_RETURN_IF_ERROR(make(p->frame, VkDeviceSize(p->frameW) * p->frameH * 3 * elem, storage,
                                  MemoryKind::DeviceLocal, "grid lock frame"));
    PASTICHE_RETURN_IF_ERROR(make(p->frameOut, VkDeviceSize(width) * height * 3 * elem, storage,
                                  MemoryKind::DeviceLocal, "grid lock result"));
    PASTICHE_RETURN_IF_ERROR(make(p->state, sizeof(LockState), storage | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                  MemoryKind::DeviceLocal, "grid lock state"));
    const VkBuffer state = p->state.get();  // zeros: lock_refine's parity is read before lock_fit sets it
    PASTICHE_RETURN_IF_ERROR(
        ctx.submitAndWait([&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, state, 0, VK_WHOLE_SIZE, 0); }));
    // Three levels at an eighth: motion up to about 4 * 4 * 8 = 128 px a frame (five at a quarter: 256).
    auto motion = pyramid.plan(ctx, p->frameW, p->frameH, p->frame.get(), block, block == 8 ? 3 : 5);
    if (!motion) return motion.status().withContext("device grid lock");
    p->motion = std::move(motion.value());
    const FlowPyramidOp::Plan::Level& l0 = p->motion.levels.front();
    const int gw = flowGridSide(l0.w), gh = flowGridSide(l0.h);
    while (((gw - 2 + p->step - 1) / p->step) * ((gh - 2 + p->step - 1) / p->step) > kMaxFitPatches) ++p->step;
    p->halfW = width / 2;
    p->halfH = height / 2;
    // About 130 000 pixels of the half-size grays for the refinement (lock_refine.comp).
    p->refineSub = std::max(1, int(std::lround(std::sqrt(double(p->halfW) * p->halfH / 130000.0))));
    p->refineGroups = int(groups(p->halfW / p->refineSub) * groups(p->halfH / p->refineSub));
    PASTICHE_RETURN_IF_ERROR(make(p->halves, VkDeviceSize(p->halfW) * p->halfH * 4 * 2, storage,
                                  MemoryKind::DeviceLocal, "grid lock half-size grays"));
    PASTICHE_RETURN_IF_ERROR(
        make(p->partials, VkDeviceSize(p->refineGroups) * 16 * 4, storage, MemoryKind::DeviceLocal, "grid lock sums"));
    p->canvasIn = canvasIn;
    p->canvasOut = canvasOut;
    p->canvasFlow = canvasMotion.flow.get();
    p->canvasGw = flowGridSide(canvasMotion.w);
    p->canvasGh = flowGridSide(canvasMotion.h);
    p->canvasDirStride = canvasMotion.gridTotal;
    p->trunkGroups = trunkGroups;
    p->trunkStats = trunkStats;
    const auto n = uint32_t(slots.size());
    p->reports.resize(n);
    for (auto& r : p->reports) {
        PASTICHE_RETURN_IF_ERROR(make(r, sizeof(LockState), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                      MemoryKind::HostReadback, "grid lock report"));
        std::memset(r.mapped(), 0, sizeof(LockState));
    }
    p->slotStates.resize(n);
    for (auto& b : p->slotStates)
        PASTICHE_RETURN_IF_ERROR(
            make(b, sizeof(LockState), storage, MemoryKind::DeviceLocal, "grid lock state of a frame in flight"));

    const VkDevice dev = ctx.device();
    auto pool = makeStoragePool(dev, 4 * n + 3, 16 * n + 10);
    if (!pool) return pool.status();
    p->pool = std::move(pool.value());
    p->fitSets.resize(n);
    p->uploadSets.resize(n);
    p->downloadSets.resize(n);
    p->warpOutSets.resize(n);
    for (const SlotBuffers& b : slots) p->rawOuts.push_back(b.rawOut);
    for (uint32_t s = 0; s < n; ++s) {
        PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, fit_.setLayout(), p->fitSets[s]));
        writeDescriptorSet(dev, p->fitSets[s],
                           {{p->motion.flow.get()},
                            {p->state.get()},
                            {slots[s].params},
                            {p->motion.texture.get()},
                            {p->partials.get()},
                            {trunkStats},
                            {p->reports[s].get()},
                            {p->slotStates[s].get()}});
        PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, frameIoLayout, p->uploadSets[s]));
        writeDescriptorSet(dev, p->uploadSets[s], {{slots[s].rawIn}, {p->frame.get()}});
        PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, frameIoLayout, p->downloadSets[s]));
        writeDescriptorSet(dev, p->downloadSets[s], {{p->frameOut.get()}, {slots[s].rawOut}});
        PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, warpOut_.setLayout(), p->warpOutSets[s]));
        writeDescriptorSet(dev, p->warpOutSets[s],
                           {{canvasOut}, {p->frameOut.get()}, {p->slotStates[s].get()}, {slots[s].rawOut}});
    }
    PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, refine_.setLayout(), p->refineSet));
    writeDescriptorSet(dev, p->refineSet, {{p->frame.get()}, {p->halves.get()}, {p->partials.get()}, {p->state.get()}});
    PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, canvasFlow_.setLayout(), p->canvasFlowSet));
    writeDescriptorSet(dev, p->canvasFlowSet, {{p->motion.flow.get()}, {p->canvasFlow}, {p->state.get()}});
    PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p->pool, warpIn_.setLayout(), p->warpInSet));
    writeDescriptorSet(dev, p->warpInSet, {{p->frame.get()}, {canvasIn}, {p->state.get()}});
    return p;
}

Status GridLockOp::recordIn(VkCommandBuffer cmd, BarrierTracker& tracker, const FlowPyramidOp& pyramid, const Plan& p,
                            int slot, const std::function<void()>& mark) const {
    const FlowPyramidOp::Plan& m = p.motion;
    PASTICHE_RETURN_IF_ERROR(pyramid.recordGray(cmd, tracker, m, p.frameW, p.frameH));
    PASTICHE_RETURN_IF_ERROR(pyramid.recordFlow(cmd, tracker, m));
    FlowPyramidOp::recordKeep(cmd, tracker, m);  // this frame's pyramid is the next one's previous
    mark();
    // The half-size gray, then the patch fit refined on it against the previous frame's.
    RefinePush refine{0, p.frameW, p.frameH, p.halfW, p.halfH, p.width, p.height, p.refineSub};
    tracker.read(p.frame.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.state.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.halves.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(refine_.bind(cmd, p.refineSet, refine));
    vkCmdDispatch(cmd, groups(p.halfW), groups(p.halfH), 1);
    mark();
    const FlowPyramidOp::Plan::Level& l0 = m.levels.front();
    FitPush fit{flowGridSide(l0.w), flowGridSide(l0.h), l0.w,   l0.h, m.gridTotal, p.step, p.width, p.height, 0,
                p.refineGroups,     p.trunkGroups,      m.block};
    const VkBuffer report = p.reports[size_t(slot)].get();
    refine.mode = 1;
    for (int phase = 0; phase <= refineSteps_; ++phase) {
        if (phase > 0) {  // the sums for this step
            tracker.read(p.halves.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
            tracker.read(p.state.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
            tracker.write(p.partials.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
            tracker.flush(cmd);
            PASTICHE_RETURN_IF_ERROR(refine_.bind(cmd, p.refineSet, refine));
            vkCmdDispatch(cmd, groups(p.halfW / p.refineSub), groups(p.halfH / p.refineSub), 1);
        }
        tracker.read(m.flow.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
        tracker.read(m.texture.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
        tracker.read(p.partials.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
        tracker.read(p.trunkStats, kCompute, VK_ACCESS_SHADER_READ_BIT);
        tracker.write(p.state.get(), kCompute, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        tracker.write(report, kCompute, VK_ACCESS_SHADER_WRITE_BIT);
        tracker.write(p.slotStates[size_t(slot)].get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
        tracker.flush(cmd);
        fit.phase = phase == 0 ? 0 : (phase < refineSteps_ ? 1 : 2);
        PASTICHE_RETURN_IF_ERROR(fit_.bind(cmd, p.fitSets[size_t(slot)], fit));
        vkCmdDispatch(cmd, 1, 1, 1);
        if (phase == 0) mark();
    }
    mark();

    tracker.read(p.frame.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.state.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.canvasIn, kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(
        warpIn_.bind(cmd, p.warpInSet, WarpInPush{p.width, p.height, p.frameW, p.frameH, p.canvasW, p.canvasH}));
    vkCmdDispatch(cmd, groups(p.canvasW), groups(p.canvasH), 1);
    mark();
    return Status::ok();
}

Status GridLockOp::recordCanvasFlow(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p) const {
    const FlowPyramidOp::Plan& m = p.motion;
    const FlowPyramidOp::Plan::Level& l0 = m.levels.front();
    tracker.read(m.flow.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.state.get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.canvasFlow, kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(
        canvasFlow_.bind(cmd, p.canvasFlowSet,
                         CanvasFlowPush{flowGridSide(l0.w), flowGridSide(l0.h), m.gridTotal, p.canvasGw, p.canvasGh,
                                        p.canvasDirStride, p.width, p.height, m.block}));
    vkCmdDispatch(cmd, groups(p.canvasGw), groups(p.canvasGh), 2);
    return Status::ok();
}

Status GridLockOp::recordOut(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int slot, bool packed) const {
    tracker.read(p.canvasOut, kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.read(p.slotStates[size_t(slot)].get(), kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(packed ? p.rawOuts[size_t(slot)] : p.frameOut.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    const Kernel& k = packed ? warpOutPacked_ : warpOut_;
    PASTICHE_RETURN_IF_ERROR(
        k.bind(cmd, p.warpOutSets[size_t(slot)], WarpOutPush{p.width, p.height, p.canvasW, p.canvasH}));
    vkCmdDispatch(cmd, groups(p.width), groups(p.height), 1);
    tracker.read(p.reports[size_t(slot)].get(), VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    tracker.flush(cmd);
    return Status::ok();
}

void GridLockOp::readReport(const Plan& p, int slot, DeviceStabilityReport& r) {
    LockState s;
    std::memcpy(&s, p.reports[size_t(slot)].mapped(), sizeof(s));
    r.gridLock = true;
    r.globalMotion = s.globalMotion != 0;
    r.similarity = s.simStep != 0;
    r.reanchored = s.reanchored != 0;
    r.offsetX = s.offset[0];
    r.offsetY = s.offset[1];
    r.motionX = s.motion[0];
    r.motionY = s.motion[1];
    r.scaleStep = s.scaleStep;
    r.angleStep = s.angleStep;
    r.frameSpread = r.spread;  // the trunk flow's, whose spread the lock's switch follows
}

}  // namespace pastiche::vk
