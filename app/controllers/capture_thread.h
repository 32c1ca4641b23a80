// The capture stage of the GUI session: one thread that opens the chosen source, reads frames,
// paces generated and file sources by their timestamps (cameras pace themselves), and keeps only
// the newest frame for the stylize thread (live mode: latest wins, replaced frames are counted).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/media/frame_source.h"

namespace pastiche::controllers {

class CaptureThread {
public:
    struct Callbacks {
        std::function<void(const SourceInfo&)> opened;
        std::function<void(const std::string&)> failed;   // open or read error (source stops)
        std::function<void(int64_t ptsMicros)> position;  // playback position, ~4 times a second
    };
    explicit CaptureThread(Callbacks callbacks);
    ~CaptureThread();  // stops and joins
    CaptureThread(const CaptureThread&) = delete;
    CaptureThread& operator=(const CaptureThread&) = delete;

    void open(const SourceSpec& spec);  // replaces the current source (opened on the thread)
    void setPaused(bool paused);
    void seek(int64_t ptsMicros);

    // Waits up to timeoutMs for a frame newer than generation; returns the newest frame (may be
    // the same as before on timeout) and updates generation. Marks it taken.
    std::shared_ptr<const Frame> waitNewer(uint64_t& generation, int timeoutMs);
    double captureFps() const;
    int64_t droppedFrames() const;
    std::optional<SourceInfo> info() const;

private:
    void run();
    void publish(std::shared_ptr<Frame> frame);

    Callbacks callbacks_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;       // the capture thread: new spec, unpause, seek, stop
    std::condition_variable frameReady_; // the stylize thread: a new frame
    std::optional<SourceSpec> pendingSpec_;
    std::optional<int64_t> pendingSeek_;
    bool paused_ = false, stop_ = false;
    std::shared_ptr<const Frame> latest_;
    uint64_t generation_ = 0;
    bool latestTaken_ = true;
    int64_t dropped_ = 0;
    double fps_ = 0;
    std::optional<SourceInfo> info_;
    std::thread thread_;
};

}  // namespace pastiche::controllers
