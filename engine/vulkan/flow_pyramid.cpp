#include "engine/vulkan/flow_pyramid.h"

#include <algorithm>

#include "engine/vulkan/ops.h"

namespace pastiche::vk {
namespace {

struct GrayPush {
    int32_t padW, padH, w, h, block;
};
struct DownPush {
    int32_t srcOff, srcW, srcH, dstOff, dstW, dstH;
};
struct FlowPush {
    int32_t off, w, h, gridOff, inGridOff, inW, inH, init, dirStride;
    float lambda;
};

constexpr int kMinLevelSide = 16;  // no pyramid level smaller than this (two 8x8 patches)
constexpr auto kCompute = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT;

uint32_t groups(int n) { return uint32_t((n + 15) / 16); }

}  // namespace

Result<FlowPyramidOp> FlowPyramidOp::create(const Context& ctx, bool fp16) {
    FlowPyramidOp op;
    auto gray = Kernel::create<GrayPush>(ctx, "stab_gray", fp16, 2, {});
    if (!gray) return gray.status();
    op.gray_ = std::move(gray.value());
    auto down = Kernel::create<DownPush>(ctx, "stab_down", fp16, 1, {});
    if (!down) return down.status();
    op.down_ = std::move(down.value());
    auto flow = Kernel::create<FlowPush>(ctx, "stab_flow", fp16, 4, {uint32_t(kIterations)});
    if (!flow) return flow.status();
    op.flow_ = std::move(flow.value());
    return op;
}

Result<FlowPyramidOp::Plan> FlowPyramidOp::plan(const Context& ctx, int padW, int padH, VkBuffer input, int block,
                                                int levels) const {
    if (block < 1 || padW % block != 0 || padH % block != 0 || padW < 8 * block || padH < 8 * block)
        return Status::unsupported("device flow: frames must be multiples of " + std::to_string(block) +
                                   " and at least " + std::to_string(8 * block) + " pixels each way");
    Plan p;
    p.block = block;
    p.w = padW / block;
    p.h = padH / block;
    p.input = input;
    int w = p.w, h = p.h;
    for (;;) {
        p.levels.push_back({p.total, w, h, p.gridTotal});
        p.total += w * h;
        p.gridTotal += flowGridSide(w) * flowGridSide(h);
        const int nw = (w + 1) / 2, nh = (h + 1) / 2;
        if (int(p.levels.size()) >= levels || std::min(nw, nh) < kMinLevelSide) break;
        w = nw;
        h = nh;
    }
    const auto usage =
        VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    auto make = [&](Buffer& out, VkDeviceSize size, const char* what) -> Status {
        auto b = Buffer::create(ctx, std::max<VkDeviceSize>(size, 16), usage, MemoryKind::DeviceLocal, what);
        if (!b) return b.status().withContext("device flow");
        out = std::move(b.value());
        return Status::ok();
    };
    PASTICHE_RETURN_IF_ERROR(make(p.pyrCur, VkDeviceSize(p.total) * 4, "gray pyramid"));
    PASTICHE_RETURN_IF_ERROR(make(p.pyrPrev, VkDeviceSize(p.total) * 4, "previous gray pyramid"));
    PASTICHE_RETURN_IF_ERROR(make(p.flow, VkDeviceSize(p.gridTotal) * 2 * 8, "flow"));
    PASTICHE_RETURN_IF_ERROR(make(p.texture, VkDeviceSize(flowGridSide(p.w)) * flowGridSide(p.h) * 4, "flow texture"));
    const VkDevice dev = ctx.device();
    auto pool = makeStoragePool(dev, 3, 2 + 1 + 4);
    if (!pool) return pool.status();
    p.pool = std::move(pool.value());
    PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p.pool, gray_.setLayout(), p.gray));
    writeDescriptorSet(dev, p.gray, {{input}, {p.pyrCur.get()}});
    PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p.pool, down_.setLayout(), p.down));
    writeDescriptorSet(dev, p.down, {{p.pyrCur.get()}});
    PASTICHE_RETURN_IF_ERROR(allocateSet(dev, p.pool, flow_.setLayout(), p.flowSet));
    writeDescriptorSet(dev, p.flowSet, {{p.pyrCur.get()}, {p.pyrPrev.get()}, {p.flow.get()}, {p.texture.get()}});
    return p;
}

Status FlowPyramidOp::recordGray(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int padW,
                                 int padH) const {
    tracker.read(p.input, kCompute, VK_ACCESS_SHADER_READ_BIT);
    tracker.write(p.pyrCur.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
    tracker.flush(cmd);
    PASTICHE_RETURN_IF_ERROR(gray_.bind(cmd, p.gray, GrayPush{padW, padH, p.w, p.h, p.block}));
    vkCmdDispatch(cmd, groups(p.w), groups(p.h), 1);
    return Status::ok();
}

Status FlowPyramidOp::recordFlow(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p) const {
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
        if (l == 0) tracker.write(p.texture.get(), kCompute, VK_ACCESS_SHADER_WRITE_BIT);
        tracker.flush(cmd);
        PASTICHE_RETURN_IF_ERROR(flow_.bind(cmd, p.flowSet, push));
        vkCmdDispatch(cmd, uint32_t(flowGridSide(lv.w)), uint32_t(flowGridSide(lv.h)), 2);
    }
    return Status::ok();
}

void FlowPyramidOp::recordKeep(VkCommandBuffer cmd, BarrierTracker& tracker, const Plan& p, int levels) {
    const int n = levels < 0 ? int(p.levels.size()) : std::min(levels, int(p.levels.size()));
    const Plan::Level& last = p.levels[size_t(n) - 1];
    recordCopy(cmd, tracker, p.pyrCur.get(), p.pyrPrev.get(), VkDeviceSize(last.off + last.w * last.h) * 4, false);
}

}  // namespace pastiche::vk
