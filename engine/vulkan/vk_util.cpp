#include "engine/vulkan/vk_util.h"

#include <cstdlib>
#include <cstring>

#include "engine/env_switch.h"

namespace pastiche::vk {

const char* resultName(VkResult r) {
    switch (r) {
#define PASTICHE_CASE(x) case x: return #x;
        PASTICHE_CASE(VK_SUCCESS)
        PASTICHE_CASE(VK_NOT_READY)
        PASTICHE_CASE(VK_TIMEOUT)
        PASTICHE_CASE(VK_EVENT_SET)
        PASTICHE_CASE(VK_EVENT_RESET)
        PASTICHE_CASE(VK_INCOMPLETE)
        PASTICHE_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
        PASTICHE_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        PASTICHE_CASE(VK_ERROR_INITIALIZATION_FAILED)
        PASTICHE_CASE(VK_ERROR_DEVICE_LOST)
        PASTICHE_CASE(VK_ERROR_MEMORY_MAP_FAILED)
        PASTICHE_CASE(VK_ERROR_LAYER_NOT_PRESENT)
        PASTICHE_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
        PASTICHE_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
        PASTICHE_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
        PASTICHE_CASE(VK_ERROR_TOO_MANY_OBJECTS)
        PASTICHE_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
        PASTICHE_CASE(VK_ERROR_FRAGMENTED_POOL)
        PASTICHE_CASE(VK_ERROR_UNKNOWN)
        PASTICHE_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
        PASTICHE_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
        PASTICHE_CASE(VK_ERROR_FRAGMENTATION)
        PASTICHE_CASE(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
        PASTICHE_CASE(VK_PIPELINE_COMPILE_REQUIRED)
#undef PASTICHE_CASE
        default: return "VK_RESULT_UNKNOWN";
    }
}

Status callFailed(const char* call, VkResult r) {
    // The code carries the fallback policy: memory and a lost device are the device's failures
    // (the app goes on on the CPU); a missing feature or driver is Unsupported.
    StatusCode code = StatusCode::Internal;
    switch (r) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_FRAGMENTATION: code = StatusCode::OutOfMemory; break;
    case VK_ERROR_DEVICE_LOST: code = StatusCode::DeviceLost; break;
    case VK_ERROR_INITIALIZATION_FAILED:
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_LAYER_NOT_PRESENT:
    case VK_ERROR_FORMAT_NOT_SUPPORTED: code = StatusCode::Unsupported; break;
    default: break;
    }
    return Status::error(code, std::string(call) + " failed: " + resultName(r) + " (" + std::to_string(int(r)) + ")");
}

Status checkCall(const char* exprText, VkResult r) {
    const char* paren = std::strchr(exprText, '(');
    std::string name = paren ? std::string(exprText, size_t(paren - exprText)) : std::string(exprText);
    return callFailed(name.c_str(), r);
}

bool forcedFailure(const char* stage) { return env::is("PASTICHE_VK_FAIL", stage); }

}  // namespace pastiche::vk
