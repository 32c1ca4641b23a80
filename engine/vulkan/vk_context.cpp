#include "engine/vulkan/vk_context.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "engine/env_switch.h"
#include "engine/vulkan/driver_pin.h"
#include "spirv_registry.h"

namespace pastiche::vk {
namespace {

std::mutex gMessagesMutex;
std::vector<std::string> gMessages;

VKAPI_ATTR VkBool32 VKAPI_CALL onDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT,
                                              const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
    if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        std::lock_guard<std::mutex> lock(gMessagesMutex);
        gMessages.emplace_back(data && data->pMessage ? data->pMessage : "(no message)");
    }
    return VK_FALSE;
}

int typeRank(VkPhysicalDeviceType t) {
    switch (t) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
        default: return 4;
    }
}

const char* typeName(VkPhysicalDeviceType t) {
    switch (t) {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
        case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
        default: return "other";
    }
}

bool layerAvailable(const char* name) {
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
    std::vector<VkLayerProperties> layers(n);
    if (vkEnumerateInstanceLayerProperties(&n, layers.data()) != VK_SUCCESS) return false;
    for (const auto& l : layers)
        if (std::strcmp(l.layerName, name) == 0) return true;
    return false;
}

struct Instance {
    VkInstance instance = VK_NULL_HANDLE;
    VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
};

VkDebugUtilsMessengerCreateInfoEXT messengerInfo() {
    VkDebugUtilsMessengerCreateInfoEXT info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    info.pfnUserCallback = onDebugMessage;
    return info;
}

Result<Instance> createInstance() {
    pinDriversForLeakChecks();
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "pastiche";
    app.pEngineName = "pastiche";
    app.apiVersion = VK_API_VERSION_1_2;
    VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    info.pApplicationInfo = &app;
    const char* layer = "VK_LAYER_KHRONOS_validation";
    const char* ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
    VkDebugUtilsMessengerCreateInfoEXT dbg = messengerInfo();
    const bool validate = validationRequested() && layerAvailable(layer);
    if (validationRequested() && !validate) {
        std::lock_guard<std::mutex> lock(gMessagesMutex);
        gMessages.emplace_back("PASTICHE_VK_VALIDATION=1 but VK_LAYER_KHRONOS_validation is not installed");
    }
    if (validate) {
        info.enabledLayerCount = 1;
        info.ppEnabledLayerNames = &layer;
        info.enabledExtensionCount = 1;
        info.ppEnabledExtensionNames = &ext;
        info.pNext = &dbg;
    }
    Instance out;
    PASTICHE_VK(vkCreateInstance(&info, nullptr, &out.instance));
    if (validate) {
        auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(out.instance, "vkCreateDebugUtilsMessengerEXT"));
        if (create) create(out.instance, &dbg, nullptr, &out.messenger);
    }
    return out;
}

void destroyInstance(Instance& i) {
    if (i.messenger) {
        auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
            vkGetInstanceProcAddr(i.instance, "vkDestroyDebugUtilsMessengerEXT"));
        if (destroy) destroy(i.instance, i.messenger, nullptr);
    }
    if (i.instance) vkDestroyInstance(i.instance, nullptr);
    i = {};
}

struct Candidate {
    VkPhysicalDevice physical;
    DeviceInfo info;
    VkPhysicalDeviceType type;
    CoopMatSupport coopmat;
    bool timelineSemaphores = false;
    bool pipelineExecutableInfo = false;  // VK_KHR_pipeline_executable_properties (PASTICHE_VK_PIPELINE_STATS)
};

bool hasExtension(const std::vector<VkExtensionProperties>& list, const char* name) {
    for (const auto& e : list)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

// The device's extensions (none where the query fails).
std::vector<VkExtensionProperties> deviceExtensions(VkPhysicalDevice physical) {
    uint32_t n = 0;
    if (vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, nullptr) != VK_SUCCESS) return {};
    std::vector<VkExtensionProperties> exts(n);
    if (vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, exts.data()) != VK_SUCCESS) return {};
    return exts;
}

// What the device offers for conv2d_coopmat.comp (see CoopMat); exts: its extensions.
CoopMatSupport queryCoopMat(VkInstance instance, VkPhysicalDevice physical, uint32_t subgroupSize,
                            const std::vector<VkExtensionProperties>& exts) {
    CoopMatSupport out;
    out.khrExtension = hasExtension(exts, "VK_KHR_cooperative_matrix");
    out.nvExtension = hasExtension(exts, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
    if (!out.nvExtension) return out;
    VkPhysicalDeviceWorkgroupMemoryExplicitLayoutFeaturesKHR wm{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_WORKGROUP_MEMORY_EXPLICIT_LAYOUT_FEATURES_KHR};
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cm{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
    const bool explicitLayout = hasExtension(exts, VK_KHR_WORKGROUP_MEMORY_EXPLICIT_LAYOUT_EXTENSION_NAME);
    if (explicitLayout) cm.pNext = &wm;
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.pNext = &cm;
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    features.pNext = &f12;
    vkGetPhysicalDeviceFeatures2(physical, &features);
    VkPhysicalDeviceCooperativeMatrixPropertiesNV cmProps{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_NV};
    VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props.pNext = &cmProps;
    vkGetPhysicalDeviceProperties2(physical, &props);
    out.memoryModelDeviceScope = f12.vulkanMemoryModelDeviceScope;
    // conv2d_coopmat_alias: fp32 accumulator staging over the fp16 input tile (two aliased shared blocks).
    out.sharedBlocks =
        explicitLayout && wm.workgroupMemoryExplicitLayout && wm.workgroupMemoryExplicitLayout16BitAccess;
    if (!cm.cooperativeMatrix || !f12.vulkanMemoryModel || !f12.shaderFloat16 ||
        !(cmProps.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) || subgroupSize < 8 ||
        subgroupSize > 128)
        return out;
    auto query = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
        vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
    uint32_t n = 0;
    if (!query || query(physical, &n, nullptr) != VK_SUCCESS) return out;
    std::vector<VkCooperativeMatrixPropertiesNV> shapes(n, {VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
    if (query(physical, &n, shapes.data()) != VK_SUCCESS) return out;
    for (const auto& p : shapes) {
        if (p.AType == VK_COMPONENT_TYPE_FLOAT16_NV && p.BType == VK_COMPONENT_TYPE_FLOAT16_NV &&
            p.scope == VK_SCOPE_SUBGROUP_NV)
            out.fp16Shapes += (out.fp16Shapes.empty() ? "" : " ") + std::to_string(p.MSize) + "x" +
                              std::to_string(p.NSize) + "x" + std::to_string(p.KSize) +
                              (p.CType == VK_COMPONENT_TYPE_FLOAT32_NV ? "f32" : "f16");
        if (p.MSize == 16 && p.NSize == 16 && p.KSize == 16 && p.AType == VK_COMPONENT_TYPE_FLOAT16_NV &&
            p.BType == VK_COMPONENT_TYPE_FLOAT16_NV && p.CType == VK_COMPONENT_TYPE_FLOAT32_NV &&
            p.DType == VK_COMPONENT_TYPE_FLOAT32_NV && p.scope == VK_SCOPE_SUBGROUP_NV)
            out.kind = CoopMat::Nv16x16x16;
    }
    return out;
}

Result<std::vector<Candidate>> enumerate(VkInstance instance) {
    uint32_t n = 0;
    PASTICHE_VK(vkEnumeratePhysicalDevices(instance, &n, nullptr));
    std::vector<VkPhysicalDevice> devices(n);
    PASTICHE_VK(vkEnumeratePhysicalDevices(instance, &n, devices.data()));
    std::vector<Candidate> out;
    for (uint32_t i = 0; i < n; ++i) {
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(devices[i], &props);
        if (props.apiVersion < VK_API_VERSION_1_2) continue;  // needs Vulkan 1.2 features
        VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
        VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
        props2.pNext = &driver;
        vkGetPhysicalDeviceProperties2(devices[i], &props2);
        VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
        VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
        f11.pNext = &f12;
        VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
        features.pNext = &f11;
        vkGetPhysicalDeviceFeatures2(devices[i], &features);
        VkPhysicalDeviceMemoryProperties mem;
        vkGetPhysicalDeviceMemoryProperties(devices[i], &mem);
        Candidate c{devices[i], {}, props.deviceType};
        c.info.index = int(i);
        c.info.name = props.deviceName;
        c.info.type = typeName(props.deviceType);
        c.info.driver = std::string(driver.driverName) + " " + driver.driverInfo;
        for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
            if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) c.info.memoryBytes += mem.memoryHeaps[h].size;
        c.info.fp16 = f11.storageBuffer16BitAccess && f12.shaderFloat16;
        c.timelineSemaphores = f12.timelineSemaphore == VK_TRUE;
        VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
        VkPhysicalDeviceProperties2 sprops{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
        sprops.pNext = &subgroup;
        vkGetPhysicalDeviceProperties2(devices[i], &sprops);
        const std::vector<VkExtensionProperties> exts = deviceExtensions(devices[i]);
        c.coopmat = queryCoopMat(instance, devices[i], subgroup.subgroupSize, exts);
        c.pipelineExecutableInfo = hasExtension(exts, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
        if (!c.info.fp16) c.coopmat.kind = CoopMat::None;  // the coopmat shaders store fp16 activations
        c.info.matrixUnits = c.coopmat.describe();
        out.push_back(c);
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Candidate& a, const Candidate& b) { return typeRank(a.type) < typeRank(b.type); });
    return out;
}

}  // namespace

std::string CoopMatSupport::describe() const {
    std::string s;
    if (kind == CoopMat::Nv16x16x16)
        s = "cooperative matrix (VK_NV_cooperative_matrix, fp16 16x16x16 -> fp32; fp16 shapes offered: " + fp16Shapes +
            ")";
    if (khrExtension) s += std::string(s.empty() ? "" : "; ") + "VK_KHR_cooperative_matrix advertised (unused)";
    return s;
}

bool coopMatAllowed() { return env::enabled("PASTICHE_VK_COOPMAT"); }

bool validationRequested() { return env::requested("PASTICHE_VK_VALIDATION"); }

std::vector<std::string> validationMessages() {
    std::lock_guard<std::mutex> lock(gMessagesMutex);
    return gMessages;
}

void clearValidationMessages() {
    std::lock_guard<std::mutex> lock(gMessagesMutex);
    gMessages.clear();
}

Result<std::unique_ptr<Context>> Context::create(int deviceIndex, bool allowSoftware) {
    auto inst = createInstance();
    if (!inst) return inst.status();
    std::unique_ptr<Context> ctx(new Context());
    ctx->instance_ = inst->instance;
    ctx->messenger_ = inst->messenger;
    auto candidates = enumerate(ctx->instance_);
    if (!candidates) return candidates.status();
    const Candidate* chosen = nullptr;
    for (const Candidate& c : candidates.value()) {
        if (deviceIndex >= 0 ? c.info.index == deviceIndex
                             : (allowSoftware || c.type != VK_PHYSICAL_DEVICE_TYPE_CPU)) {
            chosen = &c;
            break;
        }
    }
    if (!chosen) {
        if (deviceIndex >= 0) return Status::error("no Vulkan 1.2 device with index " + std::to_string(deviceIndex));
        return Status::error("no Vulkan 1.2 device found");
    }
    ctx->physical_ = chosen->physical;
    ctx->info_ = chosen->info;

    VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    props2.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(ctx->physical_, &props2);
    const VkPhysicalDeviceLimits& limits = props2.properties.limits;
    DeviceCaps& caps = ctx->caps_;
    caps.fp16 = chosen->info.fp16;
    caps.subgroupSize = subgroup.subgroupSize;
    caps.subgroupArithmetic = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                              (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    caps.maxSharedBytes = limits.maxComputeSharedMemorySize;
    caps.maxGroupCountX = limits.maxComputeWorkGroupCount[0];
    caps.maxStorageRange = limits.maxStorageBufferRange;
    caps.storageAlignment = std::max<VkDeviceSize>(limits.minStorageBufferOffsetAlignment, 16);
    caps.timestampPeriodNs = limits.timestampPeriod;
    caps.coopmat = coopMatAllowed() ? chosen->coopmat.kind : CoopMat::None;
    caps.sharedBlocks = caps.coopmat != CoopMat::None && chosen->coopmat.sharedBlocks;
    vkGetPhysicalDeviceMemoryProperties(ctx->physical_, &ctx->memory_);

    uint32_t nf = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical_, &nf, nullptr);
    std::vector<VkQueueFamilyProperties> families(nf);
    vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical_, &nf, families.data());
    int compute = -1, transfer = -1;
    for (uint32_t i = 0; i < nf; ++i) {
        const VkQueueFlags f = families[i].queueFlags;
        // Prefer a compute family without graphics (async compute), else any compute family.
        if ((f & VK_QUEUE_COMPUTE_BIT) && (compute < 0 || !(f & VK_QUEUE_GRAPHICS_BIT))) {
            if (compute < 0 || (families[uint32_t(compute)].queueFlags & VK_QUEUE_GRAPHICS_BIT)) compute = int(i);
        }
        if ((f & VK_QUEUE_TRANSFER_BIT) && !(f & (VK_QUEUE_COMPUTE_BIT | VK_QUEUE_GRAPHICS_BIT)) && transfer < 0)
            transfer = int(i);
    }
    if (compute < 0) return Status::error(ctx->info_.name + " has no compute queue");
    ctx->computeFamily_ = uint32_t(compute);
    ctx->transferFamily_ = transfer >= 0 ? uint32_t(transfer) : uint32_t(compute);
    caps.timestamps = families[uint32_t(compute)].timestampValidBits > 0;
    if (!caps.subgroupArithmetic || caps.subgroupSize < 4)
        return Status::error(ctx->info_.name + " lacks subgroup arithmetic in compute shaders");

    const float priorities[kMaxComputeQueues] = {1.f, 1.f, 1.f};
    VkDeviceQueueCreateInfo queues[2]{};
    for (auto& q : queues) {
        q.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
        q.queueCount = 1;
        q.pQueuePriorities = priorities;
    }
    queues[0].queueFamilyIndex = ctx->computeFamily_;
    queues[1].queueFamilyIndex = ctx->transferFamily_;
    // Downloads get a second transfer queue where the family has one: on a single queue the
    // download of frame N (waiting for its compute) would hold up the upload of frame N+1 behind it.
    // PASTICHE_VK_DOWNLOAD_QUEUE=0: one transfer queue for both (the comparison in docs/PERFORMANCE.md).
    if (ctx->separateTransfer() && families[ctx->transferFamily_].queueCount >= 2 &&
        env::enabled("PASTICHE_VK_DOWNLOAD_QUEUE"))
        queues[1].queueCount = 2;
    // Up to three compute queues: frames in flight run side by side on them (network lanes,
    // vulkan_backend.h), and the second also takes the grid lock's motion stages.
    queues[0].queueCount = std::min<uint32_t>(families[ctx->computeFamily_].queueCount, kMaxComputeQueues);
    caps.timelineSemaphores = chosen->timelineSemaphores;  // orders the grid lock's split submissions
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceCooperativeMatrixFeaturesNV cm{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
    VkPhysicalDeviceWorkgroupMemoryExplicitLayoutFeaturesKHR wm{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_WORKGROUP_MEMORY_EXPLICIT_LAYOUT_FEATURES_KHR};
    f11.pNext = &f12;
    f12.timelineSemaphore = caps.timelineSemaphores ? VK_TRUE : VK_FALSE;
    if (caps.fp16) {
        f11.storageBuffer16BitAccess = VK_TRUE;
        f12.shaderFloat16 = VK_TRUE;
    }
    std::vector<const char*> extensions;
    if (caps.coopmat == CoopMat::Nv16x16x16) {
        f12.pNext = &cm;
        cm.cooperativeMatrix = VK_TRUE;
        f12.vulkanMemoryModel = VK_TRUE;
        f12.vulkanMemoryModelDeviceScope = chosen->coopmat.memoryModelDeviceScope;
        extensions.push_back(VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
        if (caps.sharedBlocks) {
            cm.pNext = &wm;
            wm.workgroupMemoryExplicitLayout = VK_TRUE;
            wm.workgroupMemoryExplicitLayout16BitAccess = VK_TRUE;
            extensions.push_back(VK_KHR_WORKGROUP_MEMORY_EXPLICIT_LAYOUT_EXTENSION_NAME);
        }
    }
    VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pe{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR};
    VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
    dci.pNext = &f11;
    if (env::is("PASTICHE_VK_PIPELINE_STATS", "1") && chosen->pipelineExecutableInfo) {
        pe.pipelineExecutableInfo = VK_TRUE;
        pe.pNext = &f11;
        dci.pNext = &pe;
        extensions.push_back(VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
        caps.pipelineStats = true;
    }
    dci.enabledExtensionCount = uint32_t(extensions.size());
    dci.ppEnabledExtensionNames = extensions.data();
    dci.queueCreateInfoCount = ctx->separateTransfer() ? 2 : 1;
    dci.pQueueCreateInfos = queues;
    PASTICHE_VK(vkCreateDevice(ctx->physical_, &dci, nullptr, &ctx->device_));
    ctx->computeQueues_.resize(queues[0].queueCount);
    for (uint32_t i = 0; i < queues[0].queueCount; ++i)
        vkGetDeviceQueue(ctx->device_, ctx->computeFamily_, i, &ctx->computeQueues_[i]);
    ctx->computeQueue_ = ctx->computeQueues_[0];
    const bool lockQueue = ctx->computeQueues_.size() >= 2 && env::enabled("PASTICHE_VK_LOCK_QUEUE");
    ctx->lockQueue_ = lockQueue ? ctx->computeQueues_[1] : ctx->computeQueue_;
    vkGetDeviceQueue(ctx->device_, ctx->transferFamily_, 0, &ctx->transferQueue_);
    ctx->downloadQueue_ = ctx->transferQueue_;
    if (queues[1].queueCount == 2) vkGetDeviceQueue(ctx->device_, ctx->transferFamily_, 1, &ctx->downloadQueue_);

    VkCommandPoolCreateInfo pool{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    VkCommandPool handle;
    pool.queueFamilyIndex = ctx->computeFamily_;
    PASTICHE_VK(vkCreateCommandPool(ctx->device_, &pool, nullptr, &handle));
    ctx->computePool_ = CommandPoolHandle(ctx->device_, handle);
    pool.queueFamilyIndex = ctx->transferFamily_;
    PASTICHE_VK(vkCreateCommandPool(ctx->device_, &pool, nullptr, &handle));
    ctx->transferPool_ = CommandPoolHandle(ctx->device_, handle);
    auto cache = PersistentPipelineCache::open(ctx->device_, props2.properties, spirv::contentHash());
    if (!cache) return cache.status();
    ctx->pipelineCache_ = std::move(cache.value());
    return ctx;
}

Context::~Context() {
    if (device_) vkDeviceWaitIdle(device_);
    computePool_.reset();
    transferPool_.reset();
    pipelineCache_.reset();
    if (device_) vkDestroyDevice(device_, nullptr);
    Instance i{instance_, messenger_};
    destroyInstance(i);
}

VkDeviceSize Context::deviceLocalBytes() const {
    VkDeviceSize most = 0;
    for (uint32_t i = 0; i < memory_.memoryHeapCount; ++i)
        if (memory_.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
            most = std::max(most, memory_.memoryHeaps[i].size);
    return most;
}

Status Context::submitAndWaitImpl(void (*thunk)(void*, VkCommandBuffer), void* user) const {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = computePool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cmd;
    PASTICHE_VK(vkAllocateCommandBuffers(device_, &ai, &cmd));
    struct Free {
        VkDevice d; VkCommandPool p; VkCommandBuffer c;
        ~Free() { vkFreeCommandBuffers(d, p, 1, &c); }
    } freeCmd{device_, computePool_, cmd};
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    PASTICHE_VK(vkBeginCommandBuffer(cmd, &bi));
    thunk(user, cmd);
    PASTICHE_VK(vkEndCommandBuffer(cmd));
    VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    VkFence fence;
    PASTICHE_VK(vkCreateFence(device_, &fi, nullptr, &fence));
    FenceHandle fenceHandle(device_, fence);
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    PASTICHE_VK(vkQueueSubmit(computeQueue_, 1, &si, fence));
    PASTICHE_VK(vkWaitForFences(device_, 1, &fence, VK_TRUE, 30ull * 1000 * 1000 * 1000));
    return Status::ok();
}

}  // namespace pastiche::vk

namespace pastiche {

Result<std::vector<DeviceInfo>> listVulkanDevices() {
    auto inst = vk::createInstance();
    if (!inst) return inst.status();
    auto candidates = vk::enumerate(inst->instance);
    vk::destroyInstance(inst.value());
    if (!candidates) return candidates.status();
    std::vector<DeviceInfo> out;
    for (const auto& c : candidates.value()) out.push_back(c.info);
    return out;
}

}  // namespace pastiche
