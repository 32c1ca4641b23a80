// Objects handed out as shared_ptrs that come back to the pool when the last holder lets go (in
// whatever thread that is), so that big per-frame buffers (720p source frames, processing-size
// inputs) are allocated once instead of once per frame: no page faults, no zeroing, no trimming
// of the heap. The return goes through a mutex, so the next user of an object sees every write of
// its previous holders (no use_count() polling). The pool may go away before its objects: they
// are then simply deleted.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace pastiche::session {

template <class T>
class Recycler {
public:
    explicit Recycler(size_t keep) : state_(std::make_shared<State>()) { state_->keep = keep; }

    // A recycled object (as its last holder left it) or a new default-constructed one.
    std::shared_ptr<T> acquire() {
        std::unique_ptr<T> object;
        {
            std::lock_guard lock(state_->mutex);
            if (!state_->free.empty()) {
                object = std::move(state_->free.back());
                state_->free.pop_back();
            }
        }
        if (!object) object = std::make_unique<T>();
        return std::shared_ptr<T>(object.release(), Return{state_});
    }

    size_t idle() const {  // objects waiting in the pool
        std::lock_guard lock(state_->mutex);
        return state_->free.size();
    }

private:
    struct State {
        mutable std::mutex mutex;
        std::vector<std::unique_ptr<T>> free;
        size_t keep = 0;
    };
    struct Return {
        std::weak_ptr<State> pool;
        void operator()(T* raw) const {
            std::unique_ptr<T> object(raw);
            if (auto state = pool.lock()) {
                std::lock_guard lock(state->mutex);
                if (state->free.size() < state->keep) state->free.push_back(std::move(object));
            }
        }
    };
    std::shared_ptr<State> state_;
};

}  // namespace pastiche::session
