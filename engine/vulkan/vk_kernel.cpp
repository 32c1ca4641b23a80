#include "engine/vulkan/vk_kernel.h"

#include "spirv_registry.h"

namespace pastiche::vk {

Result<Kernel> Kernel::createImpl(const Context& ctx, const char* shader, bool fp16, uint32_t bindings,
                                  const std::vector<uint32_t>& specialization, uint32_t pushSize,
                                  const char* pushType) {
    const spirv::Blob code = spirv::find(shader, fp16);
    if (!code.words) return Status::error(std::string("no embedded SPIR-V for shader ") + shader);
    Kernel k;
    k.name_ = shader;
    k.bindings_ = bindings;
    k.pushSize_ = pushSize;
    k.pushType_ = pushType;
    const VkDevice dev = ctx.device();
    const std::string what = std::string(" (shader ") + shader + (fp16 ? ", fp16)" : ", fp32)");

    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = code.count * 4;
    mi.pCode = code.words;
    VkShaderModule module;
    VkResult r = vkCreateShaderModule(dev, &mi, nullptr, &module);
    if (r != VK_SUCCESS) return Status::error(callFailed("vkCreateShaderModule", r).message() + what);
    k.module_ = ShaderModuleHandle(dev, module);

    std::vector<VkDescriptorSetLayoutBinding> b(bindings);
    for (uint32_t i = 0; i < bindings; ++i)
        b[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo li{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    li.bindingCount = bindings;
    li.pBindings = b.data();
    VkDescriptorSetLayout setLayout;
    r = vkCreateDescriptorSetLayout(dev, &li, nullptr, &setLayout);
    if (r != VK_SUCCESS) return Status::error(callFailed("vkCreateDescriptorSetLayout", r).message() + what);
    k.setLayout_ = DescriptorSetLayoutHandle(dev, setLayout);

    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, pushSize};
    VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &setLayout;
    pli.pushConstantRangeCount = 1;
    pli.pPushConstantRanges = &range;
    VkPipelineLayout layout;
    r = vkCreatePipelineLayout(dev, &pli, nullptr, &layout);
    if (r != VK_SUCCESS) return Status::error(callFailed("vkCreatePipelineLayout", r).message() + what);
    k.layout_ = PipelineLayoutHandle(dev, layout);

    std::vector<VkSpecializationMapEntry> entries(specialization.size());
    for (uint32_t i = 0; i < entries.size(); ++i) entries[i] = {i, i * 4, 4};
    VkSpecializationInfo spec{uint32_t(entries.size()), entries.data(), specialization.size() * 4,
                              specialization.data()};
    VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = module;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = entries.empty() ? nullptr : &spec;
    ci.layout = layout;
    VkPipeline pipeline;
    r = vkCreateComputePipelines(dev, ctx.pipelineCache(), 1, &ci, nullptr, &pipeline);
    if (r != VK_SUCCESS) return Status::error(callFailed("vkCreateComputePipelines", r).message() + what);
    k.pipeline_ = PipelineHandle(dev, pipeline);
    return k;
}

}  // namespace pastiche::vk
