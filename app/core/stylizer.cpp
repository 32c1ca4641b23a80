#include "app/core/stylizer.h"

#include <cstdlib>
#include <string>

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
    const char* env = std::getenv("PASTICHE_VK_FP32");
    if (env && std::string(env) == "1") return Precision::Fp32;
    return p;
}

// Auto picks a real GPU: the first discrete or integrated Vulkan device.
int pickRealGpu(std::string& why) {
    auto devices = listVulkanDevices();
    if (!devices) { why = devices.status().message(); return -1; }
    for (const auto& d : devices.value())
        if (d.type == "discrete" || d.type == "integrated") return d.index;
    why = devices.value().empty() ? "no Vulkan device" : "no hardware Vulkan device (only " + devices.value().front().name + ")";
    return -1;
}

Result<std::unique_ptr<TransferBackend>> makeBackend(const TransferNetwork& net, const StylizerOptions& o,
                                                     BackendKind kind, int device) {
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
        if (backend && notice_) notice_("Vulkan unavailable (" + why + "); using the CPU backend");
    } else if (backend && spec.choice == BackendSpec::Choice::Auto && kind == BackendKind::Cpu && notice_ && !why.empty()) {
        notice_("no GPU for Vulkan (" + why + "); using the CPU backend");
    }
    if (!backend) return backend.status();
    std::unique_ptr<TransferBackend> next = std::move(backend).value();
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
    if (!st && backend_->kind() == BackendKind::Vulkan) return fallBackToCpu("Vulkan error: " + st.message());
    return st;
}

Status Stylizer::stylize(const ConstImageView& input, const ImageView& output) {
    if (!haveStyle_) return Status::error("no style set");
    if (input.width != output.width || input.height != output.height)
        return Status::error("stylize: input and output sizes differ");
    PASTICHE_RETURN_IF_ERROR(ensureSize(input.width, input.height));
    Status st = backend_->run(input, output);
    if (!st && backend_->kind() == BackendKind::Vulkan) {
        PASTICHE_RETURN_IF_ERROR(fallBackToCpu("Vulkan error: " + st.message()));
        st = backend_->run(input, output);
    }
    return st;
}

Status Stylizer::ensureSize(int width, int height) {
    if (width == width_ && height == height_) return Status::ok();
    Status st = backend_->reshape(width, height);
    if (!st && backend_->kind() == BackendKind::Vulkan) {
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

Result<TrunkShape> Stylizer::trunkShapeFor(int width, int height) {
    PASTICHE_RETURN_IF_ERROR(ensureSize(width, height));
    if (!backend_->supportsTrunkBlending()) return Status::error(backend_->name() + " backend: no trunk blending");
    return backend_->trunkShape();
}

Status Stylizer::stylizeBlendingTrunk(const ConstImageView& input, const ImageView& output, const TrunkBlend& blend) {
    if (!haveStyle_) return Status::error("no style set");
    if (input.width != output.width || input.height != output.height)
        return Status::error("stylize: input and output sizes differ");
    PASTICHE_RETURN_IF_ERROR(ensureSize(input.width, input.height));
    return backend_->runBlendingTrunk(input, output, blend);
}

std::string Stylizer::description() const {
    const DeviceInfo d = backend_->device();
    if (backend_->kind() == BackendKind::Cpu)
        return "cpu (" + std::to_string(backend_->threads()) + " threads)";
    return "vulkan (" + d.name + ", " + (backend_->precision() == Precision::Fp16 ? "fp16" : "fp32") + ")";
}

}  // namespace pastiche
