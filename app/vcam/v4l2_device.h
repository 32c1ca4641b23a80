// The few V4L2 calls the loopback writer makes, behind an interface so that format negotiation
// and frame writes can be tested against a fake where no v4l2loopback module is loaded.
#pragma once

#include <linux/videodev2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/status.h"

namespace pastiche::vcam {

class V4l2Device {
public:
    virtual ~V4l2Device() = default;
    virtual const std::string& path() const = 0;
    virtual Status queryCapability(v4l2_capability& cap) = 0;
    virtual Status setFormat(v4l2_format& format) = 0;     // VIDIOC_S_FMT; the driver may adjust it
    virtual Status setFrameRate(v4l2_streamparm& parm) = 0;  // VIDIOC_S_PARM (best effort)
    virtual Status writeFrame(const uint8_t* data, size_t size) = 0;
};

// Opens /dev/videoN for writing.
Result<std::unique_ptr<V4l2Device>> openV4l2Device(const std::string& path);

// True when the capability block is v4l2loopback's.
bool isLoopback(const v4l2_capability& cap);

// The first v4l2loopback device under devDir (video0, video1, ... in number order). When there is
// none, the error says how to create one (the modprobe line).
Result<std::string> findLoopbackDevice(const std::string& devDir = "/dev");

// The one-time setup line, quoted in errors and docs.
inline constexpr const char* kLoopbackSetupHint =
    "sudo modprobe v4l2loopback exclusive_caps=1 card_label=Pastiche";

}  // namespace pastiche::vcam
