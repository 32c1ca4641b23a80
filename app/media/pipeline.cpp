#include "app/media/pipeline.h"

#include <chrono>
#include <mutex>
#include <thread>

#include "app/media/bounded_queue.h"

namespace pastiche::media {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Same clock as Frame::captureNanos (steady_clock since its epoch).
int64_t steadyNowNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// First error wins; later ones are consequences.
class ErrorSlot {
public:
    void set(const Status& st) {
        std::lock_guard lock(mutex_);
        if (status_.isOk()) status_ = st;
    }
    Status get() const {
        std::lock_guard lock(mutex_);
        return status_;
    }

private:
    mutable std::mutex mutex_;
    Status status_;
};

}  // namespace

PipelineResult runPipeline(FrameSource& source, const StylizeFunction& stylize, const PipelineOptions& options) {
    const bool live = options.mode == PipelineMode::Live;
    const bool paced = live && !source.info().live;
    BoundedQueue<Frame> captured(live ? 1 : options.queueDepth, live ? QueuePolicy::LatestWins : QueuePolicy::Block);
    BoundedQueue<Frame> stylized(live ? 2 : options.queueDepth, QueuePolicy::Block);
    ErrorSlot error;
    std::atomic<bool> halt{false};  // set on errors downstream: upstream stops producing
    std::atomic<int64_t> framesIn{0};
    const auto t0 = Clock::now();
    auto stopRequested = [&] {
        return halt.load() || (options.stop && options.stop->load()) ||
               (options.maxSeconds >= 0 && secondsSince(t0) >= options.maxSeconds);
    };

    std::thread capture([&] {
        int64_t firstPts = 0;
        while (!stopRequested() && (options.maxFrames < 0 || framesIn.load() < options.maxFrames)) {
            Frame frame;
            ReadStatus rs = source.read(frame);
            if (rs == ReadStatus::EndOfStream) break;
            if (rs == ReadStatus::Error) {
                error.set(source.lastError());
                break;
            }
            if (paced) {  // play files and generated sources in real time, as a camera would
                if (framesIn.load() == 0) firstPts = frame.ptsMicros;
                auto due = t0 + std::chrono::microseconds(frame.ptsMicros - firstPts);
                while (Clock::now() < due && !stopRequested())
                    std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(20)));
            }
            ++framesIn;
            if (!captured.push(std::move(frame))) break;
        }
        captured.close();
    });

    std::mutex statsMutex;  // stylize timings, read by the sink thread for progress
    double stylizeMsTotal = 0, stylizeMsLast = 0;
    int64_t stylizedCount = 0;
    std::thread worker([&] {
        while (auto in = captured.pop()) {
            if (halt.load()) break;
            Frame out;
            out.ptsMicros = in->ptsMicros;
            out.index = in->index;
            out.captureNanos = in->captureNanos;
            auto s0 = Clock::now();
            Status st = stylize(*in, out);
            double ms = secondsSince(s0) * 1e3;
            if (!st) {
                error.set(st.withContext("stylizing frame " + std::to_string(in->index)));
                halt = true;
                break;
            }
            out.ptsMicros = in->ptsMicros;
            out.index = in->index;
            out.captureNanos = in->captureNanos;
            {
                std::lock_guard lock(statsMutex);
                stylizeMsTotal += ms;
                stylizeMsLast = ms;
                ++stylizedCount;
            }
            if (!stylized.push(std::move(out))) break;
        }
        captured.abort();  // unblocks the capture thread if we stopped early
        stylized.close();
    });

    PipelineStats stats;
    stats.expectedFrames = source.info().frameCount;
    auto fillStats = [&] {
        stats.framesIn = framesIn.load();
        stats.dropped = captured.dropped();
        stats.elapsedSeconds = secondsSince(t0);
        if (stats.elapsedSeconds > 0) {
            stats.captureFps = stats.framesIn / stats.elapsedSeconds;
            stats.outputFps = stats.framesOut / stats.elapsedSeconds;
        }
        std::lock_guard lock(statsMutex);
        stats.stylizeMsAvg = stylizedCount ? stylizeMsTotal / stylizedCount : 0;
        stats.stylizeMsLast = stylizeMsLast;
    };

    // The sink stage runs on the calling thread.
    double latencyMsTotal = 0;
    while (auto out = stylized.pop()) {
        if (options.sink) {
            Status st = options.sink->write(*out);
            if (!st) {
                error.set(st);
                halt = true;
                stylized.abort();
                captured.abort();
                break;
            }
        }
        if (options.onFrame) options.onFrame(*out);
        ++stats.framesOut;
        if (out->captureNanos > 0) latencyMsTotal += (steadyNowNanos() - out->captureNanos) * 1e-6;
        stats.latencyMsAvg = latencyMsTotal / double(stats.framesOut);
        if (options.onProgress) {
            fillStats();
            options.onProgress(stats);
        }
    }
    worker.join();
    capture.join();
    if (options.sink) {
        Status st = options.sink->finish();
        if (!st) error.set(st);
    }
    fillStats();
    return {stats, error.get()};
}

}  // namespace pastiche::media
