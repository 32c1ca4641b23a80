#include "engine/vulkan/vk_buffer.h"

namespace pastiche::vk {
namespace {

int findMemoryType(const VkPhysicalDeviceMemoryProperties& mem, uint32_t typeBits, VkMemoryPropertyFlags required,
                   VkMemoryPropertyFlags preferred) {
    int fallback = -1;
    for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
        if (!(typeBits & (1u << i))) continue;
        const VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
        if ((f & required) != required) continue;
        if ((f & preferred) == preferred) return int(i);
        if (fallback < 0) fallback = int(i);
    }
    return fallback;
}

}  // namespace

Result<Buffer> Buffer::create(const Context& ctx, VkDeviceSize size, VkBufferUsageFlags usage, MemoryKind kind,
                              const char* what) {
    Buffer b;
    b.size_ = size;
    VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    info.size = size;
    info.usage = usage;
    uint32_t families[2] = {ctx.computeFamily(), ctx.transferFamily()};
    if (ctx.separateTransfer()) {
        info.sharingMode = VK_SHARING_MODE_CONCURRENT;
        info.queueFamilyIndexCount = 2;
        info.pQueueFamilyIndices = families;
    }
    VkBuffer buffer;
    VkResult r = vkCreateBuffer(ctx.device(), &info, nullptr, &buffer);
    if (r != VK_SUCCESS) return callFailed("vkCreateBuffer", r).withContext(what);
    b.buffer_ = BufferHandle(ctx.device(), buffer);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx.device(), buffer, &req);
    VkMemoryPropertyFlags required = 0, preferred = 0;
    switch (kind) {
        case MemoryKind::DeviceLocal: preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT; break;
        case MemoryKind::HostUpload:
            required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
            break;
        case MemoryKind::HostReadback:
            required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
            preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
            break;
        case MemoryKind::HostShared:
            required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
            preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
            break;
    }
    int type = findMemoryType(ctx.memory(), req.memoryTypeBits, required, preferred);
    if (type < 0) return Status::error(std::string("no suitable Vulkan memory type for ") + what);
    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = uint32_t(type);
    VkDeviceMemory memory;
    r = vkAllocateMemory(ctx.device(), &ai, nullptr, &memory);
    if (r != VK_SUCCESS)
        return callFailed("vkAllocateMemory", r)
            .withContext(std::string(what) + " (" + std::to_string(req.size >> 20) + " MiB)");
    b.memory_ = MemoryHandle(ctx.device(), memory);
    r = vkBindBufferMemory(ctx.device(), buffer, memory, 0);
    if (r != VK_SUCCESS) return callFailed("vkBindBufferMemory", r).withContext(what);
    if (kind != MemoryKind::DeviceLocal) {
        r = vkMapMemory(ctx.device(), memory, 0, VK_WHOLE_SIZE, 0, &b.mapped_);
        if (r != VK_SUCCESS) return callFailed("vkMapMemory", r).withContext(what);
    }
    return b;
}

void BarrierTracker::begin() {
    states_.clear();
    pending_.clear();
    srcStages_ = dstStages_ = 0;
}

void BarrierTracker::add(VkBuffer b, VkPipelineStageFlags src, VkAccessFlags srcAccess, VkPipelineStageFlags dst,
                         VkAccessFlags dstAccess) {
    VkBufferMemoryBarrier barrier{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    barrier.srcAccessMask = srcAccess;
    barrier.dstAccessMask = dstAccess;
    barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    barrier.buffer = b;
    barrier.offset = 0;
    barrier.size = VK_WHOLE_SIZE;
    pending_.push_back(barrier);
    srcStages_ |= src;
    dstStages_ |= dst;
}

void BarrierTracker::read(VkBuffer b, VkPipelineStageFlags stage, VkAccessFlags access) {
    State& s = states_[b];
    if (s.writeAccess && (s.visibleStages & stage) != stage) {  // read after write
        add(b, s.writeStage, s.writeAccess, stage, access);
        s.visibleStages |= stage;
    }
    s.readStages |= stage;
}

void BarrierTracker::write(VkBuffer b, VkPipelineStageFlags stage, VkAccessFlags access) {
    State& s = states_[b];
    if (s.readStages) {
        // Write after read (and after the write those reads saw): wait for the readers; a pending
        // write not yet made visible to this stage is covered by the same barrier.
        add(b, s.readStages | s.writeStage, s.writeAccess, stage, access);
    } else if (s.writeAccess) {
        add(b, s.writeStage, s.writeAccess, stage, access);  // write after write
    }
    s = State{stage, access & (VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_HOST_WRITE_BIT |
                               VK_ACCESS_MEMORY_WRITE_BIT),
              0, 0};
}

void BarrierTracker::flush(VkCommandBuffer cmd) {
    if (pending_.empty()) return;
    vkCmdPipelineBarrier(cmd, srcStages_, dstStages_, 0, 0, nullptr, uint32_t(pending_.size()), pending_.data(), 0,
                         nullptr);
    ++emitted_;
    pending_.clear();
    srcStages_ = dstStages_ = 0;
}

}  // namespace pastiche::vk
