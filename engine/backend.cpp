#include "engine/backend.h"

#include <cstring>

namespace pastiche {

Status TransferBackend::submit(const ConstImageView& input, int slot) {
    if (slot < 0 || slot >= 64) return Status::error("submit: slot " + std::to_string(slot) + " out of range");
    if (parked_.size() <= size_t(slot)) parked_.resize(size_t(slot) + 1);
    ImageF& parked = parked_[size_t(slot)];
    if (parked.width != input.width || parked.height != input.height) parked = ImageF(input.width, input.height);
    return run(input, parked.view());
}

Status TransferBackend::collect(int slot, const ImageView& output) {
    if (slot < 0 || size_t(slot) >= parked_.size() || parked_[size_t(slot)].pixels.empty())
        return Status::error("collect: nothing submitted in slot " + std::to_string(slot));
    const ImageF& src = parked_[size_t(slot)];
    if (output.width != src.width || output.height != src.height)
        return Status::error("collect: output size differs from the submitted frame");
    for (int y = 0; y < src.height; ++y) {
        const float* s = src.pixels.data() + size_t(y) * src.width * 3;
        auto* row = static_cast<uint8_t*>(output.data) + size_t(y) * output.stride();
        if (output.format == PixelFormat::RgbF32) {
            std::memcpy(row, s, size_t(src.width) * 12);
        } else {
            for (int i = 0; i < src.width * 3; ++i) {
                float v = s[i] * 255.f + 0.5f;
                row[i] = static_cast<uint8_t>(v < 0.f ? 0.f : (v > 255.f ? 255.f : v));
            }
        }
    }
    return Status::ok();
}

#ifndef PASTICHE_WITH_VULKAN
Result<std::unique_ptr<TransferBackend>> createVulkanBackend(const TransferNetwork&, const BackendOptions&) {
    return Status::error("this build of Pastiche has no Vulkan backend");
}
Result<std::vector<DeviceInfo>> listVulkanDevices() {
    return Status::error("this build of Pastiche has no Vulkan backend");
}
#endif

}  // namespace pastiche
