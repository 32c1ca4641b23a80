#include "engine/vulkan/vk_pipeline_cache.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "engine/env_switch.h"
#include "engine/replace_file.h"

namespace pastiche::vk {
namespace {

std::string hex(const uint8_t* bytes, size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += digits[bytes[i] >> 4];
        s += digits[bytes[i] & 15];
    }
    return s;
}

// VkPipelineCacheHeaderVersionOne: length, version, vendorID, deviceID, pipelineCacheUUID.
bool headerMatches(const std::vector<char>& data, const VkPhysicalDeviceProperties& props) {
    if (data.size() < 32) return false;
    uint32_t words[4];
    std::memcpy(words, data.data(), 16);
    return words[0] >= 32 && words[1] == VK_PIPELINE_CACHE_HEADER_VERSION_ONE && words[2] == props.vendorID &&
           words[3] == props.deviceID && std::memcmp(data.data() + 16, props.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

}  // namespace

std::string cacheDirectory() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && *xdg) return std::string(xdg) + "/pastiche";
    const char* home = std::getenv("HOME");
    if (home && *home) return std::string(home) + "/.cache/pastiche";
    return {};
}

Result<PersistentPipelineCache> PersistentPipelineCache::open(VkDevice device, const VkPhysicalDeviceProperties& props,
                                                              uint64_t shaderHash) {
    PersistentPipelineCache c;
    c.device_ = device;
    const bool persist = env::enabled("PASTICHE_VK_PIPELINE_CACHE");
    const std::string dir = persist ? cacheDirectory() : std::string();
    std::vector<char> data;
    if (!dir.empty()) {
        const uint32_t driver = props.driverVersion;
        c.path_ = dir + "/vk-pipelines-" + hex(props.pipelineCacheUUID, VK_UUID_SIZE) + "-" +
                  hex(reinterpret_cast<const uint8_t*>(&driver), 4) + "-" +
                  hex(reinterpret_cast<const uint8_t*>(&shaderHash), 8) + ".bin";
        std::ifstream in(c.path_, std::ios::binary);
        if (in) data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (!headerMatches(data, props)) data.clear();  // absent, truncated or another device's
    }
    VkPipelineCacheCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    info.initialDataSize = data.size();
    info.pInitialData = data.empty() ? nullptr : data.data();
    VkPipelineCache cache;
    VkResult r = vkCreatePipelineCache(device, &info, nullptr, &cache);
    if (r != VK_SUCCESS && !data.empty()) {  // a driver that rejects the data: start empty
        data.clear();
        info.initialDataSize = 0;
        info.pInitialData = nullptr;
        r = vkCreatePipelineCache(device, &info, nullptr, &cache);
    }
    if (r != VK_SUCCESS) return callFailed("vkCreatePipelineCache", r);
    c.cache_ = PipelineCacheHandle(device, cache);
    c.loadedBytes_ = data.size();
    return c;
}

Status PersistentPipelineCache::save() const {
    if (path_.empty() || !cache_) return Status::ok();
    size_t size = 0;
    PASTICHE_VK(vkGetPipelineCacheData(device_, cache_, &size, nullptr));
    if (size <= loadedBytes_) return Status::ok();  // nothing new since it was loaded
    std::vector<char> data(size);
    PASTICHE_VK(vkGetPipelineCacheData(device_, cache_, &size, data.data()));
    std::error_code ec;
    const std::filesystem::path file(path_);
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return Status::error("pipeline cache: cannot create " + file.parent_path().string() + ": " + ec.message());
    return replaceFile(path_, std::string_view(data.data(), size)).withContext("pipeline cache");
}

}  // namespace pastiche::vk
