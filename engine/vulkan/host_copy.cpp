#include "engine/vulkan/host_copy.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/env_switch.h"

namespace pastiche::vk {

unsigned HostCopier::defaultHelpers() {
    // PASTICHE_VK_COPY_THREADS=n helpers (0: none; at most 64); malformed: the default below.
    if (const uint64_t n = env::count("PASTICHE_VK_COPY_THREADS", UINT64_MAX); n != UINT64_MAX)
        return unsigned(std::min<uint64_t>(n, 64));
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 1 ? std::min(3u, hw - 1) : 0u;
}

size_t HostCopier::parallelBytes() {
    static const size_t bytes = [] { return size_t(env::count("PASTICHE_VK_COPY_PARALLEL_BYTES", kParallelBytes)); }();
    return bytes;
}

HostCopier::HostCopier(unsigned helpers) {
    for (unsigned i = 0; i < helpers; ++i) workers_.emplace_back([this] { work(); });
}

HostCopier::~HostCopier() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    start_.notify_all();
    for (auto& t : workers_) t.join();
}

void HostCopier::Job::run(unsigned part) const {
    if (dstStride == rowBytes && srcStride == rowBytes) {  // one block, split by bytes
        const size_t total = rowBytes * rows, begin = total * part / parts, end = total * (part + 1) / parts;
        std::memcpy(dst + begin, src + begin, end - begin);
        return;
    }
    for (size_t y = rows * part / parts; y < rows * (part + 1) / parts; ++y)
        std::memcpy(dst + y * dstStride, src + y * srcStride, rowBytes);
}

void HostCopier::work() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        start_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        const Job job = job_;
        const unsigned part = nextPart_++;
        lock.unlock();
        job.run(part);
        lock.lock();
        if (--pending_ == 0) done_.notify_one();
    }
}

void HostCopier::copyRows(void* dst, size_t dstStride, const void* src, size_t srcStride, size_t rowBytes,
                          size_t rows) {
    Job job{static_cast<uint8_t*>(dst), static_cast<const uint8_t*>(src), dstStride, srcStride, rowBytes, rows, 1};
    if (workers_.empty() || rowBytes * rows < parallelBytes()) {
        job.run(0);
        return;
    }
    job.parts = unsigned(workers_.size()) + 1;
    std::lock_guard<std::mutex> one(callMutex_);  // one parallel copy at a time (submit and collect may race)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = job;
        pending_ = unsigned(workers_.size());
        nextPart_ = 1;  // the caller takes part 0
        ++generation_;
    }
    start_.notify_all();
    job.run(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
}

}  // namespace pastiche::vk
