#include "engine/vulkan/vk_kernel.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "spirv_registry.h"

namespace pastiche::vk {
namespace {

// The ids of the shader's specialization constants and its highest descriptor binding, from its
// OpDecorate instructions (SpecId, Binding).
struct Declared {
    std::set<uint32_t> specIds;
    int maxBinding = -1;
};
Declared declaredBy(const spirv::Blob& code) {
    constexpr uint32_t kOpDecorate = 71, kSpecId = 1, kBinding = 33;
    Declared d;
    for (size_t i = 5; i < code.count;) {  // after the 5-word header
        const uint32_t words = code.words[i] >> 16, op = code.words[i] & 0xffffu;
        if (words == 0) break;
        if (op == kOpDecorate && words >= 4 && i + 3 < code.count) {
            if (code.words[i + 2] == kSpecId) d.specIds.insert(code.words[i + 3]);
            if (code.words[i + 2] == kBinding) d.maxBinding = std::max(d.maxBinding, int(code.words[i + 3]));
        }
        i += words;
    }
    return d;
}

// PASTICHE_VK_PIPELINE_STATS=1 (DeviceCaps::pipelineStats): the driver's statistics of each
// executable of the pipeline, one line on stderr (a diagnostic for kernel tuning: registers and
// shared memory bound how many workgroups an SM holds).
void printPipelineStats(VkDevice dev, VkPipeline pipeline, const char* shader, const std::vector<uint32_t>& spec) {
    auto getProps = reinterpret_cast<PFN_vkGetPipelineExecutablePropertiesKHR>(
        vkGetDeviceProcAddr(dev, "vkGetPipelineExecutablePropertiesKHR"));
    auto getStats = reinterpret_cast<PFN_vkGetPipelineExecutableStatisticsKHR>(
        vkGetDeviceProcAddr(dev, "vkGetPipelineExecutableStatisticsKHR"));
    if (!getProps || !getStats) return;
    VkPipelineInfoKHR pi{VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR};
    pi.pipeline = pipeline;
    uint32_t n = 0;
    if (getProps(dev, &pi, &n, nullptr) != VK_SUCCESS) return;
    std::string line = "pipeline stats ";
    line.append(shader).append(" spec");
    for (uint32_t v : spec) line.append(" ").append(std::to_string(v));
    line.append(":");
    for (uint32_t e = 0; e < n; ++e) {
        VkPipelineExecutableInfoKHR ei{VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR};
        ei.pipeline = pipeline;
        ei.executableIndex = e;
        uint32_t m = 0;
        if (getStats(dev, &ei, &m, nullptr) != VK_SUCCESS) continue;
        std::vector<VkPipelineExecutableStatisticKHR> stats(m, {VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR});
        if (getStats(dev, &ei, &m, stats.data()) != VK_SUCCESS) continue;
        for (const auto& s : stats) {
            line.append(" ").append(s.name).append("=");
            switch (s.format) {
            case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR: line += s.value.b32 ? "1" : "0"; break;
            case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: line += std::to_string(s.value.i64); break;
            case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR: line += std::to_string(s.value.u64); break;
            default: line += std::to_string(s.value.f64); break;
            }
        }
    }
    std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

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
    // The values go to constant ids 0..n-1: each must exist, or a value meant for one silently
    // lands nowhere (or on the wrong one when the list is off by one); and the layout must hold
    // every binding the shader declares.
    const Declared declared = declaredBy(code);
    for (uint32_t i = 0; i < specialization.size(); ++i)
        if (!declared.specIds.count(i))
            return Status::error("Vulkan kernel: " + std::to_string(specialization.size()) +
                                 " specialization values, but the shader has no constant_id " + std::to_string(i) +
                                 what);
    if (declared.maxBinding >= int(bindings))
        return Status::error("Vulkan kernel: the shader declares binding " + std::to_string(declared.maxBinding) +
                             ", the layout has " + std::to_string(bindings) + what);

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
    if (ctx.caps().pipelineStats) ci.flags |= VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR;
    VkPipeline pipeline;
    r = vkCreateComputePipelines(dev, ctx.pipelineCache(), 1, &ci, nullptr, &pipeline);
    if (r != VK_SUCCESS) return Status::error(callFailed("vkCreateComputePipelines", r).message() + what);
    k.pipeline_ = PipelineHandle(dev, pipeline);
    if (ctx.caps().pipelineStats) printPipelineStats(dev, pipeline, shader, specialization);
    return k;
}

}  // namespace pastiche::vk
