// The CPU backend: the transfer network as a fixed sequence of fused passes over NHWC buffers.
//
// Per layer:   conv pass      padded input -> raw conv output (+ bias), per-row channel sums and
//                             sums of squares (double) gathered in the same pass;
//              epilogue pass  raw output -> instance norm (scale/shift from those sums and the
//                             style's gamma/beta) -> + skip -> activation -> written straight into
//                             the next layer's padded input (nearest 2x upsampled when the next
//                             layer upsamples, reflect borders filled) or, for the last layer,
//                             cropped into the caller's image.
// So pad, upsample, norm, residual add and activation never take passes of their own.
//
// Size rule (TransferNetwork::paddedSide): a WxH frame is reflect-padded (MIRROR_PAD REFLECT,
// right and bottom) to sides that are multiples of TransferNetwork::kSizeMultiple (4), run, and the
// output cropped back to WxH. With multiples of 4 the two stride-2 convolutions and the two 2x
// upsamplings line up exactly. Sides already a multiple of 4 run as they are (384x384 is exactly
// what TFLite computes); other sides get one extra cell of 4, because the model's own response to
// an edge covers the last 4-pixel cell of its quarter-resolution map: cropped at an arbitrary
// phase it showed as a 1-3 pixel line on the right / bottom edge. That padding is folded into the
// first layer's reflect padding (one pass from the frame into the first padded buffer).
//
// Lifecycle: create packs weights once; reshape() sizes every buffer; run() allocates nothing.
//
// Trunk blending (runBlendingTrunk, for temporal stability): the last residual block's epilogue
// blends each normalised row with the caller's warped previous trunk before it is spread into the
// decoder's input, so it costs one extra pass over a 1/4-resolution row and nothing else.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "engine/backend.h"
#include "engine/buffer_reuse.h"
#include "engine/cpu/conv_kernels.h"
#include "engine/cpu/memory_budget.h"
#include "engine/cpu/thread_pool.h"
#include "engine/env_switch.h"

namespace pastiche {
namespace {

using cpu::ConvKernels;
using cpu::ConvParams;

inline int reflect(int i, int n) { return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); }

struct LayerPlan {
    // Shapes for the current reshape().
    int inH = 0, inW = 0;    // the layer's input (previous output)
    int upH = 0, upW = 0;    // after the optional 2x upsample
    int padH = 0, padW = 0;  // after reflect padding: the conv's input buffer
    int outH = 0, outW = 0;
    int buffer = -1;         // index of the padded input buffer
    int skipFrom = -1;       // BlockEnd: the BlockStart layer whose input is added
};

struct PackedLayer {
    int kernel, stride, pad, inC, outC;
    bool upsample, hasNorm;
    bool winograd;  // weights packed for kernels_.winograd
    float epsilon;
    Activation activation;
    ResidualRole residual;
    std::vector<float> weights, bias;
    std::string name;
};

class CpuBackend final : public TransferBackend {
public:
    CpuBackend(const TransferNetwork& net, const BackendOptions& options)
        : net_(net), kernels_(cpu::bestConvKernels()), pool_(options.threads), profile_(options.profile) {
        // PASTICHE_CPU_WINOGRAD=0: direct convolution only
        const bool allowWinograd = kernels_.winograd && env::enabled("PASTICHE_CPU_WINOGRAD");
        for (const TransferLayer& l : net.layers) {
            // Winograd pays off where the GEMMs are wide enough (measured: 32->32 at 96x96 1.55 vs
            // 1.78 ms, 32->16 at 192x192 2.63 vs 3.17 ms, but 16->8 at 384x384 4.5 vs 4.0 ms).
            const bool wino = allowWinograd && l.outChannels >= 16 &&
                              cpu::WinogradKernels::eligible(l.kernel, l.stride, l.inChannels, l.outChannels);
            PackedLayer p{l.kernel, l.stride, l.pad, l.inChannels, l.outChannels, l.upsampleBefore, l.hasNorm, wino,
                          l.norm.epsilon, l.activation, l.residual,
                          wino ? kernels_.winograd->pack(l.weights, l.outChannels, l.inChannels)
                               : kernels_.pack(l.weights, l.outChannels, l.kernel, l.inChannels),
                          l.bias, l.name};
            layers_.push_back(std::move(p));
        }
        scale_.resize(layers_.size());
        shift_.resize(layers_.size());
        for (size_t i = 0; i < layers_.size(); ++i) {
            scale_[i].assign(size_t(layers_[i].outC), 1.f);
            shift_[i].assign(size_t(layers_[i].outC), 0.f);
        }
        gamma_.resize(layers_.size());
        beta_.resize(layers_.size());
        for (size_t i = 0; i < layers_.size(); ++i)
            if (layers_[i].residual == ResidualRole::BlockEnd) trunkLayer_ = int(i);
        StyleVector zero{};
        setStyle(zero).ignore();  // the CPU backend's setStyle cannot fail
    }

    BackendKind kind() const override { return BackendKind::Cpu; }
    std::string name() const override { return "cpu"; }
    DeviceInfo device() const override {
        DeviceInfo d;
        d.name = std::string("CPU (") + kernels_.name + ", " + std::to_string(pool_.size()) + " threads)";
        d.type = "cpu";
        return d;
    }
    int threads() const override { return pool_.size(); }
    bool supports(const TransferNetwork& net) const override { return checkNetwork(net).isOk(); }
    std::vector<LayerTiming> lastProfile() const override { return profile_ ? timings_ : std::vector<LayerTiming>{}; }

    static Status checkNetwork(const TransferNetwork& net);
    Status reshape(int width, int height) override;
    Status setStyle(const StyleVector& style) override;
    Status run(const ConstImageView& input, const ImageView& output) override;
    bool supportsTrunkBlending() const override { return trunkLayer_ >= 0; }
    TrunkShape trunkShape() const override;
    Status runBlendingTrunk(const ConstImageView& input, const ImageView& output, const TrunkBlend& blend) override;
    bool supportsTiles() const override { return true; }
    uint64_t workingSetBytes(int width, int height) const override;
    Status runTile(const ConstImageView& input, const ImageView* output, const TileRun& tile) override;

private:
    void blendTrunkRow(int y, float* row) const;
    struct Plan {
        int width4 = 0, height4 = 0;
        std::vector<LayerPlan> layers;
        std::vector<size_t> bufferFloats;  // per shared padded-input buffer
        size_t rawFloats = 0, rows = 0, scratchPerThread = 0;
        int maxChannels = 0;
        uint64_t bytes = 0;  // the whole working set
    };
    Status plan(int width, int height, Plan& out) const;
    void loadInput(const ConstImageView& input);
    void convLayer(size_t l);
    void finishNorm(size_t l);
    void normFromStatistics(size_t l, const std::vector<double>& mean, const std::vector<double>& variance);
    void setNormChannel(size_t l, size_t c, float mean, float variance);
    void collectTileStatistics(size_t l, const TileRun& tile) const;
    void epilogue(size_t l, const ImageView* output);

    TransferNetwork net_;  // kept for computeStyleParams
    const ConvKernels& kernels_;
    cpu::ThreadPool pool_;
    bool profile_;
    std::vector<PackedLayer> layers_;
    std::vector<std::vector<float>> gamma_, beta_;  // per style
    std::vector<std::vector<float>> scale_, shift_; // per frame, from the statistics

    int width_ = 0, height_ = 0;      // frame size
    int width4_ = 0, height4_ = 0;    // padded to the size multiple
    std::vector<LayerPlan> plan_;
    std::vector<std::vector<float>> buffers_;  // padded layer inputs, shared where lifetimes allow
    std::vector<float> raw_;                   // conv output of the current layer
    std::vector<double> rowStats_;             // [row][2][channels]: sum, sum of squares
    std::vector<float> scratch_;               // Winograd: per thread
    size_t scratchPerThread_ = 0;
    std::vector<LayerTiming> timings_;
    int trunkLayer_ = -1;                // the last residual block's end layer
    const TrunkBlend* blend_ = nullptr;  // set during runBlendingTrunk only
};

Status CpuBackend::checkNetwork(const TransferNetwork& net) {
    if (net.layers.empty()) return Status::unsupported("transfer network has no layers");
    int channels = 3;
    int scale = 1;  // input size / current size, as a power of two
    std::vector<int> startChannels;
    int openStart = -1, openScale = 0, openChannels = 0;
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const TransferLayer& l = net.layers[i];
        const std::string where = "layer " + std::to_string(i) + " (" + l.name + ")";
        if (l.inChannels != channels)
            return Status::unsupported(where + ": expects " + std::to_string(l.inChannels) + " input channels, gets " +
                                 std::to_string(channels));
        if (l.kernel < 1 || l.kernel % 2 == 0 || l.pad != l.kernel / 2 || (l.stride != 1 && l.stride != 2))
            return Status::unsupported(where + ": unsupported kernel/stride/pad " + std::to_string(l.kernel) + "/" +
                                 std::to_string(l.stride) + "/" + std::to_string(l.pad));
        if (l.weights.size() != size_t(l.outChannels) * l.kernel * l.kernel * l.inChannels ||
            l.bias.size() != size_t(l.outChannels) || l.outChannels <= 0)
            return Status::unsupported(where + ": weight or bias size does not match its shape");
        if (l.hasNorm && (l.norm.gammaWeights.size() != size_t(l.outChannels) * kStyleVectorSize ||
                          l.norm.betaWeights.size() != size_t(l.outChannels) * kStyleVectorSize ||
                          l.norm.gammaBias.size() != size_t(l.outChannels) ||
                          l.norm.betaBias.size() != size_t(l.outChannels)))
            return Status::unsupported(where + ": style norm weights do not match its channels");
        if (l.upsampleBefore) {
            if (scale == 1) return Status::unsupported(where + ": upsamples above the input resolution");
            scale /= 2;
        }
        if (l.residual == ResidualRole::BlockStart) {
            if (openStart >= 0) return Status::unsupported(where + ": nested residual block");
            openStart = int(i);
            openScale = scale;
            openChannels = channels;
        }
        if (l.stride == 2) scale *= 2;
        if (scale > TransferNetwork::kSizeMultiple) return Status::unsupported(where + ": downsamples below 1/4");
        channels = l.outChannels;
        if (l.residual == ResidualRole::BlockEnd) {
            if (openStart < 0 || openScale != scale || openChannels != channels)
                return Status::unsupported(where + ": residual block end does not match its start");
            openStart = -1;
        }
    }
    if (openStart >= 0) return Status::unsupported("residual block not closed");
    if (scale != 1 || channels != 3) return Status::unsupported("network output is not a full-size RGB image");
    return Status::ok();
}

Status CpuBackend::setStyle(const StyleVector& style) {
    const StyleParams p = computeStyleParams(net_, style);
    gamma_ = p.gamma;
    beta_ = p.beta;
    return Status::ok();
}

// Shapes, buffer sharing and the working set for a frame size, without allocating.
Status CpuBackend::plan(int width, int height, Plan& out) const {
    if (width < 8 || height < 8)  // reflect padding of up to 7 needs at least 8
        return Status::invalidArgument("cpu backend: frame " + std::to_string(width) + "x" + std::to_string(height) +
                                       " is too small (at least 8x8)");
    out.width4 = TransferNetwork::paddedSide(width);
    out.height4 = TransferNetwork::paddedSide(height);
    out.layers.assign(layers_.size(), {});
    int h = out.height4, w = out.width4;
    std::vector<int> openStart;
    for (size_t i = 0; i < layers_.size(); ++i) {
        const PackedLayer& l = layers_[i];
        LayerPlan& p = out.layers[i];
        p.inH = h, p.inW = w;
        p.upH = l.upsample ? 2 * h : h;
        p.upW = l.upsample ? 2 * w : w;
        if (p.upH <= l.pad || p.upW <= l.pad)
            return Status::invalidArgument("cpu backend: frame too small for layer " + l.name);
        p.padH = p.upH + 2 * l.pad, p.padW = p.upW + 2 * l.pad;
        p.outH = (p.padH - l.kernel) / l.stride + 1;
        p.outW = (p.padW - l.kernel) / l.stride + 1;
        if (l.residual == ResidualRole::BlockStart) openStart.push_back(int(i));
        if (l.residual == ResidualRole::BlockEnd) {
            p.skipFrom = openStart.back();
            openStart.pop_back();
        }
        h = p.outH, w = p.outW;
    }
    if (h != out.height4 || w != out.width4) return Status::error("cpu backend: network output size differs from input");

    // Padded input buffers, shared between layers whose lifetimes do not overlap. Times: conv of
    // layer i at 2i, its epilogue at 2i+1. Layer i's input is written at 2i-1 (the input load for
    // i = 0) and last read by its conv (2i) or, for a BlockStart, by the matching BlockEnd's
    // epilogue.
    std::vector<BufferLifetime> lifetimes(layers_.size());
    for (size_t i = 0; i < layers_.size(); ++i) {
        lifetimes[i].size = size_t(out.layers[i].padH) * out.layers[i].padW * layers_[i].inC;
        lifetimes[i].def = int(2 * i) - 1;
        lifetimes[i].lastUse = int(2 * i);
    }
    for (size_t i = 0; i < layers_.size(); ++i)
        if (out.layers[i].skipFrom >= 0) lifetimes[size_t(out.layers[i].skipFrom)].lastUse = int(2 * i + 1);
    BufferReusePlan reuse = planBufferReuse(lifetimes);
    for (size_t i = 0; i < layers_.size(); ++i) out.layers[i].buffer = reuse.physical[i];
    out.bufferFloats = std::move(reuse.sizes);
    const std::vector<size_t>& sizes = out.bufferFloats;
    out.rawFloats = 0, out.rows = 0, out.maxChannels = 0;
    for (size_t i = 0; i < layers_.size(); ++i) {
        out.rawFloats = std::max(out.rawFloats, size_t(out.layers[i].outH) * out.layers[i].outW * layers_[i].outC);
        out.rows = std::max(out.rows, size_t(out.layers[i].outH));
        out.maxChannels = std::max(out.maxChannels, layers_[i].outC);
    }
    out.scratchPerThread = 0;
    for (size_t i = 0; i < layers_.size(); ++i)
        if (layers_[i].winograd)
            out.scratchPerThread = std::max(out.scratchPerThread,
                                            kernels_.winograd->scratchFloats(out.layers[i].outW, layers_[i].inC, layers_[i].outC));
    uint64_t floats = out.rawFloats + out.scratchPerThread * uint64_t(pool_.size());
    for (size_t b : sizes) floats += b;
    out.bytes = floats * sizeof(float) + uint64_t(out.rows) * 2 * uint64_t(out.maxChannels) * sizeof(double);
    return Status::ok();
}

uint64_t CpuBackend::workingSetBytes(int width, int height) const {
    Plan p;
    return plan(width, height, p) ? p.bytes : 0;
}

Status CpuBackend::reshape(int width, int height) {
    if (width == width_ && height == height_) return Status::ok();
    width_ = height_ = 0;  // a failed reshape leaves the backend unusable until the next one succeeds
    Plan pl;
    PASTICHE_RETURN_IF_ERROR(plan(width, height, pl));
    width4_ = pl.width4, height4_ = pl.height4;
    plan_ = pl.layers;
    const std::vector<size_t>& sizes = pl.bufferFloats;
    const size_t rawMax = pl.rawFloats, rowsMax = pl.rows;
    const int cMax = pl.maxChannels;
    scratchPerThread_ = pl.scratchPerThread;
    // The whole working set is known now: refuse a frame over the memory budget before touching it.
    const uint64_t needBytes = pl.bytes;
    const std::string frame = std::to_string(width) + "x" + std::to_string(height);
    PASTICHE_RETURN_IF_ERROR(checkMemoryBudget(needBytes, "cpu backend: a " + frame + " frame"));
    try {
        buffers_.assign(sizes.size(), {});
        for (size_t b = 0; b < sizes.size(); ++b) buffers_[b].assign(sizes[b], 0.f);
        raw_.assign(rawMax, 0.f);
        scratch_.assign(scratchPerThread_ * size_t(pool_.size()), 0.f);
        rowStats_.assign(rowsMax * 2 * size_t(cMax), 0.0);
    } catch (const std::bad_alloc&) {
        buffers_.clear(), raw_.clear(), scratch_.clear(), rowStats_.clear();
        buffers_.shrink_to_fit(), raw_.shrink_to_fit(), scratch_.shrink_to_fit(), rowStats_.shrink_to_fit();
        return Status::outOfMemory("cpu backend: out of memory allocating " + formatBytes(needBytes) + " for a " + frame +
                                   " frame");
    }
    timings_.clear();
    for (const PackedLayer& l : layers_) timings_.push_back({l.name, 0.0});
    width_ = width, height_ = height;
    return Status::ok();
}

void CpuBackend::loadInput(const ConstImageView& input) {
    // Frame -> first padded buffer: size-rule padding (right/bottom, to width4_ x height4_) and the
    // first layer's reflect padding composed into one index mapping.
    const LayerPlan& p = plan_[0];
    const int pad = layers_[0].pad;
    float* dst = buffers_[size_t(p.buffer)].data();
    const bool f32 = input.format == PixelFormat::RgbF32;
    pool_.parallelFor(p.padH, [&](int py, int) {
        const int sy = reflect(reflect(py - pad, height4_), height_);
        const auto* row = static_cast<const uint8_t*>(input.data) + size_t(sy) * input.stride();
        float* d = dst + size_t(py) * p.padW * 3;
        for (int px = 0; px < p.padW; ++px) {
            const int sx = reflect(reflect(px - pad, width4_), width_);
            if (f32) {
                const float* s = reinterpret_cast<const float*>(row) + size_t(sx) * 3;
                d[0] = s[0], d[1] = s[1], d[2] = s[2];
            } else {
                const uint8_t* s = row + size_t(sx) * 3;
                d[0] = s[0] / 255.f, d[1] = s[1] / 255.f, d[2] = s[2] / 255.f;
            }
            d += 3;
        }
    });
}

void CpuBackend::convLayer(size_t l) {
    const PackedLayer& L = layers_[l];
    const LayerPlan& p = plan_[l];
    ConvParams cp;
    cp.input = buffers_[size_t(p.buffer)].data();
    cp.inRowFloats = size_t(p.padW) * L.inC;
    cp.inChannels = L.inC;
    cp.kernel = L.kernel;
    cp.stride = L.stride;
    cp.output = raw_.data();
    cp.outRowFloats = size_t(p.outW) * L.outC;
    cp.outWidth = p.outW;
    cp.outChannels = L.outC;
    cp.weights = L.weights.data();
    cp.bias = L.bias.data();
    const size_t C = size_t(L.outC);
    if (L.winograd) {
        // One task per row of 2x2 output tiles; its statistics go to the first row's slot.
        pool_.parallelFor((p.outH + 1) / 2, [&](int ty, int thread) {
            double* sum = nullptr;
            double* sq = nullptr;
            if (L.hasNorm) {
                sum = rowStats_.data() + size_t(2 * ty) * 2 * C;
                sq = sum + C;
                std::fill(sum, sum + 2 * C * size_t(std::min(2, p.outH - 2 * ty)), 0.0);
            }
            kernels_.winograd->rows(cp, p.outH, ty, ty + 1, scratch_.data() + size_t(thread) * scratchPerThread_, sum, sq);
        });
        return;
    }
    pool_.parallelFor(p.outH, [&](int y, int) {
        double* sum = nullptr;
        double* sq = nullptr;
        if (L.hasNorm) {
            sum = rowStats_.data() + size_t(y) * 2 * C;
            sq = sum + C;
            std::fill(sum, sum + 2 * C, 0.0);
        }
        kernels_.rows(cp, y, y + 1, sum, sq);
    });
}

void CpuBackend::finishNorm(size_t l) {
    const PackedLayer& L = layers_[l];
    if (!L.hasNorm) return;
    const LayerPlan& p = plan_[l];
    const size_t C = size_t(L.outC);
    const double n = double(p.outH) * p.outW;
    for (size_t c = 0; c < C; ++c) {
        double sum = 0, sq = 0;
        for (int y = 0; y < p.outH; ++y) {
            sum += rowStats_[size_t(y) * 2 * C + c];
            sq += rowStats_[size_t(y) * 2 * C + C + c];
        }
        const NormMoments m = normMoments(sum, sq, n);
        setNormChannel(l, c, float(m.mean), float(m.variance));
    }
}

// As finishNorm, with the whole frame's statistics in place of this buffer's (tiles).
void CpuBackend::normFromStatistics(size_t l, const std::vector<double>& mean, const std::vector<double>& variance) {
    for (size_t c = 0; c < size_t(layers_[l].outC); ++c) setNormChannel(l, c, float(mean[c]), float(variance[c]));
}

void CpuBackend::setNormChannel(size_t l, size_t c, float mean, float variance) {
    // TFLite's order: scale = gamma * rsqrt(var + eps); shift = beta - mean * scale.
    const float scale = gamma_[l][c] * (1.f / std::sqrt(variance + layers_[l].epsilon));
    scale_[l][c] = scale;
    shift_[l][c] = beta_[l][c] - mean * scale;
}

// Sums of layer l's raw conv output over the tile's own region, at the layer's scale.
void CpuBackend::collectTileStatistics(size_t l, const TileRun& tile) const {
    const LayerPlan& p = plan_[l];
    const int scale = width4_ / p.outW;
    const size_t C = size_t(layers_[l].outC);
    const int x0 = tile.ownX0 / scale, x1 = tile.ownX1 / scale, y0 = tile.ownY0 / scale, y1 = tile.ownY1 / scale;
    tile.sum->assign(C, 0.0);
    tile.sumSq->assign(C, 0.0);
    for (int y = y0; y < y1; ++y) {
        const float* row = raw_.data() + (size_t(y) * p.outW + size_t(x0)) * C;
        for (int x = x0; x < x1; ++x, row += C)
            for (size_t c = 0; c < C; ++c) {
                (*tile.sum)[c] += row[c];
                (*tile.sumSq)[c] += double(row[c]) * row[c];
            }
    }
    *tile.count = double(x1 - x0) * (y1 - y0);
}

Status CpuBackend::runTile(const ConstImageView& input, const ImageView* output, const TileRun& tile) {
    if (width_ == 0) return Status::invalidArgument("cpu backend: runTile() before reshape()");
    if (input.width != width_ || input.height != height_ || width_ != width4_ || height_ != height4_ ||
        (output && (output->width != width_ || output->height != height_)))
        return Status::invalidArgument("cpu backend: a tile must be the reshape() size, a multiple of 4");
    const int m = TransferNetwork::kSizeMultiple;
    if (tile.ownX0 % m || tile.ownX1 % m || tile.ownY0 % m || tile.ownY1 % m || tile.ownX0 < 0 || tile.ownY0 < 0 ||
        tile.ownX1 > width_ || tile.ownY1 > height_ || tile.ownX0 >= tile.ownX1 || tile.ownY0 >= tile.ownY1)
        return Status::invalidArgument("cpu backend: a tile's own region must be a non-empty multiple of 4 inside it");
    const bool collecting = tile.collectLayer >= 0;
    if (collecting && (size_t(tile.collectLayer) >= layers_.size() || !tile.sum || !tile.sumSq || !tile.count))
        return Status::invalidArgument("cpu backend: bad statistics request for a tile");
    if (!collecting && !output) return Status::invalidArgument("cpu backend: a tile run needs an output");
    const size_t last = collecting ? size_t(tile.collectLayer) : layers_.size() - 1;
    for (size_t l = 0; l < last + (collecting ? 0 : 1); ++l)
        if (layers_[l].hasNorm && (!tile.mean || !tile.variance || tile.mean->size() <= l || tile.variance->size() <= l ||
                                   (*tile.mean)[l].size() != size_t(layers_[l].outC) ||
                                   (*tile.variance)[l].size() != size_t(layers_[l].outC)))
            return Status::invalidArgument("cpu backend: a tile needs the statistics of layer " + layers_[l].name);
    loadInput(input);
    for (size_t l = 0; l <= last; ++l) {
        convLayer(l);
        if (collecting && l == last) {
            collectTileStatistics(l, tile);
            return Status::ok();
        }
        if (layers_[l].hasNorm) normFromStatistics(l, (*tile.mean)[l], (*tile.variance)[l]);
        epilogue(l, l + 1 == layers_.size() ? output : nullptr);
    }
    return Status::ok();
}

void CpuBackend::epilogue(size_t l, const ImageView* output) {
    const PackedLayer& L = layers_[l];
    const LayerPlan& p = plan_[l];
    const int C = L.outC;
    const float* scale = scale_[l].data();
    const float* shift = shift_[l].data();
    const float* skipBase = nullptr;
    size_t skipRow = 0;
    int skipPad = 0;
    if (p.skipFrom >= 0) {
        const LayerPlan& s = plan_[size_t(p.skipFrom)];
        skipPad = layers_[size_t(p.skipFrom)].pad;
        skipRow = size_t(s.padW) * C;
        skipBase = buffers_[size_t(s.buffer)].data() + size_t(skipPad) * skipRow + size_t(skipPad) * C;
    }
    const bool blendHere = blend_ && int(l) == trunkLayer_;
    auto normInto = [&](int y, float* dst) {
        const float* src = raw_.data() + size_t(y) * p.outW * C;
        const float* skip = skipBase ? skipBase + size_t(y) * skipRow : nullptr;
        kernels_.normRow(src, skip, scale, shift, dst, p.outW, C, L.activation);
        if (blendHere) blendTrunkRow(y, dst);
    };

    if (output) {  // last layer: crop into the frame
        const bool f32 = output->format == PixelFormat::RgbF32;
        pool_.parallelFor(height_, [&](int y, int) {
            auto* row = static_cast<uint8_t*>(output->data) + size_t(y) * output->stride();
            if (f32) {
                // Rows are width4_ wide here; only the first width_ pixels belong to the frame.
                const float* src = raw_.data() + size_t(y) * p.outW * C;
                const float* skip = skipBase ? skipBase + size_t(y) * skipRow : nullptr;
                float* dst = reinterpret_cast<float*>(row);
                kernels_.normRow(src, skip, scale, shift, dst, width_, C, L.activation);
            } else {
                // Normalise in place in the raw row (no longer needed), then round to 8 bits.
                float* src = raw_.data() + size_t(y) * p.outW * C;
                normInto(y, src);
                for (int i = 0; i < width_ * C; ++i) {
                    const float v = src[i] * 255.f + 0.5f;
                    row[i] = static_cast<uint8_t>(v < 0.f ? 0.f : (v > 255.f ? 255.f : v));
                }
            }
        });
        return;
    }

    const PackedLayer& N = layers_[l + 1];
    const LayerPlan& q = plan_[l + 1];
    float* dst = buffers_[size_t(q.buffer)].data();
    const size_t dRow = size_t(q.padW) * C;
    const int pad = N.pad;
    auto fillSides = [&](float* r) {
        for (int j = 0; j < pad; ++j) {
            std::memcpy(r + size_t(pad - 1 - j) * C, r + size_t(pad + 1 + j) * C, sizeof(float) * C);
            std::memcpy(r + size_t(pad + q.upW + j) * C, r + size_t(pad + q.upW - 2 - j) * C, sizeof(float) * C);
        }
    };
    if (!N.upsample) {
        pool_.parallelFor(p.outH, [&](int y, int) {
            float* r = dst + size_t(y + pad) * dRow;
            normInto(y, r + size_t(pad) * C);
            fillSides(r);
        });
    } else {
        pool_.parallelFor(p.outH, [&](int y, int) {
            float* r0 = dst + size_t(2 * y + pad) * dRow;
            float* r1 = r0 + dRow;
            // Normalise into the second row's interior, then spread each pixel over 2x2.
            float* tmp = r1 + size_t(pad) * C + size_t(p.outW) * C;  // right half of row 1
            normInto(y, tmp);
            float* d0 = r0 + size_t(pad) * C;
            for (int x = 0; x < p.outW; ++x) {
                std::memcpy(d0 + size_t(2 * x) * C, tmp + size_t(x) * C, sizeof(float) * C);
                std::memcpy(d0 + size_t(2 * x + 1) * C, tmp + size_t(x) * C, sizeof(float) * C);
            }
            fillSides(r0);
            std::memcpy(r1, r0, sizeof(float) * dRow);
        });
    }
    // Top and bottom reflect rows (whole padded rows, borders included).
    for (int j = 0; j < pad; ++j) {
        std::memcpy(dst + size_t(pad - 1 - j) * dRow, dst + size_t(pad + 1 + j) * dRow, sizeof(float) * dRow);
        std::memcpy(dst + size_t(pad + q.upH + j) * dRow, dst + size_t(pad + q.upH - 2 - j) * dRow,
                    sizeof(float) * dRow);
    }
}

Status CpuBackend::run(const ConstImageView& input, const ImageView& output) {
    if (width_ == 0) return Status::invalidArgument("cpu backend: run() before reshape()");
    if (input.width != width_ || input.height != height_ || output.width != width_ || output.height != height_)
        return Status::invalidArgument("cpu backend: frame size differs from the reshape() size " + std::to_string(width_) +
                             "x" + std::to_string(height_));
    if (!input.data || !output.data) return Status::invalidArgument("cpu backend: null image data");
    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    loadInput(input);
    for (size_t l = 0; l < layers_.size(); ++l) {
        convLayer(l);
        finishNorm(l);
        epilogue(l, l + 1 == layers_.size() ? &output : nullptr);
        if (profile_) {
            const auto t1 = Clock::now();
            timings_[l].milliseconds = std::chrono::duration<double, std::milli>(t1 - t0).count();
            t0 = t1;
        }
    }
    return Status::ok();
}

TrunkShape CpuBackend::trunkShape() const {
    if (width_ == 0 || trunkLayer_ < 0) return {};
    const LayerPlan& p = plan_[size_t(trunkLayer_)];
    return {p.outW, p.outH, layers_[size_t(trunkLayer_)].outC};
}

void CpuBackend::blendTrunkRow(int y, float* row) const {
    const TrunkShape t = trunkShape();
    const size_t C = size_t(t.channels);
    const size_t rowFloats = size_t(t.width) * C;
    if (blend_->previous && blend_->weight) {
        const float* prev = blend_->previous + size_t(y) * rowFloats;
        const float* wrow = blend_->weight + size_t(y) * t.width;
        for (int x = 0; x < t.width; ++x) {
            const float w = wrow[x];
            if (w <= 0.f) continue;
            float* f = row + size_t(x) * C;
            const float* q = prev + size_t(x) * C;
            for (size_t c = 0; c < C; ++c) f[c] += w * (q[c] - f[c]);
        }
    }
    if (blend_->blendedOut) std::memcpy(blend_->blendedOut + size_t(y) * rowFloats, row, sizeof(float) * rowFloats);
}

Status CpuBackend::runBlendingTrunk(const ConstImageView& input, const ImageView& output, const TrunkBlend& blend) {
    if (trunkLayer_ < 0) return Status::error("cpu backend: the network has no residual trunk to blend");
    if (size_t(trunkLayer_) + 1 >= layers_.size())
        return Status::error("cpu backend: the trunk is the last layer; nothing re-renders from it");
    blend_ = &blend;
    Status st = run(input, output);
    blend_ = nullptr;
    return st;
}

}  // namespace

Result<std::unique_ptr<TransferBackend>> createCpuBackend(const TransferNetwork& net, const BackendOptions& options) {
    if (Status s = CpuBackend::checkNetwork(net); !s.isOk())
        return s.withContext("cpu backend cannot run " + (net.sourcePath.empty() ? std::string("network") : net.sourcePath));
    return std::unique_ptr<TransferBackend>(new CpuBackend(net, options));
}

}  // namespace pastiche
