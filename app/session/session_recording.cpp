// Session::startRecording and friends: apart from session.cpp so that a binary that never
// records (the GPU session bench) links no encoder.
#include <algorithm>

#include "app/session/recorder.h"
#include "app/session/session.h"

namespace pastiche::session {

void Session::startRecording(RecorderOptions options) {
    auto userStopped = options.stopped;
    options.stopped = [this, userStopped](const std::string& path, int64_t frames, const Status& st) {
        if (userStopped) userStopped(path, frames, st);
        if (callbacks_.recordingStopped) callbacks_.recordingStopped(path, frames, st);
    };
    const std::string path = options.path;
    auto recorder = std::make_shared<Recorder>(std::move(options));
    std::shared_ptr<FrameConsumer> previous;
    {
        std::lock_guard lock(mutex_);
        previous = recorder_;
        recorder_ = recorder;
    }
    if (previous) (void)removeConsumer(previous);
    if (callbacks_.recordingStarted) callbacks_.recordingStarted(path);
    addConsumer(recorder);
}

void Session::stopRecording() {
    std::shared_ptr<FrameConsumer> recorder;
    {
        std::lock_guard lock(mutex_);
        recorder.swap(recorder_);
    }
    if (!recorder) return;
    {
        std::lock_guard lock(mutex_);
        consumers_.erase(std::remove(consumers_.begin(), consumers_.end(), recorder), consumers_.end());
        // Finishing the file (encoder flush, trailer) happens in the background: the caller (the
        // UI thread) never waits on it; the destructor does.
        closing_.push_back(std::async(std::launch::async, [recorder] { (void)recorder->close(); }));
    }
}

void Session::waitForRecordings() {
    std::vector<std::future<void>> closing;
    {
        std::lock_guard lock(mutex_);
        closing.swap(closing_);
    }
    for (auto& f : closing) f.wait();
}

bool Session::recording() const {
    std::lock_guard lock(mutex_);
    return recorder_ != nullptr;
}

}  // namespace pastiche::session
