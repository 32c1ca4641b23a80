// The device's VkPipelineCache, persisted across runs: one file per GPU, driver version and shader
// build under $XDG_CACHE_HOME/pastiche (else ~/.cache/pastiche), so a second start skips the
// driver's shader compilation. PASTICHE_VK_PIPELINE_CACHE=0 keeps it in memory only.
#pragma once

#include <cstdint>
#include <string>

#include "engine/vulkan/vk_util.h"

namespace pastiche::vk {

class PersistentPipelineCache {
public:
    PersistentPipelineCache() = default;
    // Loads the file when it exists and its header names this very device (else starts empty).
    static Result<PersistentPipelineCache> open(VkDevice device, const VkPhysicalDeviceProperties& props,
                                                uint64_t shaderHash);
    VkPipelineCache get() const { return cache_; }
    // Writes the cache (via a temporary file and rename) when it holds more than was loaded.
    Status save() const;
    size_t loadedBytes() const { return loadedBytes_; }
    const std::string& path() const { return path_; }  // empty when persistence is off
    void reset() { cache_.reset(); }

private:
    VkDevice device_ = VK_NULL_HANDLE;
    PipelineCacheHandle cache_;
    std::string path_;
    size_t loadedBytes_ = 0;
};

// $XDG_CACHE_HOME/pastiche, else $HOME/.cache/pastiche; empty if neither is set.
std::string cacheDirectory();

}  // namespace pastiche::vk
