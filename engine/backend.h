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
    int index = 0;  // Vulkan physical-device index; 0 for the CPU
    std::string name;
    std::string type;  // "discrete", "integrated", "virtual", "cpu", "other"
    std::string driver;
    uint64_t memoryBytes = 0;
    bool fp16 = false;        // 16-bit storage + shaderFloat16 available
    std::string matrixUnits;  // tensor cores through cooperative matrices ("" = none)
};

// Per-layer GPU (or CPU) time from the last profiled run.
struct LayerTiming {
    std::string layer;
    double milliseconds = 0;
};

// The trunk feature map of the current reshape() size: HWC floats, rows tightly packed.
struct TrunkShape {
    int width = 0, height = 0, channels = 0;
    size_t floats() const { return size_t(width) * height * channels; }
};

// Inputs and output of one trunk-blended run; every pointer holds TrunkShape floats (weight: one
// per trunk pixel). previous == nullptr (first frame, after a cut) runs unblended.
struct TrunkBlend {
    const float* previous = nullptr;  // the previous blended trunk, warped onto this frame
    const float* weight = nullptr;    // per trunk pixel, in [0, 1]
    float* blendedOut = nullptr;      // receives this frame's blended trunk (may be null)
};

// Temporal stability with the motion found on the device (the Vulkan backend): every run() /
// submit() while strength > 0 also estimates the flow between this frame and the previous one at
// the trunk's resolution, masks it (occlusion, input warp residual) and blends the trunk with the
// previous frame's blended trunk warped along it, by the rules of app/core/trunk_motion.h; the
// history stays on the device. The caller keeps the policy (cuts, seeks: restart).
// With gridLock the device also keeps the scene on the network's 4-pixel grid (the rules of
// app/core/grid_lock.h and engine/stability_policy.h): it finds the global motion between the
// frames, places each frame on a canvas of frame + margins for the network and shifts the result
// back, so the frames in and out keep their size and nothing of the motion crosses to the host.
// The network then runs at the canvas size; choosing gridLock on or off re-plans the backend at
// its current size (not while frames are in flight), whatever the strength.
struct DeviceStability {
    float strength = 0;            // blend weight on fully trusted pixels; 0 = plain runs
    float gateLevels = 12;         // input warp residual (gray levels) at which history fades
    float minKeptFraction = 0.2f;  // below this share of trusted pixels nothing is blended
    bool restart = false;          // the next frame starts a new history (first frame, cut, seek)
    bool gridLock = false;         // the grid lock runs on the device too (see above)
};
// What the device found for the last collected frame (trunk pixels scaled to frame pixels).
struct DeviceStabilityReport {
    bool valid = false;                   // the frame ran with device stability
    bool blended = false;                 // history was blended in
    double keptFraction = 0;              // share of pixels that passed the occlusion test
    double spread = 0;                    // std deviation of the trusted backward flow, frame pixels
    double meanFlowX = 0, meanFlowY = 0;  // mean trusted backward flow (t -> t-1), frame pixels
    // With gridLock: the grid lock's state for this frame.
    bool gridLock = false;                // these fields are valid
    bool globalMotion = false;            // the lock followed the motion (off: local motion)
    bool similarity = false;              // this frame's step was a zoom or roll
    bool reanchored = false;              // the similarity lock moved its anchor to this frame
    double offsetX = 0, offsetY = 0;      // g_t, the sub-cell shift of the canvas (pixels)
    double motionX = 0, motionY = 0;      // content displacement prev -> this frame at its centre
    double scaleStep = 1, angleStep = 0;  // of the fitted similarity (this frame -> the previous)
    double frameSpread = 0;               // std deviation of the frame-to-frame flow, pixels
};

// Huge stills (engine/tiled_run.h) run as tiles of the size-padded frame that share the whole
// frame's instance-norm statistics. A tile is a window of that frame (sides multiples of
// TransferNetwork::kSizeMultiple); only its own region, far enough from its cut sides, is exact.
struct TileRun {
    // The tile's own region in tile pixels, multiples of kSizeMultiple: [x0, x1) x [y0, y1).
    int ownX0 = 0, ownY0 = 0, ownX1 = 0, ownY1 = 0;
    // Whole-frame statistics of each layer's conv output (per layer, per channel; empty for layers
    // not yet known): used instead of the tile's own.
    const std::vector<std::vector<double>>* mean = nullptr;
    const std::vector<std::vector<double>>* variance = nullptr;
    // >= 0: run up to this layer's conv, add its output's sums over the own region into sum /
    // sumSq (per channel) and count, and stop. -1: run the whole network into the output.
    int collectLayer = -1;
    std::vector<double>* sum = nullptr;
    std::vector<double>* sumSq = nullptr;
    double* count = nullptr;
};

class TransferBackend {
public:
    virtual ~TransferBackend() = default;

    virtual BackendKind kind() const = 0;
    virtual std::string name() const = 0;  // "cpu" or "vulkan"
    virtual DeviceInfo device() const = 0;
    virtual int threads() const { return 1; }  // CPU worker threads (bench JSON)
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
    // How many of those frames can compute at once (copies of the working buffers; the Vulkan
    // backend's lanes, each on its own queue where the device has several). Valid after reshape().
    virtual int computeLanes() const { return 1; }
    virtual Status submit(const ConstImageView& input, int slot);
    virtual Status collect(int slot, const ImageView& output);

    // Temporal stability (app/core/temporal_stabilizer.h): run() with the trunk (the last residual
    // block's output, 1/4 of the padded frame, trunkShape().channels channels) blended towards the
    // previous frame's trunk warped onto this one, before the decoder re-renders detail from it:
    //     F = F + weight * (previous - F)   per trunk pixel, then F is copied to blendedOut.
    // Backends without it answer false / an error; the caller then runs run() unblended.
    virtual bool supportsTrunkBlending() const { return false; }
    virtual TrunkShape trunkShape() const { return {}; }  // valid after reshape()
    virtual Status runBlendingTrunk(const ConstImageView&, const ImageView&, const TrunkBlend&) {
        return Status::error(name() + " backend: trunk blending is not supported");
    }

    // Device-side stability (DeviceStability); applies from the next submitted frame.
    virtual bool supportsDeviceStability() const { return false; }
    virtual Status setDeviceStability(const DeviceStability&) {
        return Status::unsupported(name() + " backend: no device-side stability");
    }
    virtual DeviceStabilityReport deviceStabilityReport() const { return {}; }

    // Tiles with given statistics (TileRun); the tile is the reshape() size. Backends without it
    // answer false; huge stills then go to the CPU backend.
    virtual bool supportsTiles() const { return false; }
    // Host memory a reshape(width, height) would take (0: unknown, or no host working set).
    virtual uint64_t workingSetBytes(int, int) const { return 0; }
    virtual Status runTile(const ConstImageView&, const ImageView*, const TileRun&) {
        return Status::unsupported(name() + " backend: tiled runs are not supported");
    }

    // Per-layer timings of the last run, when profiling was enabled at creation.
    virtual std::vector<LayerTiming> lastProfile() const { return {}; }

    // Runs every stage once on a small frame, so a driver that compiles a pipeline at its first
    // dispatch (lavapipe: seconds for the grid lock's) does it now and not at the first frames of a
    // video. Leaves the backend as created (no plan, no stability). The app calls it where it
    // creates a backend off the frame path (app/core/stylizer.cpp).
    virtual Status warmUp() { return Status::ok(); }

private:
    std::vector<ImageF> parked_;  // default submit/collect: the result waits here per slot
};

struct BackendOptions {
    BackendKind kind = BackendKind::Cpu;
    int deviceIndex = -1;  // Vulkan: -1 = default order (discrete, integrated, cpu)
    Precision precision = Precision::Auto;
    int threads = 0;                  // CPU: 0 = all cores
    bool profile = false;             // Vulkan: GPU timestamps per layer
    bool allowSoftwareVulkan = true;  // lavapipe/llvmpipe allowed when asked for explicitly
};

// Factories; each backend lives in its own directory.
Result<std::unique_ptr<TransferBackend>> createCpuBackend(const TransferNetwork& net, const BackendOptions& options);
Result<std::unique_ptr<TransferBackend>> createVulkanBackend(const TransferNetwork& net, const BackendOptions& options);
// Vulkan devices in the default order; empty with a Status message when Vulkan is unavailable.
Result<std::vector<DeviceInfo>> listVulkanDevices();

}  // namespace pastiche
