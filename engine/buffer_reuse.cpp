#include "engine/buffer_reuse.h"

#include <algorithm>
#include <climits>
#include <numeric>

namespace pastiche {

size_t BufferReusePlan::total() const { return std::accumulate(sizes.begin(), sizes.end(), size_t(0)); }

BufferReusePlan planBufferReuse(const std::vector<BufferLifetime>& buffers) {
    BufferReusePlan plan;
    std::vector<int> freeAfter;  // the last read of what each physical buffer holds now
    for (const BufferLifetime& b : buffers) {
        int chosen = -1;
        for (size_t p = 0; !b.dedicated && p < plan.sizes.size(); ++p)
            if (freeAfter[p] < b.def && (chosen < 0 || plan.sizes[p] > plan.sizes[size_t(chosen)])) chosen = int(p);
        if (chosen < 0) {
            chosen = int(plan.sizes.size());
            plan.sizes.push_back(0);
            freeAfter.push_back(0);
        }
        plan.sizes[size_t(chosen)] = std::max(plan.sizes[size_t(chosen)], b.size);
        freeAfter[size_t(chosen)] = b.dedicated ? INT_MAX : b.lastUse;
        plan.physical.push_back(chosen);
    }
    return plan;
}

}  // namespace pastiche
