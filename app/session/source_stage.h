// The session's source stage: one thread that opens the chosen source (camera, file, image, test
// pattern), reads frames and hands them to the stylize stage through a FrameChannel. Live mode
// plays files and generated sources at their own rate (cameras pace themselves) and keeps only
// the newest frame; file mode reads as fast as the stylize stage takes frames. Open, pause and
// seek are posted and applied on the thread.
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
#include "app/session/frame_channel.h"
#include "app/session/recycler.h"

namespace pastiche::session {

using SourceOpener = std::function<Result<std::unique_ptr<FrameSource>>(const SourceSpec&)>;

enum class PacingMode { RealTime, AsFastAsTaken };

class SourceStage {
public:
    struct Callbacks {
        std::function<void(const SourceInfo&, uint64_t epoch)> opened;
        std::function<void(const Status&)> failed;         // open or read error: the source stops
        std::function<void()> ended;                        // end of stream (files without loop)
        std::function<void(int64_t ptsMicros)> position;    // playback position, ~4 times a second
    };
    SourceStage(SourceOpener opener, PacingMode pacing, FrameChannel& channel, Callbacks callbacks);
    ~SourceStage();  // stops and joins
    SourceStage(const SourceStage&) = delete;
    SourceStage& operator=(const SourceStage&) = delete;

    void open(const SourceSpec& spec);  // replaces the current source (opened on the thread)
    void setPaused(bool paused);
    bool paused() const;
    bool ended() const;                 // the source delivered its last frame (or failed)
    void seek(int64_t ptsMicros);
    void stop();                        // no more frames; the channel is closed

    double captureFps() const;
    std::optional<SourceInfo> info() const;

private:
    void run();
    void paceFrame(const Frame& frame, bool& needBase);

    SourceOpener opener_;
    const PacingMode pacing_;
    FrameChannel& channel_;
    Callbacks callbacks_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<SourceSpec> pendingSpec_;
    std::optional<int64_t> pendingSeek_;
    bool paused_ = false, stop_ = false, ended_ = false;
    uint64_t epoch_ = 0;
    double fps_ = 0;
    std::optional<SourceInfo> info_;
    std::chrono::steady_clock::time_point base_;
    int64_t basePts_ = 0;
    // Frames come back when the stylize stage, the channel (a dropped frame) and the consumers
    // are done with them: a source refills one instead of allocating (and zeroing) a new one.
    Recycler<Frame> frames_{8};
    std::thread thread_;
};

}  // namespace pastiche::session
