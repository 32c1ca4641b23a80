// The virtual camera: a session consumer that offers the stylized frames to other programs, as a
// PipeWire Video/Source node (browsers' camera portal, OBS, GStreamer) or through a v4l2loopback
// device (Zoom, older apps). consume() only keeps the newest frame; the camera's own thread sends
// frames at a steady rate, repeating the last one on time when stylization is slower, and before
// the first frame sends black.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "app/core/stylizer.h"  // NoticeCallback
#include "app/session/frame_consumer.h"
#include "engine/status.h"

namespace pastiche::vcam {

enum class VirtualCameraBackend { PipeWire, V4l2Loopback };

// Which session frames go out. StylizedOnly (the default) never shows the raw camera to a call:
// until the style is ready, and when a frame fails to stylize, the camera keeps black or the
// last stylized frame.
enum class VirtualCameraFrames { StylizedOnly, Any };

struct VirtualCameraOptions {
    VirtualCameraBackend backend = VirtualCameraBackend::PipeWire;
    std::string devicePath;  // v4l2loopback: /dev/videoN; empty = the first loopback device found
    // Output size; 0 = the first frame's size. Rounded down to even (YUV formats need it). Frames
    // of another size or aspect are scaled to fit, with black bars.
    int width = 1280, height = 720;
    double fps = 30;
    VirtualCameraFrames frames = VirtualCameraFrames::StylizedOnly;
    std::string nodeName = "Pastiche";         // PipeWire node.name (what target-object matches)
    std::string description = "Pastiche";      // node.description / v4l2 card label shown in apps
};

// The CLI's text: "pipewire" | "v4l2" | "v4l2:/dev/videoN". Keeps base's other fields.
Result<VirtualCameraOptions> parseVirtualCameraOptions(const std::string& text, VirtualCameraOptions base = {});

class VirtualCamera : public session::FrameConsumer {
public:
    void consume(const session::SessionFrame& frame) override;
    // Programs reading the camera now; -1 when the backend cannot tell (v4l2loopback).
    virtual int consumers() const = 0;
    // "PipeWire node 'Pastiche' 1280x720@30 YUY2, 1 consumer"
    virtual std::string describe() const = 0;
    int64_t framesReceived() const { return framesReceived_.load(); }
    int64_t framesSent() const { return framesSent_.load(); }
    // Output ticks that sent nothing: the camera's thread woke too late, or the consumer still
    // held every buffer.
    int64_t ticksMissed() const { return ticksMissed_.load(); }

protected:
    explicit VirtualCamera(VirtualCameraOptions options, NoticeCallback notice);
    std::shared_ptr<const Image8> newestFrame() const;
    // Called once, on the first frame, when the options left the size to the frame (width 0).
    virtual void firstFrameSize(int width, int height) {}
    void notice(const std::string& message) const;

    const VirtualCameraOptions options_;
    std::atomic<int64_t> framesSent_{0};
    std::atomic<int64_t> ticksMissed_{0};

private:
    NoticeCallback notice_;
    mutable std::mutex mutex_;
    std::shared_ptr<const Image8> newest_;
    std::atomic<int64_t> framesReceived_{0};
};

// The output size for a frame of this size under these options (even, at least 2x2).
void outputSize(const VirtualCameraOptions& options, int frameWidth, int frameHeight, int& width, int& height);

// Opens the chosen backend: connects to PipeWire and publishes the node, or opens and negotiates
// the loopback device. notice is called from the camera's own thread (consumer changes, write
// errors, the daemon going away) and must be thread-safe.
Result<std::unique_ptr<VirtualCamera>> openVirtualCamera(const VirtualCameraOptions& options, NoticeCallback notice);

}  // namespace pastiche::vcam
