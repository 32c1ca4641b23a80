#include "engine/cpu/thread_pool.h"

#include <algorithm>
#include <system_error>

namespace pastiche::cpu {

// How long a thread spins (pause instructions, ~10-50 us in all) before it sleeps on the condition
// variable. Long enough to bridge the short serial steps between a frame's passes, short enough not
// to steal a core from the thread it is waiting for when the machine is busy.
constexpr int kSpins = 2000;

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0) threads = int(std::thread::hardware_concurrency());
    if (threads <= 0) threads = 1;
    threads = std::min(threads, kMaxThreads);
    workers_.reserve(size_t(threads - 1));
    // The system may refuse threads (ulimit -u, memory); the pool then works with those it got.
    try {
        for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { workerLoop(t); });
    } catch (const std::system_error&) {
    }
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
}

void ThreadPool::drain(int thread) {
    for (;;) {
        const int task = next_.fetch_add(1, std::memory_order_relaxed);
        if (task >= tasks_) break;
        fn_(ctx_, task, thread);
    }
}

void ThreadPool::run(int tasks, TaskFn fn, void* ctx) {
    if (tasks <= 0) return;
    if (workers_.empty() || tasks == 1) {
        for (int t = 0; t < tasks; ++t) fn(ctx, t, 0);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        fn_ = fn;
        ctx_ = ctx;
        tasks_ = tasks;
        next_.store(0);
        busy_.store(int(workers_.size()));
        generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    drain(0);
    // Wait for the workers to leave this job (they may still be finishing a task).
    for (int spin = 0; spin < kSpins && busy_.load(std::memory_order_acquire) > 0; ++spin) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    if (busy_.load(std::memory_order_acquire) > 0) {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return busy_.load(std::memory_order_acquire) == 0; });
    }
}

void ThreadPool::workerLoop(int thread) {
    unsigned seen = 0;
    for (;;) {
        // Spin briefly for the next job (layers come back to back within a frame), then sleep.
        for (int spin = 0; spin < kSpins && generation_.load(std::memory_order_acquire) == seen; ++spin) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load() != seen; });
            seen = generation_.load();
            if (stop_) return;
        }
        drain(thread);
        if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            std::lock_guard<std::mutex> lock(mutex_);
            done_.notify_one();
        }
    }
}

}  // namespace pastiche::cpu
