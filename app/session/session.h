// The session engine: what `pastiche live`, `pastiche stylize` of a video and the desktop app all
// run. A source stage (camera, file, image, test pattern) feeds the stylize stage through a
// latest-wins slot (live) or a bounded queue (file); the stylize stage drives the Stylizer with
// its frames in flight (submit/collect: on Vulkan, upload, compute and download of different
// frames overlap) and fans each finished frame out to the consumers (preview, recorder, stills,
// virtual camera). Controls are posted from any thread and applied between frames; events come
// back through callbacks, on the session's threads. No Qt: the app wraps it in a thin adapter.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/session/frame_channel.h"
#include "app/session/frame_consumer.h"
#include "app/session/session_types.h"
#include "app/session/source_stage.h"
#include "app/session/still_saver.h"

namespace pastiche::session {

struct RecorderOptions;  // recorder.h

class Session {
public:
    Session(SessionOptions options, SessionCallbacks callbacks);
    ~Session();  // stops the stages, closes every consumer (a recording is finished)
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Loads the model and starts the backend now (else on the first frame); false with a notice.
    Status prepareEngine();

    void openSource(const SourceSpec& spec);
    void setPaused(bool paused);
    void seek(int64_t ptsMicros);

    Controls controls() const;
    void setControls(const Controls& controls);
    void changeControls(const std::function<void(Controls&)>& change);

    void addConsumer(const std::shared_ptr<FrameConsumer>& consumer);
    Status removeConsumer(const std::shared_ptr<FrameConsumer>& consumer);  // closes it

    // Recording through the session's one recorder; the result comes through recordingStopped
    // (stopRecording returns at once; the file is finished in the background).
    void startRecording(RecorderOptions options);
    void stopRecording();
    bool recording() const;
    void waitForRecordings();  // until every stopped recording is finished

    // The next finished frame (or, for FullSource, the current source frame stylized at the
    // source's own size) is saved in the background under a unique name.
    void captureStill(const std::string& path, StillSize size);

    // File mode: blocks until the source ended (or failed, or stop()), then closes the consumers.
    // Returns the first error.
    Status waitUntilEnded();
    void stop();  // ends the session early (live: the caller's --seconds; file: cancel)

    SessionStats stats() const;
    std::optional<SourceInfo> sourceInfo() const;

private:
    struct InFlight {
        SourceItem item;
        std::shared_ptr<const Image8> input;   // at processing size, mirrored (may be the source's)
        int slot = 0;
        std::chrono::steady_clock::time_point submitted;
    };
    struct Engine;
    void stylizeLoop();
    bool applyControls(const Controls& c);
    void drain();
    void prepareAndSubmit(const SourceItem& item);
    void collectOldest();
    void finishFrame(const InFlight& job, std::shared_ptr<const Image8> stylized, bool ok);
    std::shared_ptr<const Image8> finishOutput(const InFlight& job, std::shared_ptr<const Image8> stylized, int ow,
                                               int oh);
    void stylizeStable(InFlight& job);
    bool sourceIsStillImage() const;
    std::shared_ptr<Image8> acquireOutput(int width, int height);
    void fanOut(const SessionFrame& frame);
    void handleFullSourceStills(const SourceItem& item);
    void pollBackendSwitch(const Controls& c);
    void startBackendSwitch(const BackendSpec& spec);
    void notify(const std::string& message);
    void ensureEngine();
    void updateMix(const SourceItem& item, const Image8& input);
    void reportError(const Status& st);
    std::vector<std::shared_ptr<FrameConsumer>> consumersSnapshot();

    SessionOptions options_;
    SessionCallbacks callbacks_;
    FrameChannel channel_;

    mutable std::mutex mutex_;         // controls, requests, consumers, stats
    Controls controls_;
    uint64_t controlsGeneration_ = 1;
    std::vector<std::shared_ptr<FrameConsumer>> consumers_;
    std::shared_ptr<FrameConsumer> recorder_;
    std::vector<std::future<void>> closing_;  // recordings being finished in the background
    std::vector<std::pair<std::string, StillSize>> stillRequests_;
    std::optional<SourceInfo> sourceInfo_;
    std::optional<SessionFrame> lastFinished_;
    SessionStats stats_;
    Status firstError_;
    bool ended_ = false;
    bool engineReady_ = false;         // the model and backend are up (or failed)
    std::condition_variable stateCv_;
    std::atomic<bool> stop_{false};

    // Stylize thread only.
    std::unique_ptr<Engine> engine_;
    std::deque<InFlight> inFlight_;
    std::optional<SourceItem> lastItem_;

    StillSaver stills_;
    std::unique_ptr<SourceStage> source_;
    std::thread stylizeThread_;
};

}  // namespace pastiche::session
