#include "app/session/source_stage.h"

#include <chrono>

#include <pthread.h>

namespace pastiche::session {

using Clock = std::chrono::steady_clock;

SourceStage::SourceStage(SourceOpener opener, PacingMode pacing, FrameChannel& channel, Callbacks callbacks)
    : opener_(std::move(opener)), pacing_(pacing), channel_(channel), callbacks_(std::move(callbacks)) {
    thread_ = std::thread([this] { run(); });
}

SourceStage::~SourceStage() {
    stop();
    channel_.abort();  // unblocks a push waiting for room
    thread_.join();
}

void SourceStage::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
}

void SourceStage::open(const SourceSpec& spec) {
    {
        std::lock_guard lock(mutex_);
        pendingSpec_ = spec;
        pendingSeek_.reset();
        paused_ = false;  // a new source plays, whatever the pause state of the previous one
    }
    wake_.notify_all();
}

void SourceStage::setPaused(bool paused) {
    {
        std::lock_guard lock(mutex_);
        paused_ = paused;
    }
    wake_.notify_all();
}

bool SourceStage::paused() const {
    std::lock_guard lock(mutex_);
    return paused_;
}

bool SourceStage::ended() const {
    std::lock_guard lock(mutex_);
    return ended_;
}

void SourceStage::seek(int64_t ptsMicros) {
    {
        std::lock_guard lock(mutex_);
        pendingSeek_ = ptsMicros;
    }
    wake_.notify_all();
}

double SourceStage::captureFps() const {
    std::lock_guard lock(mutex_);
    return fps_;
}

std::optional<SourceInfo> SourceStage::info() const {
    std::lock_guard lock(mutex_);
    return info_;
}

// Files and generated sources read as fast as they can: in real time they play at their own
// rate, with the clock restarted after a pause, a seek or a fall far behind.
void SourceStage::paceFrame(const Frame& frame, bool& needBase) {
    const auto now = Clock::now();
    if (needBase) {
        base_ = now;
        basePts_ = frame.ptsMicros;
        needBase = false;
        return;
    }
    const auto target = base_ + std::chrono::microseconds(frame.ptsMicros - basePts_);
    if (target < now - std::chrono::milliseconds(500) || frame.ptsMicros < basePts_) {
        base_ = now;
        basePts_ = frame.ptsMicros;
    } else if (target > now) {
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, target, [&] { return stop_ || pendingSpec_ || pendingSeek_; });
    }
}

void SourceStage::run() {
    pthread_setname_np(pthread_self(), "session-source");  // for perf, top and the session bench
    std::unique_ptr<FrameSource> source;
    SourceInfo info;
    bool ended = false, needBase = true;
    uint64_t epoch = 0, segment = 0;
    Clock::time_point fpsWindowStart = Clock::now(), lastPositionReport;
    int fpsFrames = 0;

    for (;;) {
        std::optional<SourceSpec> spec;
        std::optional<int64_t> seekTo;
        bool paused = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || pendingSpec_ || pendingSeek_ || (source && !ended && !paused_); });
            if (stop_) break;
            spec.swap(pendingSpec_);
            seekTo.swap(pendingSeek_);
            paused = paused_;
        }
        if (spec) {
            source.reset();
            ended = false;
            channel_.clear();
            channel_.reopen();
            auto opened = opener_(*spec);
            if (!opened) {
                {
                    std::lock_guard lock(mutex_);
                    info_.reset();
                }
                if (callbacks_.failed) callbacks_.failed(opened.status());
                continue;
            }
            source = std::move(opened).value();
            info = source->info();
            {
                std::lock_guard lock(mutex_);
                info_ = info;
                fps_ = 0;
                epoch = ++epoch_;
            }
            channel_.resetDropped();
            needBase = true;
            fpsFrames = 0;
            fpsWindowStart = Clock::now();
            if (callbacks_.opened) callbacks_.opened(info, epoch);
        }
        if (seekTo && source) {
            Status st = source->seek(*seekTo);
            if (!st) {
                if (callbacks_.failed) callbacks_.failed(st);
            } else {
                ended = false;
                needBase = true;
                channel_.clear();  // frames from before the seek are stale
                ++segment;
            }
        }
        if (!ended) {
            std::lock_guard lock(mutex_);
            ended_ = false;
        }
        if (!source || ended) continue;
        if (paused && !seekTo) continue;  // a seek while paused shows the frame at the new position

        std::shared_ptr<Frame> frame = frames_.acquire();  // sources overwrite every field
        const ReadStatus rs = source->read(*frame);
        if (rs != ReadStatus::Frame) {
            ended = true;
            {
                std::lock_guard lock(mutex_);
                ended_ = true;
            }
            if (rs == ReadStatus::Error && callbacks_.failed) callbacks_.failed(source->lastError());
            channel_.close();
            if (rs == ReadStatus::EndOfStream && callbacks_.ended) callbacks_.ended();
            continue;
        }
        if (pacing_ == PacingMode::RealTime && !info.live && info.fps > 0) {
            paceFrame(*frame, needBase);
            // Played in real time, a frame is "captured" when it is due, as a camera's would be.
            frame->captureNanos =
                std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
        }
        {
            std::lock_guard lock(mutex_);
            if (stop_) break;
            if (pendingSpec_) continue;  // superseded while waiting
        }
        const int64_t pts = frame->ptsMicros;
        if (!channel_.push({std::move(frame), epoch, segment})) break;

        ++fpsFrames;
        const auto now = Clock::now();
        const double window = std::chrono::duration<double>(now - fpsWindowStart).count();
        if (window >= 1.0) {
            std::lock_guard lock(mutex_);
            fps_ = fpsFrames / window;
            fpsFrames = 0;
            fpsWindowStart = now;
        }
        if (callbacks_.position && now - lastPositionReport > std::chrono::milliseconds(250)) {
            lastPositionReport = now;
            // Looping files keep their timestamps increasing; the position is a point of the clip.
            callbacks_.position(info.durationMicros > 0 && pts >= info.durationMicros ? pts % info.durationMicros : pts);
        }
    }
    channel_.close();
}

}  // namespace pastiche::session
