#include "app/vcam/virtual_camera.h"

#include <algorithm>

#include "app/vcam/pipewire_camera.h"
#include "app/vcam/v4l2_loopback_camera.h"

namespace pastiche::vcam {

Result<VirtualCameraOptions> parseVirtualCameraOptions(const std::string& text, VirtualCameraOptions base) {
    if (text == "pipewire") {
        base.backend = VirtualCameraBackend::PipeWire;
        base.devicePath.clear();
        return base;
    }
    if (text == "v4l2" || text.rfind("v4l2:", 0) == 0) {
        base.backend = VirtualCameraBackend::V4l2Loopback;
        base.devicePath = text.size() > 5 ? text.substr(5) : "";
        if (text.size() > 4 && base.devicePath.empty())
            return Status::error("virtual camera '" + text + "': v4l2: needs a device path, e.g. v4l2:/dev/video10");
        return base;
    }
    return Status::error("virtual camera '" + text + "': expected pipewire, v4l2 or v4l2:/dev/videoN");
}

void outputSize(const VirtualCameraOptions& options, int frameWidth, int frameHeight, int& width, int& height) {
    width = options.width > 0 ? options.width : frameWidth;
    height = options.height > 0 ? options.height : frameHeight;
    width = std::max(2, width & ~1);
    height = std::max(2, height & ~1);
}

VirtualCamera::VirtualCamera(VirtualCameraOptions options, NoticeCallback notice)
    : options_(std::move(options)), notice_(std::move(notice)) {}

void VirtualCamera::consume(const session::SessionFrame& frame) {
    if (!frame.stylized || frame.stylized->empty()) return;
    if (options_.frames == VirtualCameraFrames::StylizedOnly && !frame.isStylized) return;
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        first = !newest_;
        newest_ = frame.stylized;
    }
    framesReceived_.fetch_add(1);
    if (first && (options_.width <= 0 || options_.height <= 0))
        firstFrameSize(frame.stylized->width, frame.stylized->height);
}

std::shared_ptr<const Image8> VirtualCamera::newestFrame() const {
    std::lock_guard lock(mutex_);
    return newest_;
}

void VirtualCamera::notice(const std::string& message) const {
    if (notice_) notice_(message);
}

Result<std::unique_ptr<VirtualCamera>> openVirtualCamera(const VirtualCameraOptions& options, NoticeCallback notice) {
    if (!(options.fps > 0 && options.fps <= 240))
        return Status::error("virtual camera: frame rate must be in (0, 240], got " + std::to_string(options.fps));
    if (options.width < 0 || options.height < 0 || options.width > 7680 || options.height > 4320)
        return Status::error("virtual camera: size " + std::to_string(options.width) + "x" +
                             std::to_string(options.height) + " is out of range");
    if (options.backend == VirtualCameraBackend::PipeWire) {
        auto camera = openPipeWireCamera(options, std::move(notice));
        if (!camera) return camera.status();
        return std::unique_ptr<VirtualCamera>(std::move(camera).value());
    }
    auto camera = openV4l2LoopbackCamera(options, std::move(notice));
    if (!camera) return camera.status();
    return std::unique_ptr<VirtualCamera>(std::move(camera).value());
}

}  // namespace pastiche::vcam
