// Which tile variant each conv layer runs at a frame size (Conv2dOp::candidates): the one that
// measured fastest on this device at reshape, where the device is a GPU. The candidates are timed
// in turn, several rounds interleaved (so a clock ramp hits them alike), and the median taken; the
// choice is remembered in a file beside the pipeline cache (same GPU, driver and shader build), so
// a second start at that size measures nothing.
// PASTICHE_VK_CONV_CHOICE: auto (default: measure on GPUs, thresholds on CPU devices), fixed (the
// thresholds of Conv2dOp::shape), measure (also on CPU devices: the tests), or a variant number n
// (every layer that has variant n runs it: the tests of each variant).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/vulkan/ops.h"

namespace pastiche::vk {

class Context;

// One timed candidate: a conv recorded with its own buffers and descriptor set.
struct ConvTrial {
    const Conv2dOp* op = nullptr;
    VkDescriptorSet set = VK_NULL_HANDLE;
    Conv2dShape shape;
    VkBuffer in = VK_NULL_HANDLE, out = VK_NULL_HANDLE, weights = VK_NULL_HANDLE, partials = VK_NULL_HANDLE;
    VkBuffer inScaleShift = VK_NULL_HANDLE;
};

// The median GPU time of each trial in ms over `rounds` rounds (one submission, waited for).
Result<std::vector<double>> timeConvTrials(const Context& ctx, const std::vector<ConvTrial>& trials, int rounds);

class ConvChoice {
public:
    enum class Mode { Auto, Fixed, Measure, Forced };
    // From PASTICHE_VK_CONV_CHOICE; the choices file is <pipelineCachePath>.conv (none: in memory).
    ConvChoice(const std::string& pipelineCachePath, bool cpuDevice);
    Mode mode() const { return mode_; }
    bool measures() const { return mode_ == Mode::Measure || (mode_ == Mode::Auto && !cpuDevice_); }
    int forcedVariant() const { return forced_; }

    // A layer's key: its geometry, kernel, size and the PASTICHE_VK_ switches that shape kernels.
    std::string key(size_t layer, const Conv2dOp& op, const Conv2dShape& shape, bool fp16) const;
    // The remembered variant for key, or -1.
    int remembered(const std::string& key) const;
    void remember(const std::string& key, int variant) {
        choices_[key] = variant;
        measured_[key] = variant;
    }
    // When something was measured since the last save: merges it into the file as it is now and
    // replaces the file (a temporary per process, then rename).
    Status save();
    const std::string& path() const { return path_; }

private:
    Mode mode_ = Mode::Auto;
    int forced_ = -1;
    bool cpuDevice_ = false;
    std::string path_, switches_;
    std::map<std::string, int> choices_;   // the file as read, and what was measured since
    std::map<std::string, int> measured_;  // measured since the last save
};

}  // namespace pastiche::vk
