// The network's ops on Vulkan, one file each (conv2d.cpp, instance_norm.cpp, frame_io.cpp). Each op
// owns its pipelines (built once at backend creation) and records its dispatches, declaring every
// buffer access to the BarrierTracker; the backend owns the buffers and descriptor sets.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/transfer_network.h"
#include "engine/vulkan/vk_buffer.h"
#include "engine/vulkan/vk_kernel.h"

namespace pastiche::vk {

struct BufferRange {
    VkBuffer buffer = VK_NULL_HANDLE;
    VkDeviceSize offset = 0;
    VkDeviceSize range = VK_WHOLE_SIZE;
};

// Points the set's bindings 0..n-1 at the given buffers.
void writeDescriptorSet(VkDevice device, VkDescriptorSet set, const std::vector<BufferRange>& buffers);

// Splits a dispatch of `groups` 1D workgroups into a 2D grid within the device limit.
void dispatch1D(VkCommandBuffer cmd, uint32_t groups, uint32_t maxGroupCountX);

// A descriptor pool for `sets` sets of storage buffers, `descriptors` bindings in all; and one set
// of `layout` from it.
Result<DescriptorPoolHandle> makeStoragePool(VkDevice device, uint32_t sets, uint32_t descriptors);
Status allocateSet(VkDevice device, VkDescriptorPool pool, VkDescriptorSetLayout layout, VkDescriptorSet& set);

// vkCmdCopyBuffer of the first `bytes` of src to dst, declared to the tracker; hostReadsDst also
// makes the copy visible to the host (after the submission's fence).
void recordCopy(VkCommandBuffer cmd, BarrierTracker& tracker, VkBuffer src, VkBuffer dst, VkDeviceSize bytes,
                bool hostReadsDst);

struct ConvPush {  // conv2d.comp's push_constant block
    int32_t inW, inH, outW, outH;
    int32_t tilesX, numTiles;
};
static_assert(sizeof(ConvPush) == 24, "ConvPush must match conv2d.comp");

struct Conv2dShape {
    int inW = 0, inH = 0, outW = 0, outH = 0, tilesX = 0, tilesY = 0;
    int variant = 0;  // which pipeline (tile shape, epilogue) Conv2dOp::shape picked for this size
};

// fp32 -> fp16 bits, round to nearest even (the packed weights of the fp16-only kernels).
uint16_t floatToHalf(float f);

// Which shader a conv layer runs. Scalar: conv2d.comp (every device; the reference). CoopMat:
// conv2d_coopmat.comp on tensor cores, where DeviceCaps::coopmat says the device has them.
enum class ConvKernel { Scalar, CoopMat };

// The layers that get the cooperative-matrix kernel on a device that has one:
// PASTICHE_VK_COOPMAT=0 none, =all every layer it can run, =k3 layers with kernels up to 3x3, =wide
// only layers with >= 16 input and output channels, =narrow0 all but the last 9x9 (the scalar or
// the packed-fp16 kernel then takes it); default auto: every layer with aliased staging
// (coopMatAliasStaging), else every layer but the last 9x9 (8 -> 3 channels), where the scalar kernel
// measured as fast without it (docs/VULKAN.md).
bool coopMatWanted(const TransferLayer& layer, const DeviceCaps& caps);

// Whether conv2d_coopmat_alias runs (the fp32 accumulators staged over the input tile's shared
// memory): where the device enabled VK_KHR_workgroup_memory_explicit_layout, unless
// PASTICHE_VK_CM_ALIAS=0. With it the residual convs take 16x16 tiles on large outputs.
bool coopMatAliasStaging(const DeviceCaps& caps);

// Whether a conv runs conv2d_narrow_f16.comp (fp16 only; packed fp16 arithmetic, two pixels per
// instruction): stride 1, no upsample, more than 3x3 taps, at most 4 output channels (the last 9x9,
// 8 -> 3). By default on devices with cooperative matrices (where coopMatWanted's auto then leaves
// that layer to it); PASTICHE_VK_NARROW_H2=1 everywhere (lavapipe too), =0 never. It runs only where
// coopMatWanted is false (not with PASTICHE_VK_COOPMAT=all). Takes the previous layer's norm on load
// unless PASTICHE_VK_H2_FUSE=0 (narrowHalf2NormOnLoad).
bool narrowHalf2Wanted(const TransferLayer& layer, const DeviceCaps& caps);
// Whether a layer on another kernel also gets conv2d_narrow_f16.comp's variants as candidates for
// the measured choice (conv_choice.h): stride 1, no upsample, more than 3x3 taps, at most 8 output
// channels (on the H200 the first 9x9, 3 -> 8; on GPUs without tensor cores both 9x9s). On GPUs
// (where the choice is measured) unless PASTICHE_VK_H2_ALT=0; =1 on every device (the tests).
bool narrowHalf2Alternate(const TransferLayer& layer, bool cpuDevice);
bool narrowHalf2NormOnLoad();

// Whether the cooperative-matrix kernel packs narrow layers (conv2d_coopmat.comp: several taps per
// tile entry for few input channels, several pixels per matrix row for few output channels, the
// 2x upsample as sub-pixel convolutions). PASTICHE_VK_CM_PACK=0: the plain kernel for every layer.
bool coopMatPacking();

// Whether a conv applies the previous layer's instance norm (+ activation) to its input as it
// loads it, instead of a separate norm_apply pass over the previous layer's output.
enum class InputNorm { None, OnLoad };

// OnLoad where the previous layer has a norm whose output feeds only this conv: not the end of a
// residual block (its apply adds the skip) and not the input of a block start (the block's skip
// must stay in memory); by default only into cooperative-matrix convs (consumerCoopMat): on the
// H200 the scalar kernel's tile load got slower by more than the norm_apply pass it saved.
// PASTICHE_VK_FUSE_NORM=0: never; =1: into every conv (the tests use it on lavapipe).
InputNorm inputNormFor(const TransferNetwork& net, size_t layer, bool consumerCoopMat);

class Conv2dOp {
public:
    // stats: write instance-norm partials instead of applying the activation. inputNorm OnLoad:
    // `previous` is the layer whose norm it applies (binding 5 holds that layer's scale/shift).
    static Result<Conv2dOp> create(const Context& ctx, const TransferLayer& layer, bool fp16,
                                   InputNorm inputNorm = InputNorm::None, const TransferLayer* previous = nullptr);
    ConvKernel kernelKind() const { return coop_ ? ConvKernel::CoopMat : ConvKernel::Scalar; }
    // On a packed cooperative-matrix variant (taps per entry, pixels per row or sub-pixel upsample).
    bool coopPacked() const { return coop_ && (coop_->g > 1 || coop_->p > 1 || coop_->sub); }
    // On conv2d_narrow_f16.comp (few output channels, packed fp16 arithmetic; conv2d_narrow.cpp).
    // (The primary kernel: with an alternate below, the measured choice may run the other.)
    bool narrowHalf2() const { return !coop_ && variants_.empty() && !narrow_.empty(); }
    // A layer on the cooperative-matrix or scalar kernel that can also run conv2d_narrow_f16.comp
    // (narrowHalf2Alternate): its variants come after the primary kernel's, with their own weights
    // (packAlternate) and descriptor set (setLayout of such a variant).
    bool hasNarrowAlternate() const { return (coop_ || !variants_.empty()) && !narrow_.empty(); }
    bool runsNarrow(int variant) const { return variant >= primaryVariants(); }
    // The tile variant for an input size chosen by the thresholds measured on the H200 (below).
    Conv2dShape shape(int inW, int inH) const;
    // Every tile variant it can run at that size, shape()'s first: the measured choice at reshape
    // (conv_choice.h) picks among them. Variant n of shapeWith: 0 the base tile; coopmat 1 the
    // large tile, 2 the large tile with the vector epilogue; scalar 1 the 16x8 tile for small maps;
    // fp16x2 (conv2d_narrow.cpp) 1 the odd row stride, 2 and 3 the 8-pixel quad-read tiles, 4 and 5
    // 1 and 2 with the next chunk prefetched; a
    // narrow alternate's variants follow the primary kernel's, in that order.
    std::vector<Conv2dShape> candidates(int inW, int inH) const;
    Conv2dShape shapeWith(int inW, int inH, int variant) const;
    int variantCount() const;
    // Appends this layer's packed weights ([group][ic][ky][kx][OCB]) and bias ([group][OCB]) to blob.
    void pack(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt, size_t& biasAt) const;
    // The narrow alternate's weights and bias (hasNarrowAlternate only).
    void packAlternate(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt, size_t& biasAt) const {
        packNarrow(layer, blob, weightsAt, biasAt);
    }
    size_t partialCount(const Conv2dShape& s) const { return size_t(s.tilesX) * s.tilesY * size_t(outChannels_); }
    // set bindings: in, out, weights, bias, partials, the input's scale/shift (InputNorm::OnLoad).
    Status record(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet set, const Conv2dShape& s, VkBuffer in,
                  VkBuffer out, VkBuffer weights, VkBuffer partials, VkBuffer inScaleShift) const;
    InputNorm inputNorm() const { return inputNorm_; }
    // The set layout of a variant's kernel (every variant of one kernel shares it).
    VkDescriptorSetLayout setLayout(int variant = 0) const {
        if (runsNarrow(variant)) return narrow_.front().kernel.setLayout();
        return coop_ ? coop_->kernel.setLayout() : variants_.front().kernel.setLayout();
    }

private:
    struct TileVariant {  // one pipeline per tile shape
        Kernel kernel;
        uint32_t lx = 16, ly = 8, px = 2, icc = 8;
    };
    struct CoopVariant {  // conv2d_coopmat.comp: TW x TH output pixels per workgroup
        Kernel kernel;
        uint32_t tw = 32, th = 4, icp = 32, nt = 2;
        uint32_t g = 1, p = 1, ps = 0;  // taps per entry, pixels per matrix row, entry stride (0: default)
        bool sub = false;               // nearest 2x upsample as four 2x2 sub-pixel convolutions
        bool alias = false;             // conv2d_coopmat_alias: accumulator staging over the input tile
        std::optional<Kernel> large;    // the same with largeTh rows, for outputs of >= kLargePixels
        std::optional<Kernel> largeVec;  // large with the vector epilogue, for outputs below kLargeVecMaxPixels
        uint32_t largeTh = 0;
        static constexpr int kLargePixels = 100000;  // 1080p's residual maps (480x270) and up
        static constexpr int kLargeVecMaxPixels = 300000;  // below 4K's (960x540)
    };
    struct NarrowTile {                              // conv2d_narrow_f16.comp: LX * PX x LY output pixels per workgroup
        uint32_t lx = 16, ly = 16, px = 4, icc = 2;  // icc: input channels per shared-memory chunk
        uint32_t rowPad = 0;                         // the shader's ROWPAD
        bool vecTile = false;                        // conv2d_narrow_f16_vec (PX = 8)
        bool prefetch = false;                       // the shader's PREFETCH
    };
    struct NarrowVariant {
        Kernel kernel;
        NarrowTile tile;
    };
    Status addVariant(const Context& ctx, const TransferLayer& layer, bool fp16, uint32_t lx, uint32_t ly, uint32_t px);
    // conv2d_narrow.cpp: false (and no error) when the layer does not fit that kernel or it is off.
    // alternate: beside a primary kernel (narrowHalf2Alternate says which layers), else as the primary.
    Result<bool> addNarrowVariant(const Context& ctx, const TransferLayer& layer, bool alternate = false);
    int primaryVariants() const {
        if (coop_) return coop_->largeVec ? 3 : coop_->large ? 2 : 1;
        return int(variants_.size());
    }
    // One tile of it; false (and no error) when that tile's shared memory does not fit the device.
    Result<bool> addNarrowTile(const Context& ctx, const TransferLayer& layer, NarrowTile t);
    void packNarrow(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt, size_t& biasAt) const;
    // conv2d_coopmat.cpp: false (and no error) when the layer does not fit that kernel.
    Result<bool> addCoopVariant(const Context& ctx, const TransferLayer& layer);
    uint32_t inputAct() const;  // activation code of the norm applied on load
    void packCoop(const TransferLayer& layer, std::vector<float>& blob, size_t& weightsAt, size_t& biasAt) const;
    std::vector<TileVariant> variants_;
    std::optional<CoopVariant> coop_;
    std::vector<NarrowVariant> narrow_;  // [0] the default; all share one set layout
    int smallOutputPixels_ = 0;  // outputs with fewer pixels use variants_[1]
    int kernelSize_ = 3, stride_ = 1, pad_ = 1, outChannels_ = 0, inChannels_ = 0;
    bool upsample_ = false, stats_ = false;
    uint32_t ocb_ = 8;
    InputNorm inputNorm_ = InputNorm::None;
    Activation inputActivation_ = Activation::None;
};

struct NormFinalizePush {  // norm_finalize.comp
    int32_t numTiles, channels;
    float epsilon;
    int32_t pad0;
};
static_assert(sizeof(NormFinalizePush) == 16, "NormFinalizePush must match norm_finalize.comp");

struct NormApplyPush {  // norm_apply.comp
    int32_t plane, total;
};
static_assert(sizeof(NormApplyPush) == 8, "NormApplyPush must match norm_apply.comp");

// InPlace: norm_apply rewrites the conv output. OnNextLoad: only the scale/shift are computed;
// the next conv applies them as it loads (InputNorm::OnLoad).
enum class NormApply { InPlace, OnNextLoad };

class InstanceNormOp {
public:
    static Result<InstanceNormOp> create(const Context& ctx, const TransferLayer& layer, bool fp16,
                                         NormApply apply = NormApply::InPlace);
    // finalize set: partials, gammaBeta, scaleShift. apply set: x, scaleShift, skip.
    Status record(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet finalizeSet, VkDescriptorSet applySet,
                  int width, int height, int numTiles, VkBuffer partials, VkBuffer gammaBeta, VkBuffer scaleShift,
                  VkBuffer x, VkBuffer skip) const;
    VkDescriptorSetLayout finalizeLayout() const { return finalize_.setLayout(); }
    VkDescriptorSetLayout applyLayout() const { return apply_.setLayout(); }

private:
    Kernel finalize_, apply_, apply4_;  // apply4_: 4 elements per invocation
    NormApply applyMode_ = NormApply::InPlace;
    int channels_ = 0;
    float epsilon_ = 1e-3f;
    bool residual_ = false;
    uint32_t maxGroupsX_ = 65535;
};

struct FramePush {  // upload.comp and download.comp
    int32_t srcW, srcH, dstW, dstH;
};
static_assert(sizeof(FramePush) == 16, "FramePush must match upload.comp/download.comp");

enum class FrameFormat : uint32_t { Rgb8 = 0, F32 = 1 };

class FrameIoOp {  // NOLINT(bugprone-reserved-identifier): clang-tidy 14 names an implicit "__i0" here
public:
    static Result<FrameIoOp> create(const Context& ctx, bool fp16);
    // raw (packed frame, width x height) -> act (3 planes, padW x padH, reflect-padded).
    Status recordUpload(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet set, FrameFormat f, int width,
                        int height, int padW, int padH, VkBuffer raw, VkBuffer act) const;
    // act (3 planes, padW x padH) -> raw (packed frame, cropped to width x height).
    Status recordDownload(VkCommandBuffer cmd, BarrierTracker& tracker, VkDescriptorSet set, FrameFormat f, int width,
                          int height, int padW, int padH, VkBuffer act, VkBuffer raw) const;
    VkDescriptorSetLayout setLayout() const { return upload_[0].setLayout(); }

private:
    Kernel upload_[2], download_[2];
    uint32_t maxGroupsX_ = 65535;
};

}  // namespace pastiche::vk
