#include "app/controllers/capture_thread.h"

#include <chrono>

namespace pastiche::controllers {

using Clock = std::chrono::steady_clock;

CaptureThread::CaptureThread(Callbacks callbacks) : callbacks_(std::move(callbacks)) {
    thread_ = std::thread([this] { run(); });
}

CaptureThread::~CaptureThread() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    frameReady_.notify_all();
    thread_.join();
}

void CaptureThread::open(const SourceSpec& spec) {
    {
        std::lock_guard lock(mutex_);
        pendingSpec_ = spec;
        pendingSeek_.reset();
    }
    wake_.notify_all();
}

void CaptureThread::setPaused(bool paused) {
    {
        std::lock_guard lock(mutex_);
        paused_ = paused;
    }
    wake_.notify_all();
}

void CaptureThread::seek(int64_t ptsMicros) {
    {
        std::lock_guard lock(mutex_);
        pendingSeek_ = ptsMicros;
    }
    wake_.notify_all();
}

std::shared_ptr<const Frame> CaptureThread::waitNewer(uint64_t& generation, int timeoutMs) {
    std::unique_lock lock(mutex_);
    frameReady_.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                         [&] { return stop_ || generation_ != generation; });
    generation = generation_;
    latestTaken_ = true;
    return latest_;
}

double CaptureThread::captureFps() const {
    std::lock_guard lock(mutex_);
    return fps_;
}

int64_t CaptureThread::droppedFrames() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::optional<SourceInfo> CaptureThread::info() const {
    std::lock_guard lock(mutex_);
    return info_;
}

void CaptureThread::publish(std::shared_ptr<Frame> frame) {
    {
        std::lock_guard lock(mutex_);
        if (!latestTaken_) ++dropped_;
        latest_ = std::move(frame);
        latestTaken_ = false;
        ++generation_;
    }
    frameReady_.notify_all();
}

void CaptureThread::run() {
    std::unique_ptr<FrameSource> source;
    SourceInfo info;
    bool ended = false;
    bool needBase = true;
    Clock::time_point base;
    int64_t basePts = 0;
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
            auto opened = openSource(*spec);
            if (!opened) {
                {
                    std::lock_guard lock(mutex_);
                    info_.reset();
                }
                if (callbacks_.failed) callbacks_.failed(opened.status().message());
                continue;
            }
            source = std::move(opened).value();
            info = source->info();
            {
                std::lock_guard lock(mutex_);
                info_ = info;
                dropped_ = 0;
                fps_ = 0;
            }
            needBase = true;
            fpsFrames = 0;
            fpsWindowStart = Clock::now();
            if (callbacks_.opened) callbacks_.opened(info);
        }
        if (seekTo && source) {
            Status st = source->seek(*seekTo);
            if (!st) {
                if (callbacks_.failed) callbacks_.failed(st.message());
            } else {
                ended = false;
                needBase = true;
            }
        }
        if (!source || ended) continue;
        if (paused && !seekTo) continue;  // a seek while paused shows the frame at the new position

        auto frame = std::make_shared<Frame>();
        const ReadStatus rs = source->read(*frame);
        if (rs == ReadStatus::EndOfStream) {
            ended = true;
            continue;
        }
        if (rs == ReadStatus::Error) {
            ended = true;
            if (callbacks_.failed) callbacks_.failed(source->lastError().message());
            continue;
        }
        // Generated and file sources read as fast as they can: play them at their own rate.
        if (!info.live && info.fps > 0) {
            const auto now = Clock::now();
            if (needBase) {
                base = now;
                basePts = frame->ptsMicros;
                needBase = false;
            }
            auto target = base + std::chrono::microseconds(frame->ptsMicros - basePts);
            if (target < now - std::chrono::milliseconds(500)) {  // fell far behind: start the clock again
                base = now;
                basePts = frame->ptsMicros;
            } else if (target > now) {
                std::unique_lock lock(mutex_);
                wake_.wait_until(lock, target, [&] { return stop_ || pendingSpec_ || pendingSeek_; });
            }
        }
        publish(std::move(frame));

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
            std::shared_ptr<const Frame> shown;
            {
                std::lock_guard lock(mutex_);
                shown = latest_;
            }
            if (shown) callbacks_.position(shown->ptsMicros);
        }
    }
}

}  // namespace pastiche::controllers
