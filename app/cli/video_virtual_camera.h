// `live --virtual-camera pipewire|v4l2[:/dev/videoN]`: the options and opening the camera, kept
// out of video_commands.cpp so that live only adds a consumer.
#pragma once

#include <memory>
#include <string>

#include "app/vcam/virtual_camera.h"

namespace CLI {
class App;
}

namespace pastiche::cli {

struct VirtualCameraArgs {
    std::string spec;               // empty: off
    std::string size = "1280x720";  // WxH | native (the stylized frame's size)
    double fps = 30;
};

void addVirtualCameraOptions(CLI::App& live, VirtualCameraArgs& args);
// nullptr when args.spec is empty.
Result<std::shared_ptr<vcam::VirtualCamera>> openVirtualCameraFromArgs(const VirtualCameraArgs& args, NoticeCallback notice);

}  // namespace pastiche::cli
