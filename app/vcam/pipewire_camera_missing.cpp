// Built instead of pipewire_camera.cpp when libpipewire-0.3 was not found at configure time.
#include "app/vcam/pipewire_camera.h"

namespace pastiche::vcam {

Result<std::unique_ptr<VirtualCamera>> openPipeWireCamera(const VirtualCameraOptions&, NoticeCallback) {
    return Status::error("virtual camera: this build has no PipeWire support (libpipewire-0.3-dev was missing when "
                         "it was configured); use --virtual-camera v4l2 or rebuild with libpipewire-0.3-dev");
}

}  // namespace pastiche::vcam
