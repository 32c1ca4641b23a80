// The app-facing engine facade: owns the transfer network and one backend, applies the current
// style (with strength), handles resolution changes, and falls back to the CPU backend when
// Vulkan fails (start-up, device loss, out of memory), reporting that through a notice callback.
// Not thread-safe: one thread (the stylize stage) drives it; other threads post changes through
// the controller that owns it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/core/style_mix.h"
#include "engine/backend.h"
#include "engine/image.h"
#include "engine/status.h"
#include "engine/transfer_network.h"

namespace pastiche {

// "auto" | "cpu" | "vulkan" | "vulkan:N"
struct BackendSpec {
    enum class Choice { Auto, Cpu, Vulkan } choice = Choice::Auto;
    int deviceIndex = -1;
    static Result<BackendSpec> parse(const std::string& text);
    std::string toString() const;
};

// Makes the backend in place of the CPU/Vulkan choice: the session bench's instant backend and
// tests measure the session's own work with it. Unset in the app.
using BackendFactory = std::function<Result<std::unique_ptr<TransferBackend>>(const TransferNetwork&)>;

struct StylizerOptions {
    BackendSpec backend;
    BackendFactory makeBackend;             // set: used for every backend, the CPU fallback included
    Precision precision = Precision::Auto;  // PASTICHE_VK_FP32=1 forces Fp32
    int threads = 0;
    bool profile = false;
};

using NoticeCallback = std::function<void(const std::string& message)>;

class Stylizer {
public:
    // Creates the backend the options ask for; "auto" prefers a real GPU, else CPU. A Vulkan
    // failure under "auto" falls back to the CPU and reports it through notice.
    static Result<std::unique_ptr<Stylizer>> create(std::shared_ptr<const TransferNetwork> network,
                                                    const StylizerOptions& options,
                                                    NoticeCallback notice = {});
    ~Stylizer();

    // Sets the network's style vector directly (no mix, no pixel fade).
    Status setStyle(const StyleVector& style);
    // The one style mix (style_mix.h): the vector from the two styles, strength and the content's
    // own vector, plus the fade to the original picture at low strength. Between frames only.
    Status setMix(const StyleMix& mix, const std::optional<StyleVector>& contentVector);
    bool hasStyle() const { return haveStyle_; }
    // Stylizes one frame of any size (reshapes on size change); falls back to the CPU backend if
    // the current backend fails, re-running the frame there.
    Status stylize(const ConstImageView& input, const ImageView& output);

    // Pipelined: up to framesInFlight() frames submitted before the oldest is collected (the
    // Vulkan backend overlaps upload, compute and download of different frames). All frames in
    // flight must have one size: call drained() before a size change. collect() gets the same
    // input again: it is needed for the pixel fade and to re-run the frame on the CPU if the GPU
    // fails (the fallback happens inside, as for stylize()).
    int framesInFlight() const;
    Status submit(const ConstImageView& input, int slot);
    Status collect(int slot, const ConstImageView& input, const ImageView& output);
    int inFlight() const { return inFlight_; }

    // Temporal stability (app/core/temporal_stabilizer.h): whether the current backend can blend
    // its trunk, the trunk shape for frames of width x height (reshapes to that size), and
    // stylize() with the trunk blended (TransferBackend::runBlendingTrunk; with the pixel fade).
    bool supportsTrunkBlending() const { return backend_->supportsTrunkBlending(); }
    Result<TrunkShape> trunkShapeFor(int width, int height);
    Status stylizeBlendingTrunk(const ConstImageView& input, const ImageView& output, const TrunkBlend& blend);

    // Temporal stability with the flow, mask and trunk blend on the device
    // (TransferBackend::setDeviceStability): stylize() of one video frame so, and that frame's
    // report (report.valid false when it ran without, e.g. after a fall back to the CPU). Frames
    // stylized otherwise (stills) run plain and end the device history.
    bool supportsDeviceStability() const { return backend_->supportsDeviceStability(); }
    Status stylizeStabilized(const ConstImageView& input, const ImageView& output, const DeviceStability& stability,
                             DeviceStabilityReport& report);

    // Switches backend between frames; on failure keeps the current one and returns the error.
    Status switchBackend(const BackendSpec& spec);

    const TransferBackend& backend() const { return *backend_; }
    TransferBackend& backend() { return *backend_; }
    std::string description() const;  // "vulkan (NVIDIA H100, fp16)" / "cpu (2 threads)"

private:
    Stylizer() = default;
    Status fallBackToCpu(const std::string& why);
    // Brings a newly created backend to the current frame size and style.
    Status catchUp(TransferBackend& backend) const;
    Status ensureSize(int width, int height);
    Status run(const ConstImageView& input, const ImageView& output);  // no fade
    // Huge frames (stylizer_tiles.cpp): tiles on the CPU when the whole frame's working set
    // would pass the tiling limit; false when the frame runs whole.
    bool needsTiles(int width, int height);
    Status runInTiles(const ConstImageView& input, const ImageView& output);
    void fadeToOriginal(const ConstImageView& input, const ImageView& output) const;
    std::shared_ptr<const TransferNetwork> network_;
    StylizerOptions options_;
    NoticeCallback notice_;
    std::unique_ptr<TransferBackend> backend_;
    std::unique_ptr<TransferBackend> tileBackend_;  // CPU, for tiles when backend_ cannot tile
    StyleVector style_{};
    bool haveStyle_ = false;
    int width_ = 0, height_ = 0;
    double pixelWeight_ = 1.0;  // stylized vs original in the output (style_mix.h)
    int inFlight_ = 0;
    std::vector<bool> slotBusy_;
    std::vector<bool> slotFailed_;  // submit failed and fell back: collect re-runs on the CPU
};

}  // namespace pastiche
