// One queue submission's command buffer and semaphores, binary and timeline alike (a timeline
// semaphore carries its value; a binary one 0), kept so the VkSubmitInfo's pointers stay valid.
#pragma once

#include <vulkan/vulkan.h>

#include <vector>

namespace pastiche::vk {

class Submission {
public:
    explicit Submission(VkCommandBuffer cmd) : cmd_(cmd) {}
    Submission(const Submission&) = delete;
    Submission& operator=(const Submission&) = delete;

    Submission& wait(VkSemaphore s, uint64_t value = 0) {
        waits_.push_back(s);
        waitValues_.push_back(value);
        stages_.push_back(VK_PIPELINE_STAGE_ALL_COMMANDS_BIT);
        return *this;
    }
    Submission& signal(VkSemaphore s, uint64_t value = 0) {
        signals_.push_back(s);
        signalValues_.push_back(value);
        return *this;
    }
    // Valid while this object lives and is not changed.
    const VkSubmitInfo& info() {
        timeline_ = {VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO};
        timeline_.waitSemaphoreValueCount = uint32_t(waitValues_.size());
        timeline_.pWaitSemaphoreValues = waitValues_.data();
        timeline_.signalSemaphoreValueCount = uint32_t(signalValues_.size());
        timeline_.pSignalSemaphoreValues = signalValues_.data();
        info_ = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
        for (uint64_t v : waitValues_) info_.pNext = v ? &timeline_ : info_.pNext;
        for (uint64_t v : signalValues_) info_.pNext = v ? &timeline_ : info_.pNext;
        info_.waitSemaphoreCount = uint32_t(waits_.size());
        info_.pWaitSemaphores = waits_.data();
        info_.pWaitDstStageMask = stages_.data();
        info_.commandBufferCount = 1;
        info_.pCommandBuffers = &cmd_;
        info_.signalSemaphoreCount = uint32_t(signals_.size());
        info_.pSignalSemaphores = signals_.data();
        return info_;
    }

private:
    VkCommandBuffer cmd_;
    std::vector<VkSemaphore> waits_, signals_;
    std::vector<uint64_t> waitValues_, signalValues_;
    std::vector<VkPipelineStageFlags> stages_;
    VkTimelineSemaphoreSubmitInfo timeline_{};
    VkSubmitInfo info_{};
};

}  // namespace pastiche::vk
