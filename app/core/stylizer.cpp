#include "app/core/stylizer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/env_switch.h"

namespace pastiche {

Result<BackendSpec> BackendSpec::parse(const std::string& text) {
    BackendSpec s;
    if (text.empty() || text == "auto") return s;
    if (text == "cpu") { s.choice = Choice::Cpu; return s; }
    if (text == "vulkan") { s.choice = Choice::Vulkan; return s; }
    if (text.rfind("vulkan:", 0) == 0) {
        const std::string n = text.substr(7);
        if (!n.empty() && n.size() < 4 && n.find_first_not_of("0123456789") == std::string::npos) {
            s.choice = Choice::Vulkan;
            s.deviceIndex = std::stoi(n);
            return s;
        }
    }
    return Status::error("bad backend '" + text + "': use auto, cpu, vulkan or vulkan:N (see `pastiche devices`)");
}

std::string BackendSpec::toString() const {
    switch (choice) {
    case Choice::Auto: return "auto";
    case Choice::Cpu: return "cpu";
    case Choice::Vulkan: return deviceIndex >= 0 ? "vulkan:" + std::to_string(deviceIndex) : "vulkan";
    }
    return "auto";
}

namespace {

Precision effectivePrecision(Precision p) {
    if (env::is("PASTICHE_VK_FP32", "1")) return Precision::Fp32;
    return p;
}

// Auto picks a real GPU: the first discrete or integrated Vulkan device.
int pickRealGpu(std::string& why) {
    auto devices = listVulkanDevices();
    if (!devices) { why = devices.status().message(); return -1; }
    for (const auto& d : devices.value())
        if (d.type == "discrete" || d.type == "integrated") return d.index;
    why = devices.value().empty() ? "no Vulkan device" : "only the software device " + devices.value().front().name;
    return -1;
}

Result<std::unique_ptr<TransferBackend>> makeBackend(const TransferNetwork& net, const StylizerOptions& o,
                                                     BackendKind kind, int device) {
    if (o.makeBackend) return o.makeBackend(net);
    BackendOptions bo;
    bo.kind = kind;
    bo.deviceIndex = device;
    bo.precision = effectivePrecision(o.precision);
    bo.threads = o.threads;
    bo.profile = o.profile;
    auto backend = kind == BackendKind::Vulkan ? createVulkanBackend(net, bo) : createCpuBackend(net, bo);
    if (backend && !backend.value()->supports(net))
        return Status::error(backend.value()->name() + " backend does not support this network");
    return backend;
}

}  // namespace

Result<std::unique_ptr<Stylizer>> Stylizer::create(std::shared_ptr<const TransferNetwork> network,
                                                   const StylizerOptions& options, NoticeCallback notice) {
    std::unique_ptr<Stylizer> s(new Stylizer());
    s->network_ = std::move(network);
    s->options_ = options;
    s->notice_ = std::move(notice);
    PASTICHE_RETURN_IF_ERROR(s->switchBackend(options.backend));
    return s;
}

Stylizer::~Stylizer() = default;

Status Stylizer::switchBackend(const BackendSpec& spec) {
    BackendKind kind = BackendKind::Cpu;
    int device = spec.deviceIndex;
    std::string why;
    if (spec.choice == BackendSpec::Choice::Vulkan) {
        kind = BackendKind::Vulkan;
    } else if (spec.choice == BackendSpec::Choice::Auto) {
        device = pickRealGpu(why);
        kind = device >= 0 ? BackendKind::Vulkan : BackendKind::Cpu;
    }
    auto backend = makeBackend(*network_, options_, kind, device);
    if (!backend && kind == BackendKind::Vulkan) {
        // Vulkan could not start: the CPU backend keeps the video going, and the user is told.
        why = backend.status().message();
        if (backend_ && backend_->kind() == BackendKind::Cpu && spec.choice != BackendSpec::Choice::Auto)
            return Status::error("Vulkan backend unavailable: " + why + " (staying on CPU)");
        backend = makeBackend(*network_, options_, BackendKind::Cpu, -1);
        if (backend && notice_) notice_("Vulkan unavailable: " + why + "; using the CPU backend");
    } else if (backend && spec.choice == BackendSpec::Choice::Auto && kind == BackendKind::Cpu && notice_ && !why.empty()) {
        notice_("no GPU for Vulkan, " + why + "; using the CPU backend");
    }
    if (!backend) return backend.status();
    std::unique_ptr<TransferBackend> next = std::move(backend).value();
    // Here, off the frame path (the app switches backends in the background), and not at the first
    // stabilized frames: lavapipe compiles the grid lock's pipelines at their first dispatch (a 3-5 s
    // freeze of the view after a switch). A failure shows again at the first real frame.
    (void)next->warmUp();
    PASTICHE_RETURN_IF_ERROR(catchUp(*next));
    backend_ = std::move(next);
    options_.backend = spec;
    return Status::ok();
}

Status Stylizer::catchUp(TransferBackend& backend) const {
    if (width_ > 0) PASTICHE_RETURN_IF_ERROR(backend.reshape(width_, height_));
    if (haveStyle_) PASTICHE_RETURN_IF_ERROR(backend.setStyle(style_));
    return Status::ok();
}

Status Stylizer::fallBackToCpu(const std::string& why) {
    auto cpu = makeBackend(*network_, options_, BackendKind::Cpu, -1);
    if (!cpu) return Status::error(why + "; CPU fallback failed too: " + cpu.status().message());
    backend_ = std::move(cpu).value();
    PASTICHE_RETURN_IF_ERROR(catchUp(*backend_));
    if (notice_) notice_(why + "; continuing on the CPU backend");
    return Status::ok();
}

Status Stylizer::setStyle(const StyleVector& style) {
    style_ = style;
    haveStyle_ = true;
    Status st = backend_->setStyle(style);
    if (!st && backend_->kind() == BackendKind::Vulkan && st.isDeviceFailure()) return fallBackToCpu("Vulkan error: " + st.message());
    return st;
}

Status Stylizer::setMix(const StyleMix& mix, const std::optional<StyleVector>& contentVector) {
    if (!mix.style) return Status::error("no style chosen");
    pixelWeight_ = stylizedPixelWeight(mix.strength);
    return setStyle(mixedStyleVector(mix, contentVector));
}

void Stylizer::fadeToOriginal(const ConstImageView& input, const ImageView& output) const {
    if (pixelWeight_ >= 1.0 || input.format != PixelFormat::Rgb8 || output.format != PixelFormat::Rgb8) return;
    const int w = int(std::lround(pixelWeight_ * 256));
    const size_t row = size_t(input.width) * 3;
    for (int y = 0; y < input.height; ++y) {
        const auto* in = static_cast<const uint8_t*>(input.data) + y * input.stride();
        auto* out = static_cast<uint8_t*>(output.data) + y * output.stride();
        for (size_t i = 0; i < row; ++i) out[i] = uint8_t((out[i] * w + in[i] * (256 - w) + 128) >> 8);
    }
}

int Stylizer::framesInFlight() const { return std::max(1, backend_->framesInFlight()); }

Status Stylizer::submit(const ConstImageView& input, int slot) {
    if (!haveStyle_) return Status::error("no style set");
    if (slot < 0 || slot >= framesInFlight()) return Status::error("stylizer: bad slot " + std::to_string(slot));
    if (slotBusy_.size() < size_t(framesInFlight())) {
        slotBusy_.resize(size_t(framesInFlight()), false);
        slotFailed_.resize(size_t(framesInFlight()), false);
    }
    if (slotBusy_[size_t(slot)]) return Status::error("stylizer: slot " + std::to_string(slot) + " is in flight");
    if ((input.width != width_ || input.height != height_) && inFlight_ > 0)
        return Status::error("stylizer: size change with frames in flight");
    PASTICHE_RETURN_IF_ERROR(ensureSize(input.width, input.height));
    slotBusy_[size_t(slot)] = true;
    slotFailed_[size_t(slot)] = false;
    ++inFlight_;
    Status st = backend_->submit(input, slot);
    if (!st && backend_->kind() == BackendKind::Vulkan && st.isDeviceFailure()) {
        // The frames in flight on the GPU are lost with it; collect() re-runs each on the CPU.
        slotFailed_[size_t(slot)] = true;
        for (size_t i = 0; i < slotBusy_.size(); ++i)
            if (slotBusy_[i]) slotFailed_[i] = true;
        return fallBackToCpu("Vulkan error: " + st.message());
    }
    if (!st) {
        slotBusy_[size_t(slot)] = false;
        --inFlight_;
    }
    return st;
}

Status Stylizer::collect(int slot, const ConstImageView& input, const ImageView& output) {
    if (slot < 0 || size_t(slot) >= slotBusy_.size() || !slotBusy_[size_t(slot)])
        return Status::error("stylizer: slot " + std::to_string(slot) + " was not submitted");
    slotBusy_[size_t(slot)] = false;
    --inFlight_;
    Status st;
    if (slotFailed_[size_t(slot)]) {
        slotFailed_[size_t(slot)] = false;
        st = backend_->run(input, output);
    } else {
        st = backend_->collect(slot, output);
        if (!st && backend_->kind() == BackendKind::Vulkan && st.isDeviceFailure()) {
            for (size_t i = 0; i < slotBusy_.size(); ++i)
                if (slotBusy_[i]) slotFailed_[i] = true;
            PASTICHE_RETURN_IF_ERROR(fallBackToCpu("Vulkan error: " + st.message()));
            st = backend_->run(input, output);
        }
    }
    if (st) fadeToOriginal(input, output);
    return st;
}

Status Stylizer::ensureSize(int width, int height) {
    if (width == width_ && height == height_) return Status::ok();
    Status st = backend_->reshape(width, height);
    if (!st && backend_->kind() == BackendKind::Vulkan && st.isDeviceFailure()) {
        width_ = width;
        height_ = height;
        return fallBackToCpu("Vulkan cannot process " + std::to_string(width) + "x" + std::to_string(height) + " (" +
                             st.message() + ")");
    }
    if (!st) return st;
    width_ = width;
    height_ = height;
    return Status::ok();
}

Status Stylizer::stylize(const ConstImageView& input, const ImageView& output) {
    if (!haveStyle_) return Status::error("no style set");
    if (input.width != output.width || input.height != output.height)
        return Status::error("stylize: input and output sizes differ");
    if (inFlight_ > 0) return Status::error("stylize: frames still in flight");
    Status st = needsTiles(input.width, input.height) ? runInTiles(input, output) : run(input, output);
    if (st) fadeToOriginal(input, output);
    return st;
}

Status Stylizer::run(const ConstImageView& input, const ImageView& output) {
    PASTICHE_RETURN_IF_ERROR(ensureSize(input.width, input.height));
    Status st = backend_->run(input, output);
    if (!st && backend_->kind() == BackendKind::Vulkan && st.isDeviceFailure()) {
        PASTICHE_RETURN_IF_ERROR(fallBackToCpu("Vulkan error: " + st.message()));
        st = backend_->run(input, output);
    }
    return st;
}

Result<TrunkShape> Stylizer::trunkShapeFor(int width, int height) {
    if (inFlight_ > 0) return Status::error("stylizer: frames still in flight");
    PASTICHE_RETURN_IF_ERROR(ensureSize(width, height));
    if (!backend_->supportsTrunkBlending()) return Status::error(backend_->name() + " backend: no trunk blending");
    return backend_->trunkShape();
}

Status Stylizer::stylizeBlendingTrunk(const ConstImageView& input, const ImageView& output, const TrunkBlend& blend) {
    if (!haveStyle_) return Status::error("no style set");
    if (input.width != output.width || input.height != output.height)
        return Status::error("stylize: input and output sizes differ");
    if (inFlight_ > 0) return Status::error("stylize: frames still in flight");
    PASTICHE_RETURN_IF_ERROR(ensureSize(input.width, input.height));
    Status st = backend_->runBlendingTrunk(input, output, blend);
    if (st) fadeToOriginal(input, output);
    return st;
}

Status Stylizer::stylizeStabilized(const ConstImageView& input, const ImageView& output,
                                   const DeviceStability& stability, DeviceStabilityReport& report) {
    report = {};
    if (!haveStyle_) return Status::error("no style set");
    if (input.width != output.width || input.height != output.height)
        return Status::error("stylize: input and output sizes differ");
    if (inFlight_ > 0) return Status::error("stylize: frames still in flight");
    PASTICHE_RETURN_IF_ERROR(ensureSize(input.width, input.height));
    if (!backend_->supportsDeviceStability())
        return Status::unsupported(backend_->name() + " backend: no device stability");
    if (!backend_->setDeviceStability(stability)) {  // e.g. a frame too small for the device flow: plain
        Status st = run(input, output);
        if (st) fadeToOriginal(input, output);
        return st;
    }
    const TransferBackend* ran = backend_.get();
    Status st = run(input, output);  // may fall back to the CPU, which runs it plain
    if (backend_.get() == ran) {
        report = backend_->deviceStabilityReport();
        DeviceStability off = stability;  // later plain frames (stills) must not blend
        off.strength = 0;
        off.restart = false;
        (void)backend_->setDeviceStability(off);
    }
    if (st) fadeToOriginal(input, output);
    return st;
}

std::string Stylizer::description() const {
    const DeviceInfo d = backend_->device();
    if (backend_->kind() == BackendKind::Cpu)
        return "cpu (" + std::to_string(backend_->threads()) + " threads)";
    return "vulkan (" + d.name + ", " + (backend_->precision() == Precision::Fp16 ? "fp16" : "fp32") + ")";
}

}  // namespace pastiche
