// The PipeWire backend: a Video/Source node ("Pastiche") that browsers, OBS and GStreamer list
// as a camera. Built only when libpipewire-0.3 is found; otherwise opening it says so.
#pragma once

#include <memory>

#include "app/vcam/virtual_camera.h"

namespace pastiche::vcam {

Result<std::unique_ptr<VirtualCamera>> openPipeWireCamera(const VirtualCameraOptions& options, NoticeCallback notice);

}  // namespace pastiche::vcam
