// The one small interface every compute backend implements (CPU, Vulkan), with the XNNPACK-style
// lifecycle: create (weights packed/uploaded once) -> reshape (per resolution: intermediates and
// pipelines) -> setStyle (per style vector) -> run (per frame; allocation-free).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/image.h"
#include "engine/status.h"
#include "engine/transfer_network.h"

namespace pastiche {

enum class BackendKind { Cpu, Vulkan };

enum class Precision { Auto, Fp32, Fp16 };  // Auto: fp16 where the device supports it

struct DeviceInfo {
    int index = 0;              // Vulkan physical-device index; 0 for the CPU
    std::string name;
    std::string type;           // "discrete", "integrated", "virtual", "cpu", "other"
    std::string driver;
    uint64_t memoryBytes = 0;
    bool fp16 = false;          // 16-bit storage + shaderFloat16 available
    std::string matrixUnits;    // tensor cores through cooperative matrices ("" = none)
};

// Per-layer GPU (or CPU) time from the last profiled run.
struct LayerTiming {
    std::string layer;
    double milliseconds = 0;
};

class TransferBackend {
public:
    virtual ~TransferBackend() = default;

    virtual BackendKind kind() const = 0;
    virtual std::string name() const = 0;        // "cpu" or "vulkan"
    virtual DeviceInfo device() const = 0;
    virtual int threads() const { return 1; }    // CPU worker threads (bench JSON)
    virtual Precision precision() const { return Precision::Fp32; }

    // ggml-style capability query: can this backend run that network (layer types, sizes)?
    virtual bool supports(const TransferNetwork& net) const = 0;

    // Allocates intermediates for frames of width x height (the frame size as given; padding to
    // TransferNetwork::kSizeMultiple happens inside). Cheap if the size is unchanged.
    virtual Status reshape(int width, int height) = 0;
    virtual Status setStyle(const StyleVector& style) = 0;

    // Synchronous: stylizes one frame. input/output sizes must equal the reshape() size; formats
    // may be Rgb8 or RgbF32 independently.
    virtual Status run(const ConstImageView& input, const ImageView& output) = 0;

    // Pipelined: up to framesInFlight() frames may be submitted before collecting the oldest.
    // Default: run() at submit time. The Vulkan backend overlaps upload, compute and download.
    virtual int framesInFlight() const { return 1; }
    virtual Status submit(const ConstImageView& input, int slot);
    virtual Status collect(int slot, const ImageView& output);

    // Per-layer timings of the last run, when profiling was enabled at creation.
    virtual std::vector<LayerTiming> lastProfile() const { return {}; }

private:
    std::vector<ImageF> parked_;  // default submit/collect: the result waits here per slot
};

struct BackendOptions {
    BackendKind kind = BackendKind::Cpu;
    int deviceIndex = -1;                 // Vulkan: -1 = default order (discrete, integrated, cpu)
    Precision precision = Precision::Auto;
    int threads = 0;                      // CPU: 0 = all cores
    bool profile = false;                 // Vulkan: GPU timestamps per layer
    bool allowSoftwareVulkan = true;      // lavapipe/llvmpipe allowed when asked for explicitly
};

// Factories; each backend lives in its own directory.
Result<std::unique_ptr<TransferBackend>> createCpuBackend(const TransferNetwork& net,
                                                          const BackendOptions& options);
Result<std::unique_ptr<TransferBackend>> createVulkanBackend(const TransferNetwork& net,
                                                             const BackendOptions& options);
// Vulkan devices in the default order; empty with a Status message when Vulkan is unavailable.
Result<std::vector<DeviceInfo>> listVulkanDevices();

}  // namespace pastiche
