// Small helpers every op and plan shares (ops.h): descriptor sets and pools, dispatch grids, copies.
#include <algorithm>

#include "engine/vulkan/ops.h"
#include "engine/vulkan/vk_util.h"

namespace pastiche::vk {

void writeDescriptorSet(VkDevice device, VkDescriptorSet set, const std::vector<BufferRange>& buffers) {
    std::vector<VkDescriptorBufferInfo> infos(buffers.size());
    std::vector<VkWriteDescriptorSet> writes(buffers.size());
    for (size_t i = 0; i < buffers.size(); ++i) {
        infos[i] = {buffers[i].buffer, buffers[i].offset, buffers[i].range};
        writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[i].dstSet = set;
        writes[i].dstBinding = uint32_t(i);
        writes[i].descriptorCount = 1;
        writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        writes[i].pBufferInfo = &infos[i];
    }
    vkUpdateDescriptorSets(device, uint32_t(writes.size()), writes.data(), 0, nullptr);
}

void dispatch1D(VkCommandBuffer cmd, uint32_t groups, uint32_t maxGroupCountX) {
    const uint32_t x = std::min(groups, maxGroupCountX);
    const uint32_t y = (groups + x - 1) / x;
    vkCmdDispatch(cmd, x, y, 1);
}

Result<DescriptorPoolHandle> makeStoragePool(VkDevice device, uint32_t sets, uint32_t descriptors) {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, std::max(descriptors, 1u)};
    VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pi.maxSets = std::max(sets, 1u);
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &size;
    VkDescriptorPool pool;
    PASTICHE_VK(vkCreateDescriptorPool(device, &pi, nullptr, &pool));
    return DescriptorPoolHandle(device, pool);
}

Status allocateSet(VkDevice device, VkDescriptorPool pool, VkDescriptorSetLayout layout, VkDescriptorSet& set) {
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = pool;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &layout;
    PASTICHE_VK(vkAllocateDescriptorSets(device, &ai, &set));
    return Status::ok();
}

void recordCopy(VkCommandBuffer cmd, BarrierTracker& tracker, VkBuffer src, VkBuffer dst, VkDeviceSize bytes,
                bool hostReadsDst) {
    tracker.read(src, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    tracker.write(dst, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
    tracker.flush(cmd);
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, src, dst, 1, &region);
    if (hostReadsDst) {
        tracker.read(dst, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        tracker.flush(cmd);
    }
}

}  // namespace pastiche::vk
