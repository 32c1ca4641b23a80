// Between the source stage and the stylize stage: a bounded queue of frames that is either
// latest-wins (live: at most `capacity` frames wait, older ones are replaced and counted) or
// blocking (file: the source waits, nothing is lost). The consumer's wait can be interrupted, so
// the stylize stage wakes for posted controls without polling.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "app/media/frame.h"

namespace pastiche::session {

enum class ChannelPolicy { LatestWins, Block };

struct SourceItem {
    std::shared_ptr<const Frame> frame;
    uint64_t epoch = 0;    // which opened source (bumped by every open)
    uint64_t segment = 0;  // bumped by every seek: the frames before it are not this one's past
};

class FrameChannel {
public:
    FrameChannel(size_t capacity, ChannelPolicy policy) : capacity_(capacity), policy_(policy) {}

    // Block policy: waits for room; false once closed or aborted.
    bool push(SourceItem item) {
        std::unique_lock lock(mutex_);
        if (policy_ == ChannelPolicy::Block) space_.wait(lock, [&] { return aborted_ || items_.size() < capacity_; });
        if (aborted_) return false;
        if (items_.size() >= capacity_) {
            items_.pop_front();
            ++dropped_;
        }
        items_.push_back(std::move(item));
        ready_.notify_all();
        return true;
    }

    enum class Wait { Item, Woken, Ended };
    // Waits up to timeout for an item; Woken on interrupt() or timeout; Ended once the source
    // side closed and nothing is left.
    Wait pop(SourceItem& out, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_ || aborted_ || interrupted_; });
        interrupted_ = false;
        if (!items_.empty() && !aborted_) {
            out = std::move(items_.front());
            items_.pop_front();
            space_.notify_all();
            return Wait::Item;
        }
        return (closed_ || aborted_) ? Wait::Ended : Wait::Woken;
    }
    bool tryPop(SourceItem& out) {
        std::lock_guard lock(mutex_);
        if (items_.empty() || aborted_) return false;
        out = std::move(items_.front());
        items_.pop_front();
        space_.notify_all();
        return true;
    }
    void interrupt() {
        std::lock_guard lock(mutex_);
        interrupted_ = true;
        ready_.notify_all();
    }
    void close() {  // the source ended: the consumer drains what is left, then sees Ended
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
    }
    void reopen() {  // a new source after an end
        std::lock_guard lock(mutex_);
        closed_ = false;
        ready_.notify_all();
    }
    // After Ended (live: the source stopped but the session goes on): waits for a new source's
    // frames, an interrupt() or the timeout.
    void waitForActivity(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, timeout, [&] { return !items_.empty() || !closed_ || aborted_ || interrupted_; });
        interrupted_ = false;
    }
    void abort() {  // shutdown: both sides stop at once
        std::lock_guard lock(mutex_);
        aborted_ = true;
        items_.clear();
        ready_.notify_all();
        space_.notify_all();
    }
    void clear() {
        std::lock_guard lock(mutex_);
        items_.clear();
        space_.notify_all();
    }
    int64_t dropped() const {
        std::lock_guard lock(mutex_);
        return dropped_;
    }
    void resetDropped() {
        std::lock_guard lock(mutex_);
        dropped_ = 0;
    }

private:
    const size_t capacity_;
    const ChannelPolicy policy_;
    mutable std::mutex mutex_;
    std::condition_variable ready_, space_;
    std::deque<SourceItem> items_;
    bool closed_ = false, aborted_ = false, interrupted_ = false;
    int64_t dropped_ = 0;
};

}  // namespace pastiche::session
