// Activation buffers shared between layers whose lifetimes do not overlap: one policy for the CPU
// backend's padded layer inputs and the Vulkan backend's layer outputs. Each logical buffer is
// written at step `def` and last read at step `lastUse`; it may take over a buffer whose last read
// came strictly before its write. Of the free buffers it takes the largest (growing it if needed),
// so the big full-resolution buffers get passed along the network instead of new ones made.
#pragma once

#include <cstddef>
#include <vector>

namespace pastiche {

struct BufferLifetime {
    size_t size = 0;           // in any unit (floats, bytes): the physical sizes come out in it
    int def = 0, lastUse = 0;  // steps; logical buffers are given in order of def
    bool dedicated = false;    // never shared (read beside the network, e.g. by another queue)
};

struct BufferReusePlan {
    std::vector<int> physical;  // per logical buffer: the index of its physical buffer
    std::vector<size_t> sizes;  // per physical buffer: the largest logical size it holds
    size_t total() const;
};

BufferReusePlan planBufferReuse(const std::vector<BufferLifetime>& buffers);

}  // namespace pastiche
