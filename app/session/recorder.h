// The session's recorder: a consumer that encodes finished frames to MP4 on its own thread.
// Live recordings are constant-rate at the source's rate: each slot of 1/fps shows the newest
// frame captured by then (frames repeated while stylization is slower, dropped when faster),
// timed by the source's clock (presentation time for files and generated sources, capture time
// for cameras), with the source file's audio from the first recorded frame on. File jobs keep
// every frame with its own timestamp. The MP4 is fragmented about every second, so a crash
// loses at most the last ~2 s.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/media/frame_sink.h"
#include "app/session/frame_consumer.h"

namespace pastiche::session {

enum class RecordTiming {
    ConstantRate,      // live: 1/fps slots, repeat or drop by the source's clock
    SourceTimestamps,  // file job: every frame, its own timestamp, back-pressure on the session
};

enum class RecordFrames {
    All,           // whatever the session shows (the app: the original until a style is ready)
    StylizedOnly,  // from the first stylized frame on (`live --record`: the model may still load)
};

struct RecorderOptions {
    std::string path;
    double fps = 0;                  // 0: the source's rate (30 if it has none)
    RecordTiming timing = RecordTiming::ConstantRate;
    int crf = 20;
    std::string preset = "veryfast";
    std::string pixFmt = "yuv420p";
    bool carryAudio = true;          // the source file's audio, when it has any
    RecordFrames frames = RecordFrames::All;
    std::function<void(const std::string& path, int64_t frames, const Status&)> stopped;  // once, at close
};

class Recorder final : public FrameConsumer {
public:
    explicit Recorder(RecorderOptions options);
    ~Recorder() override;

    void sourceStarted(const SourceInfo& info) override;  // must come before the first frame
    void consume(const SessionFrame& frame) override;
    Status close() override;   // fills the slots up to now, finishes the file, joins

    int64_t framesWritten() const;
    const std::string& path() const { return options_.path; }
    Status error() const;

private:
    struct Item {
        SessionFrame frame;
        int64_t mediaMicros = 0;  // on the source's clock
    };
    void run();
    Status ensureSink(const SessionFrame& first, int64_t sourcePts);
    Status writeSlot(const SessionFrame& frame, int64_t slot);
    Status writeConstantRate(const Item& item);
    int64_t mediaTime(const SessionFrame& frame) const;
    bool onFileClock() const;  // a video file's own timeline (its audio's), not the capture clock

    RecorderOptions options_;
    std::optional<SourceInfo> info_;
    double fps_ = 30;

    mutable std::mutex mutex_;
    std::condition_variable wake_, space_;
    std::deque<Item> queue_;
    bool closing_ = false;
    int64_t closeMediaMicros_ = -1;
    int64_t lastMediaMicros_ = -1, lastCaptureNanos_ = 0, lastArrivalNanos_ = 0;
    Status error_;
    int64_t written_ = 0;

    // Recorder thread only.
    std::unique_ptr<VideoSink> sink_;
    int width_ = 0, height_ = 0;
    int64_t firstMedia_ = 0, mediaOffset_ = 0, prevMedia_ = -1;
    int64_t loopOffset_ = 0;  // the loop offset of the last frame (a looping file's pass)
    int64_t nextSlot_ = 0;
    std::optional<SessionFrame> pending_;
    bool stoppedReported_ = false;
    std::thread thread_;
};

}  // namespace pastiche::session
