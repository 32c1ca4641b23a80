// Saves stills on its own thread: every request gets its own file (a name already taken, on disk
// or by an earlier request still in the queue, gets " (2)", " (3)", …), written by the writer the
// app hands in (app/core's writeImage: atomic, format by extension), reported through callbacks.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "engine/image.h"
#include "engine/status.h"

namespace pastiche::session {

class StillSaver {
public:
    using Done = std::function<void(const std::string& path, const Status&)>;
    using Writer = std::function<Status(const std::string& path, const Image8& image)>;
    StillSaver(Writer write, Done done);
    ~StillSaver();  // writes what is queued, then joins

    // Returns the path the still will have (unique); the write happens in the background.
    std::string save(std::shared_ptr<const Image8> image, const std::string& path);
    static std::string uniquePath(const std::string& path, const std::set<std::string>& taken);

private:
    void run();
    Writer write_;
    Done done_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::pair<std::shared_ptr<const Image8>, std::string>> queue_;
    std::set<std::string> reserved_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace pastiche::session
