// The v4l2loopback backend: negotiates an output format on /dev/videoN (YUYV first, which every
// calling app reads) and writes the newest frame at the output rate from its own thread.
#pragma once

#include <memory>

#include "app/vcam/frame_layout.h"
#include "app/vcam/v4l2_device.h"
#include "app/vcam/virtual_camera.h"

namespace pastiche::vcam {

struct LoopbackFormat {
    FrameLayout layout;
    size_t writeSize = 0;  // bytes per write(): the driver's sizeimage, at least layout.size
    uint32_t fourcc = 0;
};

// VIDIOC_QUERYCAP (must be a loopback device with its output side free), VIDIOC_S_FMT asking for
// YUYV at width x height (made even), then the driver's answer mapped to a layout we can fill.
Result<LoopbackFormat> negotiateLoopbackFormat(V4l2Device& device, int width, int height, double fps);

std::string fourccText(uint32_t fourcc);  // "YUYV"

// Opens options.devicePath (or the first loopback device found) and negotiates.
Result<std::unique_ptr<VirtualCamera>> openV4l2LoopbackCamera(const VirtualCameraOptions& options, NoticeCallback notice);
// The same on an already opened device (tests pass a fake one).
Result<std::unique_ptr<VirtualCamera>> openV4l2LoopbackCamera(std::unique_ptr<V4l2Device> device,
                                                              const VirtualCameraOptions& options, NoticeCallback notice);

}  // namespace pastiche::vcam
