// An independent consumer of the virtual camera: GStreamer's pipewiresrc (the same element OBS
// and many apps use), raw frames of a fixed format piped to this process, each frame's arrival
// time recorded. Keeps the first and the latest frame, not all of them.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/vcam/frame_layout.h"
#include "child_process.h"

namespace pastiche::test {

class FrameCapture {
public:
    ~FrameCapture() { stop(); }
    // gst-launch-1.0 pipewiresrc target-object=<node> ! video/x-raw,format=F,width=W,height=H ! fdsink
    bool start(const std::string& node, const vcam::FrameLayout& layout, const std::vector<std::string>& env,
               const std::string& logPath, std::string& why);
    void stop();
    bool waitForFrames(int count, double seconds);
    int frames() const { return frames_.load(); }
    std::vector<double> arrivals() const;  // seconds, steady clock, one per complete frame
    std::vector<uint8_t> latestFrame() const;
    std::vector<uint8_t> firstFrame() const;
    bool running() { return child_.running(); }

private:
    void readLoop();
    ChildProcess child_;
    vcam::FrameLayout layout_;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::vector<double> arrivals_;
    std::vector<uint8_t> first_, latest_;
    std::atomic<int> frames_{0};
};

// Empty when gst-launch-1.0 and the pipewiresrc element are there, else what to install.
std::string consumerToolsMissing();

// The GStreamer caps name of a format (same as PipeWire's).
std::string gstFormat(vcam::OutputFormat format);

}  // namespace pastiche::test
