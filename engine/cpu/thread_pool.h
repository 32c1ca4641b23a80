// A small persistent thread pool for the CPU backend. parallelFor hands out task indices from an
// atomic counter; the calling thread works too, so a pool of N threads starts N - 1 workers.
// Nothing is allocated per call (the body is passed by reference, not as std::function), so
// TransferBackend::run stays allocation-free.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace pastiche::cpu {

class ThreadPool {
public:
    // More threads than this only add contention; requests above it are clamped.
    static constexpr int kMaxThreads = 256;
    explicit ThreadPool(int threads);  // threads <= 0: std::thread::hardware_concurrency()
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return int(workers_.size()) + 1; }

    // Calls body(task, thread) for task in [0, tasks), thread in [0, size()); returns when all are
    // done. Tasks are claimed dynamically, so uneven tasks balance out.
    template <class F>
    void parallelFor(int tasks, F&& body) {
        using Fn = std::remove_reference_t<F>;
        run(tasks, [](void* ctx, int task, int thread) { (*static_cast<Fn*>(ctx))(task, thread); },
            const_cast<void*>(static_cast<const void*>(&body)));
    }

private:
    using TaskFn = void (*)(void* ctx, int task, int thread);
    void run(int tasks, TaskFn fn, void* ctx);
    void workerLoop(int thread);
    void drain(int thread);

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    // The current job; written under mutex_ before generation_ is bumped.
    TaskFn fn_ = nullptr;
    void* ctx_ = nullptr;
    int tasks_ = 0;
    std::atomic<int> next_{0};
    std::atomic<int> busy_{0};
    std::atomic<unsigned> generation_{0};
    bool stop_ = false;
};

}  // namespace pastiche::cpu
