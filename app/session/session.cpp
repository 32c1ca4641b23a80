#include "app/session/session.h"
#include "app/session/session_engine.h"

#include <algorithm>
#include <chrono>

#include "app/core/model_loader.h"

namespace pastiche::session {


namespace {

int64_t steadyNowNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

Session::Session(SessionOptions options, SessionCallbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks)),
      channel_(options_.mode == SessionMode::Live ? 1 : std::max<size_t>(1, options_.fileQueueDepth),
               options_.mode == SessionMode::Live ? ChannelPolicy::LatestWins : ChannelPolicy::Block),
      controls_(options_.initial), engine_(std::make_unique<Engine>()),
      stills_(options_.writeImage, [this](const std::string& path, const Status& st) {
          if (st) {
              if (callbacks_.stillSaved) callbacks_.stillSaved(path);
          } else if (callbacks_.stillFailed) {
              callbacks_.stillFailed(path, st);
          }
      }) {
    SourceStage::Callbacks sc;
    sc.opened = [this](const SourceInfo& info, uint64_t) {
        {
            std::lock_guard lock(mutex_);
            sourceInfo_ = info;
        }
        for (auto& c : consumersSnapshot()) c->sourceStarted(info);
        if (callbacks_.sourceOpened) callbacks_.sourceOpened(info);
    };
    sc.failed = [this](const Status& st) {
        {
            std::lock_guard lock(mutex_);
            if (options_.mode == SessionMode::File && firstError_.isOk()) firstError_ = st;
        }
        if (callbacks_.sourceFailed) callbacks_.sourceFailed(st);
    };
    sc.ended = [this] {
        if (callbacks_.sourceEnded) callbacks_.sourceEnded();
    };
    sc.position = [this](int64_t pts) {
        if (callbacks_.position) callbacks_.position(pts);
    };
    source_ = std::make_unique<SourceStage>(
        options_.openSource, options_.mode == SessionMode::Live ? PacingMode::RealTime : PacingMode::AsFastAsTaken,
        channel_, std::move(sc));
    stylizeThread_ = std::thread([this] { stylizeLoop(); });
}

Session::~Session() {
    stop();
    if (stylizeThread_.joinable()) stylizeThread_.join();
    source_.reset();
    std::vector<std::shared_ptr<FrameConsumer>> consumers;
    {
        std::lock_guard lock(mutex_);
        consumers.swap(consumers_);
        recorder_.reset();
    }
    for (auto& c : consumers) (void)c->close();
    for (auto& f : closing_) f.wait();
}

void Session::stop() {
    stop_ = true;
    if (source_) source_->stop();
    channel_.abort();
}

void Session::notify(const std::string& message) {
    if (callbacks_.notice) callbacks_.notice(message);
}

Status Session::prepareEngine() {
    std::unique_lock lock(mutex_);
    stateCv_.wait(lock, [&] { return engineReady_ || ended_; });
    return firstError_;
}

void Session::openSource(const SourceSpec& spec) { source_->open(spec); }
void Session::setPaused(bool paused) {
    source_->setPaused(paused);
    channel_.interrupt();
}
void Session::seek(int64_t ptsMicros) { source_->seek(ptsMicros); }

Controls Session::controls() const {
    std::lock_guard lock(mutex_);
    return controls_;
}

void Session::setControls(const Controls& controls) {
    changeControls([&](Controls& c) { c = controls; });
}

void Session::changeControls(const std::function<void(Controls&)>& change) {
    {
        std::lock_guard lock(mutex_);
        change(controls_);
        ++controlsGeneration_;
    }
    channel_.interrupt();
}

std::vector<std::shared_ptr<FrameConsumer>> Session::consumersSnapshot() {
    std::lock_guard lock(mutex_);
    return consumers_;
}

void Session::addConsumer(const std::shared_ptr<FrameConsumer>& consumer) {
    std::optional<SourceInfo> info;
    std::optional<SessionFrame> last;
    {
        std::lock_guard lock(mutex_);
        consumers_.push_back(consumer);
        info = sourceInfo_;
        last = lastFinished_;
    }
    if (info) consumer->sourceStarted(*info);
    // The picture on screen now is the new consumer's first frame: a still image delivered once
    // records a clip of itself, and a virtual camera has something to show at once.
    if (last) {
        last->captureNanos = steadyNowNanos();
        consumer->consume(*last);
    }
}

Status Session::removeConsumer(const std::shared_ptr<FrameConsumer>& consumer) {
    {
        std::lock_guard lock(mutex_);
        consumers_.erase(std::remove(consumers_.begin(), consumers_.end(), consumer), consumers_.end());
    }
    return consumer->close();
}

void Session::captureStill(const std::string& path, StillSize size) {
    {
        std::lock_guard lock(mutex_);
        // No new frame is coming (a picture shown once, a paused video): the one on screen is it.
        if (size == StillSize::Output && lastFinished_ && lastFinished_->isStylized && source_ &&
            (source_->ended() || source_->paused())) {
            stills_.save(lastFinished_->stylized, path);
            return;
        }
        stillRequests_.emplace_back(path, size);
    }
    channel_.interrupt();
}

Status Session::waitUntilEnded() {
    {
        std::unique_lock lock(mutex_);
        stateCv_.wait(lock, [&] { return ended_; });
    }
    if (stylizeThread_.joinable()) stylizeThread_.join();
    std::vector<std::shared_ptr<FrameConsumer>> consumers;
    {
        std::lock_guard lock(mutex_);
        consumers.swap(consumers_);
        recorder_.reset();
    }
    Status result;
    for (auto& f : closing_) f.wait();
    for (auto& c : consumers) {
        Status st = c->close();
        if (result.isOk() && !st.isOk()) result = st;
    }
    std::lock_guard lock(mutex_);
    return firstError_.isOk() ? result : firstError_;
}

SessionStats Session::stats() const {
    std::lock_guard lock(mutex_);
    SessionStats s = stats_;
    s.captureFps = source_ ? source_->captureFps() : 0;
    s.dropped = channel_.dropped();
    return s;
}

std::optional<SourceInfo> Session::sourceInfo() const {
    std::lock_guard lock(mutex_);
    return sourceInfo_;
}

}  // namespace pastiche::session
