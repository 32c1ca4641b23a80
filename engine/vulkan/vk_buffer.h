// Buffers with their own memory, and the barrier tracker: every command that touches a buffer
// declares the access, and the tracker emits the barriers that the last recorded access requires.
#pragma once

#include <vulkan/vulkan.h>

#include <unordered_map>
#include <vector>

#include "engine/vulkan/vk_context.h"

namespace pastiche::vk {

enum class MemoryKind { DeviceLocal, HostUpload, HostReadback, HostShared };

class Buffer {
public:
    // Sharing between the compute and transfer queue families when they differ.
    static Result<Buffer> create(const Context& ctx, VkDeviceSize size, VkBufferUsageFlags usage, MemoryKind kind,
                                 const char* what);
    VkBuffer get() const { return buffer_; }
    VkDeviceSize size() const { return size_; }
    void* mapped() const { return mapped_; }
    explicit operator bool() const { return bool(buffer_); }

private:
    BufferHandle buffer_;
    MemoryHandle memory_;
    VkDeviceSize size_ = 0;
    void* mapped_ = nullptr;
};

class BarrierTracker {
public:
    // Starts a command buffer: every buffer may have been written by earlier submissions.
    void begin();
    void read(VkBuffer b, VkPipelineStageFlags stage, VkAccessFlags access);
    void write(VkBuffer b, VkPipelineStageFlags stage, VkAccessFlags access);  // includes read-modify-write
    // Emits one vkCmdPipelineBarrier for everything declared since the last flush.
    void flush(VkCommandBuffer cmd);
    int barriersEmitted() const { return emitted_; }

private:
    struct State {
        VkPipelineStageFlags writeStage = VK_PIPELINE_STAGE_ALL_COMMANDS_BIT;
        VkAccessFlags writeAccess = VK_ACCESS_MEMORY_WRITE_BIT;
        VkPipelineStageFlags readStages = 0;     // reads since the last write
        VkPipelineStageFlags visibleStages = 0;  // stages the last write was made visible to
    };
    void add(VkBuffer b, VkPipelineStageFlags src, VkAccessFlags srcAccess, VkPipelineStageFlags dst,
             VkAccessFlags dstAccess);
    std::unordered_map<VkBuffer, State> states_;
    std::vector<VkBufferMemoryBarrier> pending_;
    VkPipelineStageFlags srcStages_ = 0, dstStages_ = 0;
    int emitted_ = 0;
};

}  // namespace pastiche::vk
