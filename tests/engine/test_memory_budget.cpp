// Large frames: the CPU backend refuses a frame over the memory limit before allocating (naming
// the size and the limit) instead of throwing std::bad_alloc; absurd thread counts are clamped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "engine/backend.h"
#include "engine/cpu/memory_budget.h"
#include "engine/cpu/thread_pool.h"
#include "engine/tflite_reader.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

using test::ScopedEnv;

TEST(MemoryBudget, LimitFromEnvironment) {
    {
        ScopedEnv env("PASTICHE_MEMORY_LIMIT", "2G");
        EXPECT_EQ(hostMemoryLimitBytes(), 2ull << 30);
        EXPECT_TRUE(checkMemoryBudget(1ull << 30, "x").isOk());
        const Status st = checkMemoryBudget(3ull << 30, "a 9000x9000 frame");
        EXPECT_EQ(st.code(), StatusCode::OutOfMemory);
        EXPECT_NE(st.message().find("a 9000x9000 frame needs 3.0 GB"), std::string::npos) << st.message();
        EXPECT_NE(st.message().find("limit is 2.0 GB"), std::string::npos) << st.message();
    }
    {
        ScopedEnv env("PASTICHE_MEMORY_LIMIT", "512M");
        EXPECT_EQ(hostMemoryLimitBytes(), 512ull << 20);
    }
    EXPECT_GT(hostMemoryLimitBytes(), 64ull << 20);  // the machine's own figure
}

TEST(MemoryBudget, CpuBackendRefusesAnOversizedFrameBeforeAllocating) {
    const std::string model = test::modelsDir() + "/style_transfer_f16_384.tflite";
    if (!std::filesystem::exists(model)) GTEST_SKIP() << "models not fetched";
    auto net = loadTransferNetwork(model);
    ASSERT_TRUE(net.isOk()) << net.status().message();
    BackendOptions options;
    options.threads = 2;
    auto backend = createCpuBackend(net.value(), options);
    ASSERT_TRUE(backend.isOk()) << backend.status().message();
    {
        ScopedEnv env("PASTICHE_MEMORY_LIMIT", "256M");
        // 8192x8192 needs many GB: refused at once, not std::bad_alloc.
        const Status st = backend.value()->reshape(8192, 8192);
        EXPECT_EQ(st.code(), StatusCode::OutOfMemory) << st.message();
        EXPECT_NE(st.message().find("8192x8192"), std::string::npos) << st.message();
        EXPECT_NE(st.message().find("256.0 MB"), std::string::npos) << st.message();
        // A small frame still fits, and the backend works after the refusal.
        EXPECT_TRUE(backend.value()->reshape(64, 48).isOk());
    }
    Image8 in(64, 48), out(64, 48);
    EXPECT_TRUE(backend.value()->setStyle(StyleVector{}).isOk());
    EXPECT_TRUE(backend.value()->run(in.view(), out.view()).isOk());
    // The wrong frame size is a caller error, not a device failure (no CPU "fallback" for it).
    Image8 wrong(32, 32);
    EXPECT_EQ(backend.value()->run(wrong.view(), wrong.view()).code(), StatusCode::InvalidArgument);
}

TEST(ThreadPool, AbsurdThreadCountIsClampedNotFatal) {
    cpu::ThreadPool pool(100000);  // before: std::system_error, rc 134
    EXPECT_LE(pool.size(), cpu::ThreadPool::kMaxThreads);
    std::atomic<int> sum{0};
    pool.parallelFor(1000, [&](int task, int) { sum += task; });
    EXPECT_EQ(sum.load(), 999 * 1000 / 2);
}

}  // namespace
}  // namespace pastiche
