#include "app/session/recorder.h"

#include <chrono>
#include <cmath>

#include "app/core/resample.h"

namespace pastiche::session {

namespace {

constexpr size_t kLiveQueue = 16;  // ~0.5 s at 30 fps: the encoder catches up after a hiccup
constexpr size_t kFileQueue = 4;
constexpr int64_t kDiscontinuityMicros = 2'000'000;

int64_t steadyNowNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Recorder::Recorder(RecorderOptions options) : options_(std::move(options)) {
    thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() { (void)close(); }

void Recorder::sourceStarted(const SourceInfo& info) {
    std::lock_guard lock(mutex_);
    if (info_) return;  // a recording keeps the first source's rate and audio
    info_ = info;
    fps_ = options_.fps > 0 ? options_.fps : (info.fps > 0 ? info.fps : 30.0);
}

bool Recorder::onFileClock() const { return info_ && info_->kind == SourceKind::VideoFile; }

int64_t Recorder::mediaTime(const SessionFrame& frame) const {
    // Video files: their own timeline, which their audio shares (a file that plays slower than
    // real time under load stays in sync). Cameras, images, the test pattern: when the frame
    // was captured, so the recording lasts as long as the user recorded.
    return onFileClock() || frame.captureNanos <= 0 ? frame.ptsMicros : frame.captureNanos / 1000;
}

void Recorder::consume(const SessionFrame& frame) {
    std::unique_lock lock(mutex_);
    if (closing_ || !error_.isOk()) return;
    if (options_.frames == RecordFrames::StylizedOnly && !frame.isStylized && lastMediaMicros_ < 0) return;
    if (options_.timing == RecordTiming::SourceTimestamps) {
        space_.wait(lock, [&] { return queue_.size() < kFileQueue || closing_ || !error_.isOk(); });
        if (closing_ || !error_.isOk()) return;
    } else if (queue_.size() >= kLiveQueue) {
        queue_.pop_front();  // the encoder fell behind: the slots repeat the newer frame instead
    }
    const int64_t media = mediaTime(frame);
    queue_.push_back({frame, media});
    lastMediaMicros_ = media;
    lastCaptureNanos_ = frame.captureNanos;
    lastArrivalNanos_ = steadyNowNanos();
    wake_.notify_all();
}

Status Recorder::close() {
    {
        std::lock_guard lock(mutex_);
        if (!closing_) {
            closing_ = true;
            // The recording lasts until now: the newest frame stays on screen until the stop. On
            // the capture clock "since" is since that frame's capture (the first frame's capture
            // is the start). On a file's clock it is since the frame arrived, as the first frame's
            // media time is that of the frame on screen at the start: the stylize latency then
            // counts at neither end, and the length is the time recorded.
            if (lastMediaMicros_ >= 0 && options_.timing == RecordTiming::ConstantRate) {
                const int64_t from = onFileClock() ? lastArrivalNanos_ : lastCaptureNanos_;
                const int64_t since = from > 0 ? (steadyNowNanos() - from) / 1000 : 0;
                closeMediaMicros_ = lastMediaMicros_ + std::max<int64_t>(0, since);
            }
        }
    }
    wake_.notify_all();
    space_.notify_all();
    if (thread_.joinable()) thread_.join();
    return error();
}

int64_t Recorder::framesWritten() const {
    std::lock_guard lock(mutex_);
    return written_;
}

Status Recorder::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

Status Recorder::ensureSink(const SessionFrame& first, int64_t sourcePts) {
    if (sink_) return Status::ok();
    VideoSinkOptions o;
    o.path = options_.path;
    o.width = first.stylized->width;
    o.height = first.stylized->height;
    {
        std::lock_guard lock(mutex_);
        o.fps = fps_;
        if (options_.carryAudio && info_ && info_->kind == SourceKind::VideoFile && info_->hasAudio) {
            o.audioFrom = info_->path;
            // Live: audio from the first recorded frame's moment of the file on (the file's own
            // time: a looping file's pts count its passes).
            o.audioFromMicros = options_.timing == RecordTiming::ConstantRate ? sourcePts - first.loopOffsetMicros : 0;
        }
    }
    o.timing = options_.timing == RecordTiming::ConstantRate ? FrameTiming::Constant : FrameTiming::Variable;
    o.crf = options_.crf;
    o.preset = options_.preset;
    o.pixFmt = options_.pixFmt;
    if (options_.timing == RecordTiming::ConstantRate) o.tune = "zerolatency";
    auto opened = openVideoSink(o);
    if (!opened) return opened.status();
    sink_ = std::move(opened).value();
    width_ = o.width;
    height_ = o.height;
    return Status::ok();
}

Status Recorder::writeSlot(const SessionFrame& frame, int64_t slot) {
    Frame f;
    const Image8& image = *frame.stylized;
    f.image = (image.width == width_ && image.height == height_) ? image : resampleImage(image, width_, height_);
    f.ptsMicros = options_.timing == RecordTiming::ConstantRate ? int64_t(std::llround(double(slot) * 1e6 / fps_))
                                                                : frame.ptsMicros;
    f.index = slot;
    f.captureNanos = frame.captureNanos;
    Status st = sink_->write(f);
    if (st) {
        std::lock_guard lock(mutex_);
        ++written_;
    }
    return st;
}

Status Recorder::writeConstantRate(const Item& item) {
    const int64_t frameMicros = int64_t(1e6 / fps_);
    int64_t m = item.mediaMicros + mediaOffset_;
    if (prevMedia_ >= 0 && (m < prevMedia_ || m > prevMedia_ + kDiscontinuityMicros)) {
        // A loop, a seek or a new clock: the recording's time goes on from where it was.
        mediaOffset_ += prevMedia_ + frameMicros - m;
        m = prevMedia_ + frameMicros;
    }
    prevMedia_ = m;
    const int64_t slot = int64_t(std::llround(double(m - firstMedia_) * fps_ / 1e6));
    if (!pending_) {
        pending_ = item.frame;
        nextSlot_ = std::max<int64_t>(0, slot);
        return Status::ok();
    }
    if (slot <= nextSlot_) {  // a newer frame for the same slot replaces the older one
        pending_ = item.frame;
        return Status::ok();
    }
    while (nextSlot_ < slot) PASTICHE_RETURN_IF_ERROR(writeSlot(*pending_, nextSlot_++));
    pending_ = item.frame;
    // A looping file's next pass (its pts went on, its offset grew): the file's sound starts again
    // where the pass does. A seek (the offset back to 0) is not followed: the sound goes on as it was.
    if (onFileClock() && item.frame.loopOffsetMicros > loopOffset_)
        PASTICHE_RETURN_IF_ERROR(sink_->restartAudio(item.frame.loopOffsetMicros + mediaOffset_ - firstMedia_));
    loopOffset_ = item.frame.loopOffsetMicros;
    return Status::ok();
}

void Recorder::run() {
    Status st;
    bool first = true;
    for (;;) {
        Item item;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return !queue_.empty() || closing_; });
            if (queue_.empty()) break;  // closing and drained
            item = std::move(queue_.front());
            queue_.pop_front();
            space_.notify_all();
        }
        if (!st) continue;  // after an error: drain, write nothing
        if (first) {
            first = false;
            st = ensureSink(item.frame, item.frame.ptsMicros);
            firstMedia_ = item.mediaMicros;
            loopOffset_ = item.frame.loopOffsetMicros;
        }
        if (st) {
            st = options_.timing == RecordTiming::ConstantRate ? writeConstantRate(item)
                                                               : writeSlot(item.frame, 0);
        }
        if (!st) {
            std::lock_guard lock(mutex_);
            error_ = st;
            space_.notify_all();
        }
    }
    if (st && sink_ && pending_) {
        int64_t endSlot = nextSlot_ + 1;
        int64_t closeMedia;
        {
            std::lock_guard lock(mutex_);
            closeMedia = closeMediaMicros_;
        }
        if (closeMedia >= 0)
            endSlot = std::max(endSlot, int64_t(std::llround(double(closeMedia + mediaOffset_ - firstMedia_) * fps_ / 1e6)));
        while (st && nextSlot_ < endSlot) st = writeSlot(*pending_, nextSlot_++);
    }
    if (sink_) {
        Status fin = sink_->finish();
        if (st) st = fin;
    } else if (st && first) {
        st = Status::error("no frames were recorded");
    }
    {
        std::lock_guard lock(mutex_);
        if (error_.isOk()) error_ = st;
    }
    if (options_.stopped && !stoppedReported_) {
        stoppedReported_ = true;
        options_.stopped(options_.path, framesWritten(), error());
    }
}

}  // namespace pastiche::session
