// HostCopier (engine/vulkan/host_copy.h): the threaded frame copies into and out of staging give
// the same bytes as one memcpy, for contiguous and strided frames, above and below the size at
// which helpers join, and from two threads at once.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "engine/vulkan/host_copy.h"

namespace pastiche::vk {
namespace {

std::vector<uint8_t> pattern(size_t n, unsigned seed) {
    std::vector<uint8_t> v(n);
    uint32_t x = seed * 2654435761u + 1;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = uint8_t(x >> 24);
    }
    return v;
}

TEST(HostCopier, ContiguousAndStridedFramesMatchMemcpy) {
    for (unsigned helpers : {0u, 1u, 3u}) {
        HostCopier copier(helpers);
        EXPECT_EQ(copier.helpers(), helpers);
        // 3840x2160 RGB8 (above kParallelBytes), an odd 641x361 one (below), a strided 1999x1501.
        for (auto [w, h, pad] : {std::tuple{3840, 2160, 0}, std::tuple{641, 361, 0}, std::tuple{1999, 1501, 37}}) {
            const size_t row = size_t(w) * 3, srcStride = row + size_t(pad), rows = size_t(h);
            const std::vector<uint8_t> src = pattern(srcStride * rows, unsigned(w + helpers));
            std::vector<uint8_t> dst(row * rows, 0xEE);
            copier.copyRows(dst.data(), row, src.data(), srcStride, row, rows);
            bool same = true;
            for (size_t y = 0; y < rows && same; ++y)
                same = std::equal(dst.begin() + long(y * row), dst.begin() + long((y + 1) * row),
                                  src.begin() + long(y * srcStride));
            EXPECT_TRUE(same) << w << "x" << h << " stride " << srcStride << ", " << helpers << " helpers";
        }
    }
}

TEST(HostCopier, TwoCallersAtOnce) {
    HostCopier copier(2);
    const size_t bytes = HostCopier::kParallelBytes * 2;
    const std::vector<uint8_t> a = pattern(bytes, 1), b = pattern(bytes, 2);
    std::vector<uint8_t> da(bytes), db(bytes);
    std::thread t([&] {
        for (int i = 0; i < 20; ++i) copier.copyRows(da.data(), bytes, a.data(), bytes, bytes, 1);
    });
    for (int i = 0; i < 20; ++i) copier.copyRows(db.data(), bytes / 4, b.data(), bytes / 4, bytes / 4, 4);
    t.join();
    EXPECT_TRUE(da == a);
    EXPECT_TRUE(db == b);
}

}  // namespace
}  // namespace pastiche::vk
