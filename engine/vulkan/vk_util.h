// Small Vulkan helpers: VkResult -> Status with the call's name, and move-only RAII wrappers for
// every handle type the backend creates.
#pragma once

#include <vulkan/vulkan.h>

#include <string>
#include <utility>

#include "engine/status.h"

namespace pastiche::vk {

const char* resultName(VkResult r);

// "vkQueueSubmit failed: VK_ERROR_DEVICE_LOST"
Status callFailed(const char* call, VkResult r);

// `expr` is a Vulkan call; its name (text before '(') goes into the message.
Status checkCall(const char* exprText, VkResult r);

#define PASTICHE_VK(expr)                                                        \
    do {                                                                         \
        VkResult _vr = (expr);                                                   \
        if (_vr != VK_SUCCESS) return ::pastiche::vk::checkCall(#expr, _vr);     \
    } while (0)

// Device-owned handle destroyed with vkDestroyX(device, handle, nullptr).
template <class T, void (*Destroy)(VkDevice, T, const VkAllocationCallbacks*)>
class Handle {
public:
    Handle() = default;
    Handle(VkDevice device, T handle) : device_(device), handle_(handle) {}
    Handle(Handle&& o) noexcept : device_(o.device_), handle_(std::exchange(o.handle_, T(VK_NULL_HANDLE))) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            device_ = o.device_;
            handle_ = std::exchange(o.handle_, T(VK_NULL_HANDLE));
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }
    void reset() {
        if (handle_ != T(VK_NULL_HANDLE)) Destroy(device_, handle_, nullptr);
        handle_ = T(VK_NULL_HANDLE);
    }
    T get() const { return handle_; }
    operator T() const { return handle_; }  // NOLINT: handles pass straight into vk calls
    explicit operator bool() const { return handle_ != T(VK_NULL_HANDLE); }

private:
    VkDevice device_ = VK_NULL_HANDLE;
    T handle_ = T(VK_NULL_HANDLE);
};

using BufferHandle = Handle<VkBuffer, vkDestroyBuffer>;
using MemoryHandle = Handle<VkDeviceMemory, vkFreeMemory>;
using ShaderModuleHandle = Handle<VkShaderModule, vkDestroyShaderModule>;
using DescriptorSetLayoutHandle = Handle<VkDescriptorSetLayout, vkDestroyDescriptorSetLayout>;
using DescriptorPoolHandle = Handle<VkDescriptorPool, vkDestroyDescriptorPool>;
using PipelineLayoutHandle = Handle<VkPipelineLayout, vkDestroyPipelineLayout>;
using PipelineHandle = Handle<VkPipeline, vkDestroyPipeline>;
using PipelineCacheHandle = Handle<VkPipelineCache, vkDestroyPipelineCache>;
using CommandPoolHandle = Handle<VkCommandPool, vkDestroyCommandPool>;
using FenceHandle = Handle<VkFence, vkDestroyFence>;
using SemaphoreHandle = Handle<VkSemaphore, vkDestroySemaphore>;
using QueryPoolHandle = Handle<VkQueryPool, vkDestroyQueryPool>;

// Forced failures for tests: PASTICHE_VK_FAIL=create|reshape|run.
bool forcedFailure(const char* stage);

}  // namespace pastiche::vk
