// The Vulkan device object: instance (+ validation layer and a debug messenger that records
// messages), the chosen physical device, the logical device with a compute queue and, where the
// device has one, a separate transfer queue, plus the pools and caches everything else uses.
#pragma once

#include <vulkan/vulkan.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/vulkan/vk_pipeline_cache.h"
#include "engine/vulkan/vk_util.h"

namespace pastiche::vk {

// Validation: enabled when PASTICHE_VK_VALIDATION=1 (the tests set it). Messages of severity
// warning or error are recorded here so tests can assert there are none.
std::vector<std::string> validationMessages();
void clearValidationMessages();
bool validationRequested();

// Which cooperative-matrix (tensor core) shaders the device runs. Chosen by capability, never by
// vendor name: VK_NV_cooperative_matrix with a 16x16x16 fp16 x fp16 -> fp32 subgroup shape in
// compute shaders, the Vulkan memory model and the shaders' subgroup size. (VK_KHR_cooperative_matrix
// shaders need glslang >= 13; Debian 12 ships 12, so the KHR path is detected and reported only.)
enum class CoopMat { None, Nv16x16x16 };

constexpr uint32_t kMaxComputeQueues = 3;

struct CoopMatSupport {
    CoopMat kind = CoopMat::None;
    bool khrExtension = false;   // VK_KHR_cooperative_matrix advertised
    bool nvExtension = false;    // VK_NV_cooperative_matrix advertised
    bool memoryModelDeviceScope = false;
    bool sharedBlocks = false;     // VK_KHR_workgroup_memory_explicit_layout with 16-bit access
    std::string fp16Shapes;        // every fp16 subgroup shape listed, "MxNxK" + accumulator type
    std::string describe() const;  // for DeviceInfo::matrixUnits
};

struct DeviceCaps {
    CoopMat coopmat = CoopMat::None;   // what this context enabled (PASTICHE_VK_COOPMAT=0: None)
    bool fp16 = false;                 // storageBuffer16BitAccess + shaderFloat16
    bool subgroupArithmetic = false;   // compute stage
    uint32_t subgroupSize = 0;
    uint32_t maxSharedBytes = 0;
    uint32_t maxGroupCountX = 65535;
    uint64_t maxStorageRange = 1u << 27;
    VkDeviceSize storageAlignment = 256;
    float timestampPeriodNs = 1.f;
    bool timestamps = false;
    bool sharedBlocks = false;  // VK_KHR_workgroup_memory_explicit_layout enabled (with coopmat)
    bool timelineSemaphores = false;
    // PASTICHE_VK_PIPELINE_STATS=1 where the device has VK_KHR_pipeline_executable_properties: every
    // pipeline's compiler statistics (registers, shared memory, ...) go to stderr as it is built.
    bool pipelineStats = false;
};

class Context {
public:
    // deviceIndex -1: default order (discrete, integrated, virtual, cpu).
    static Result<std::unique_ptr<Context>> create(int deviceIndex, bool allowSoftware);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    VkDevice device() const { return device_; }
    VkPhysicalDevice physical() const { return physical_; }
    const DeviceInfo& info() const { return info_; }
    const DeviceCaps& caps() const { return caps_; }
    const VkPhysicalDeviceMemoryProperties& memory() const { return memory_; }
    VkQueue computeQueue() const { return computeQueue_; }
    VkQueue transferQueue() const { return transferQueue_; }
    // Where download copies go: a second queue of the transfer family when it has one, else
    // transferQueue() (both in the transfer family: its command pool serves either).
    VkQueue downloadQueue() const { return downloadQueue_; }
    // A second queue of the compute family where it has one (else computeQueue()): the device grid
    // lock's motion stages of frame N+1 run there beside the decoder of frame N (async compute;
    // PASTICHE_VK_LOCK_QUEUE=0 keeps them on the compute queue).
    VkQueue lockQueue() const { return lockQueue_; }
    // The compute family's queues (up to kMaxComputeQueues): lane i of the network runs on queue
    // i modulo their number, so frames in flight overlap on the GPU where it has several.
    VkQueue laneQueue(int lane) const { return computeQueues_[size_t(lane) % computeQueues_.size()]; }
    int computeQueueCount() const { return int(computeQueues_.size()); }
    // The largest device-local heap (what a plan's extra lanes are weighed against).
    VkDeviceSize deviceLocalBytes() const;
    uint32_t computeFamily() const { return computeFamily_; }
    uint32_t transferFamily() const { return transferFamily_; }
    bool separateTransfer() const { return transferFamily_ != computeFamily_; }
    VkCommandPool computePool() const { return computePool_; }
    VkCommandPool transferPool() const { return transferPool_; }
    VkPipelineCache pipelineCache() const { return pipelineCache_.get(); }
    // Persists the pipelines built so far (backends call it once they have built theirs).
    Status savePipelineCache() const { return pipelineCache_.save(); }
    const PersistentPipelineCache& persistentCache() const { return pipelineCache_; }

    // Records with `record` into a one-off command buffer on the compute queue and waits for it.
    template <class F>
    Status submitAndWait(F&& record) const;

private:
    Context() = default;
    Status submitAndWaitImpl(void (*thunk)(void*, VkCommandBuffer), void* ctx) const;

    VkInstance instance_ = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
    VkPhysicalDevice physical_ = VK_NULL_HANDLE;
    VkDevice device_ = VK_NULL_HANDLE;
    DeviceInfo info_;
    DeviceCaps caps_;
    VkPhysicalDeviceMemoryProperties memory_{};
    uint32_t computeFamily_ = 0, transferFamily_ = 0;
    VkQueue computeQueue_ = VK_NULL_HANDLE, transferQueue_ = VK_NULL_HANDLE, downloadQueue_ = VK_NULL_HANDLE;
    VkQueue lockQueue_ = VK_NULL_HANDLE;
    std::vector<VkQueue> computeQueues_;
    CommandPoolHandle computePool_, transferPool_;
    PersistentPipelineCache pipelineCache_;
};

template <class F>
Status Context::submitAndWait(F&& record) const {
    return submitAndWaitImpl([](void* c, VkCommandBuffer cmd) { (*static_cast<F*>(c))(cmd); }, &record);
}

}  // namespace pastiche::vk
