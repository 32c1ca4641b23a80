#include "app/cli/video_virtual_camera.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace pastiche::cli {

void addVirtualCameraOptions(CLI::App& live, VirtualCameraArgs& args) {
    live.add_option("--virtual-camera", args.spec,
                    "Also offer the stylized video as a camera: pipewire (a PipeWire node 'Pastiche') | v4l2 (the "
                    "first v4l2loopback device) | v4l2:/dev/videoN");
    live.add_option("--virtual-camera-size", args.size, "Virtual camera size WxH | native (default 1280x720)");
    live.add_option("--virtual-camera-fps", args.fps, "Virtual camera frame rate (default 30)");
}

Result<std::shared_ptr<vcam::VirtualCamera>> openVirtualCameraFromArgs(const VirtualCameraArgs& args, NoticeCallback notice) {
    if (args.spec.empty()) return std::shared_ptr<vcam::VirtualCamera>();
    vcam::VirtualCameraOptions base;
    if (args.size == "native") {
        base.width = base.height = 0;
    } else if (std::sscanf(args.size.c_str(), "%dx%d", &base.width, &base.height) != 2 || base.width < 2 ||
               base.height < 2) {
        return Status::error("bad --virtual-camera-size '" + args.size + "': use WxH or native");
    }
    base.fps = args.fps;
    auto options = vcam::parseVirtualCameraOptions(args.spec, base);
    if (!options) return options.status();
    auto camera = vcam::openVirtualCamera(options.value(), std::move(notice));
    if (!camera) return camera.status();
    return std::shared_ptr<vcam::VirtualCamera>(std::move(camera).value());
}

}  // namespace pastiche::cli
