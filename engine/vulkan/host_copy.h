// Host-side frame copies into and out of the staging buffers, split across a few threads for large
// frames: at 3840x2160 one thread's memcpy of 25 MB in and 25 MB out per frame limited the rate
// (H200 run: 6.6 ms of GPU time, 9.7-10.2 ms per frame; docs/VULKAN.md).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace pastiche::vk {

class HostCopier {
public:
    // helpers: threads beside the caller's (0: every copy on the calling thread).
    explicit HostCopier(unsigned helpers);
    ~HostCopier();
    HostCopier(const HostCopier&) = delete;
    HostCopier& operator=(const HostCopier&) = delete;

    // Copies `rows` rows of `rowBytes` bytes from src (row stride srcStride) to dst (dstStride).
    // Frames under parallelBytes() go through one thread (starting helpers would cost more).
    void copyRows(void* dst, size_t dstStride, const void* src, size_t srcStride, size_t rowBytes, size_t rows);
    unsigned helpers() const { return unsigned(workers_.size()); }

    // 1920x1080 RGB8 (6.2 MB) is above it: one thread's copies in and out of that frame took about
    // as long as the GPU's frame on the H200, and the pipelined frame time swung with them.
    static constexpr size_t kParallelBytes = size_t(2) << 20;
    // PASTICHE_VK_COPY_PARALLEL_BYTES=n (a triage and tuning knob), else kParallelBytes.
    static size_t parallelBytes();
    // PASTICHE_VK_COPY_THREADS=n (0: none), else min(3, hardware threads - 1).
    static unsigned defaultHelpers();

private:
    struct Job {
        uint8_t* dst = nullptr;
        const uint8_t* src = nullptr;
        size_t dstStride = 0, srcStride = 0, rowBytes = 0, rows = 0;
        unsigned parts = 1;
        void run(unsigned part) const;
    };
    void work();
    std::vector<std::thread> workers_;
    std::mutex callMutex_, mutex_;
    std::condition_variable start_, done_;
    Job job_;
    uint64_t generation_ = 0;
    unsigned pending_ = 0, nextPart_ = 0;
    bool stop_ = false;
};

}  // namespace pastiche::vk
