// A compute pipeline built from embedded SPIR-V: shader module, descriptor-set layout of N storage
// buffers, pipeline layout with one typed push-constant range, specialization constants 0..n-1.
// The push-constant type is fixed at creation and checked again at every record.
#pragma once

#include <cstdint>
#include <cstring>
#include <typeinfo>
#include <vector>

#include "engine/vulkan/vk_context.h"

namespace pastiche::vk {

class Kernel {
public:
    template <class Push>
    static Result<Kernel> create(const Context& ctx, const char* shader, bool fp16, uint32_t bindings,
                                 const std::vector<uint32_t>& specialization) {
        static_assert(sizeof(Push) % 4 == 0 && sizeof(Push) <= 128, "push constants: 4-byte multiple, <= 128 bytes");
        return createImpl(ctx, shader, fp16, bindings, specialization, uint32_t(sizeof(Push)), typeid(Push).name());
    }

    // Records push constants (checked against the layout's range) and the descriptor set binding.
    template <class Push>
    Status bind(VkCommandBuffer cmd, VkDescriptorSet set, const Push& push) const {
        if (sizeof(Push) != pushSize_ || std::strcmp(typeid(Push).name(), pushType_) != 0)
            return Status::error(std::string("push constants for ") + name_ + " do not match its pipeline layout");
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_);
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, layout_, 0, 1, &set, 0, nullptr);
        vkCmdPushConstants(cmd, layout_, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize_, &push);
        return Status::ok();
    }

    VkDescriptorSetLayout setLayout() const { return setLayout_; }
    uint32_t bindings() const { return bindings_; }
    const char* name() const { return name_; }

private:
    static Result<Kernel> createImpl(const Context& ctx, const char* shader, bool fp16, uint32_t bindings,
                                     const std::vector<uint32_t>& specialization, uint32_t pushSize,
                                     const char* pushType);
    ShaderModuleHandle module_;
    DescriptorSetLayoutHandle setLayout_;
    PipelineLayoutHandle layout_;
    PipelineHandle pipeline_;
    uint32_t bindings_ = 0;
    uint32_t pushSize_ = 0;
    const char* pushType_ = nullptr;
    const char* name_ = "";
};

}  // namespace pastiche::vk
