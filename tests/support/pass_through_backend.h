// A TransferBackend that runs no network: the session's own work per frame, measured or tested
// without a GPU. Instant leaves the output as it was (the session bench's ceiling: nothing but
// the session's work); Copy returns the input (tests can follow every frame through the session);
// Staged returns it through a staging buffer per slot, as the Vulkan backend's host side does
// (submit copies the frame in, collect copies it out): its host work without the GPU's.
// Pipelined like the Vulkan backend (3 frames in flight), so the session takes the same path.
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace pastiche::test {

class PassThroughBackend final : public TransferBackend {
public:
    enum class Pixels { Instant, Copy, Staged };
    explicit PassThroughBackend(Pixels pixels) : pixels_(pixels) {}

    static Result<std::unique_ptr<TransferBackend>> make(Pixels pixels) {
        return std::unique_ptr<TransferBackend>(new PassThroughBackend(pixels));
    }

    BackendKind kind() const override { return BackendKind::Cpu; }
    std::string name() const override {
        return pixels_ == Pixels::Instant ? "instant" : pixels_ == Pixels::Copy ? "pass-through" : "staged";
    }
    DeviceInfo device() const override { return {0, name(), "cpu", "", 0, false, ""}; }
    bool supports(const TransferNetwork&) const override { return true; }
    Status reshape(int width, int height) override {
        width_ = width;
        height_ = height;
        return Status::ok();
    }
    Status setStyle(const StyleVector&) override { return Status::ok(); }
    Status run(const ConstImageView& input, const ImageView& output) override {
        if (input.width != width_ || input.height != height_ || output.width != width_ || output.height != height_)
            return Status::error(name() + " backend: frame size differs from the reshape() size");
        if (pixels_ != Pixels::Instant) copy(input, output);
        return Status::ok();
    }

    int framesInFlight() const override { return kSlots; }
    Status submit(const ConstImageView& input, int slot) override {
        if (slot < 0 || slot >= kSlots) return Status::error("submit: bad slot");
        submitted_[slot] = input;
        if (pixels_ != Pixels::Staged) return Status::ok();
        Image8& staging = staging_[slot];
        if (staging.width != width_ || staging.height != height_) staging = Image8(width_, height_);
        copy(input, staging.view());
        submitted_[slot] = staging.view();
        return Status::ok();
    }
    // Instant and Copy read the input at collect(): the session keeps it alive until then.
    Status collect(int slot, const ImageView& output) override {
        if (slot < 0 || slot >= kSlots || !submitted_[slot].data) return Status::error("collect: nothing submitted");
        Status st = run(submitted_[slot], output);
        submitted_[slot] = {};
        return st;
    }

private:
    static constexpr int kSlots = 3;
    static void copy(const ConstImageView& in, const ImageView& out) {
        const size_t row = size_t(in.width) * bytesPerPixel(in.format);
        for (int y = 0; y < in.height; ++y)
            std::memcpy(static_cast<uint8_t*>(out.data) + y * out.stride(),
                        static_cast<const uint8_t*>(in.data) + y * in.stride(), row);
    }
    const Pixels pixels_;
    int width_ = 0, height_ = 0;
    ConstImageView submitted_[kSlots];
    Image8 staging_[kSlots];
};

}  // namespace pastiche::test
