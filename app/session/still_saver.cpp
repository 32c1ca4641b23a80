#include "app/session/still_saver.h"

#include <filesystem>


namespace pastiche::session {

StillSaver::StillSaver(Writer write, Done done) : write_(std::move(write)), done_(std::move(done)) {
    thread_ = std::thread([this] { run(); });
}

StillSaver::~StillSaver() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::string StillSaver::uniquePath(const std::string& path, const std::set<std::string>& taken) {
    namespace fs = std::filesystem;
    auto isTaken = [&](const std::string& p) {
        std::error_code ec;
        return taken.count(p) > 0 || fs::exists(p, ec);
    };
    if (!isTaken(path)) return path;
    const fs::path p(path);
    const std::string stem = (p.parent_path() / p.stem()).string(), ext = p.extension().string();
    for (int n = 2;; ++n) {
        std::string candidate = stem;
        candidate.append(" (").append(std::to_string(n)).append(")").append(ext);
        if (!isTaken(candidate)) return candidate;
    }
}

std::string StillSaver::save(std::shared_ptr<const Image8> image, const std::string& path) {
    std::string unique;
    {
        std::lock_guard lock(mutex_);
        unique = uniquePath(path, reserved_);
        reserved_.insert(unique);
        queue_.emplace_back(std::move(image), unique);
    }
    wake_.notify_all();
    return unique;
}

void StillSaver::run() {
    for (;;) {
        std::pair<std::shared_ptr<const Image8>, std::string> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            if (queue_.empty()) return;
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        Status st = write_ ? write_(job.second, *job.first) : Status::error("this program cannot write images");
        {
            std::lock_guard lock(mutex_);
            reserved_.erase(job.second);
        }
        if (done_) done_(job.second, st);
    }
}

}  // namespace pastiche::session
