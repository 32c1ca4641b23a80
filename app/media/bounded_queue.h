// A small bounded queue joining pipeline threads. Block: push waits for room (file mode: never
// drops). LatestWins: push replaces the oldest queued item when full and counts it as dropped
// (live mode: the consumer always gets the newest frame). close() wakes everyone; pop() then
// drains what is left and returns nullopt once empty.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace pastiche::media {

enum class QueuePolicy { Block, LatestWins };

template <class T>
class BoundedQueue {
public:
    explicit BoundedQueue(size_t capacity, QueuePolicy policy = QueuePolicy::Block)
        : capacity_(capacity ? capacity : 1), policy_(policy) {}

    // False if the queue was closed (the item is not queued).
    bool push(T item) {
        std::unique_lock lock(mutex_);
        if (policy_ == QueuePolicy::Block) {
            notFull_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        } else if (!closed_ && items_.size() >= capacity_) {
            items_.pop_front();
            ++dropped_;
        }
        if (closed_) return false;
        items_.push_back(std::move(item));
        notEmpty_.notify_one();
        return true;
    }

    // Blocks until an item is available, or the queue is closed and empty (nullopt).
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        notEmpty_.wait(lock, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        notFull_.notify_one();
        return item;
    }

    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        notEmpty_.notify_all();
        notFull_.notify_all();
    }
    // Closes and discards what is queued (abort rather than drain).
    void abort() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        items_.clear();
        notEmpty_.notify_all();
        notFull_.notify_all();
    }

    int64_t dropped() const {
        std::lock_guard lock(mutex_);
        return dropped_;
    }
    size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }
    bool closed() const {
        std::lock_guard lock(mutex_);
        return closed_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable notEmpty_, notFull_;
    std::deque<T> items_;
    const size_t capacity_;
    const QueuePolicy policy_;
    bool closed_ = false;
    int64_t dropped_ = 0;
};

}  // namespace pastiche::media
