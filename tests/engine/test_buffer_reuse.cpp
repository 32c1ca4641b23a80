// planBufferReuse (engine/buffer_reuse.h): the activation-buffer sharing both backends use.
#include <gtest/gtest.h>

#include <random>

#include "engine/buffer_reuse.h"

namespace pastiche {
namespace {

// Every logical buffer fits its physical one, and two logical buffers share one only when the
// later is written after the earlier's last read; a dedicated one shares with nothing.
void expectValid(const std::vector<BufferLifetime>& in, const BufferReusePlan& plan) {
    ASSERT_EQ(plan.physical.size(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        ASSERT_GE(plan.physical[i], 0);
        ASSERT_LT(size_t(plan.physical[i]), plan.sizes.size());
        EXPECT_GE(plan.sizes[size_t(plan.physical[i])], in[i].size) << "buffer " << i;
        for (size_t j = i + 1; j < in.size(); ++j) {
            if (plan.physical[i] != plan.physical[j]) continue;
            EXPECT_FALSE(in[i].dedicated || in[j].dedicated) << i << " and " << j << " share, one dedicated";
            EXPECT_LT(in[i].lastUse, in[j].def) << i << " and " << j << " share while both live";
        }
    }
}

TEST(BufferReuse, ResidualChainSharesAndKeepsTheSkipAlive) {
    // conv1 (big), conv2, then a residual block whose start reads conv2's output at its end, then a
    // dedicated output: steps as the Vulkan backend numbers them (conv 2l, norm 2l + 1).
    const std::vector<BufferLifetime> in = {
        {800, 0, 2},          // conv1, read by conv2
        {400, 2, 9},          // conv2: read by the block's first conv (4) and as the skip (9)
        {200, 4, 6},          // block conv a
        {200, 6, 8},          // block conv b: the block end; its norm (9 here) adds the skip
        {100, 8, 10, true},   // dedicated (the trunk)
        {800, 10, 12},        // decoder
        {50, 12, 14, true}};  // the last layer's output
    const BufferReusePlan plan = planBufferReuse(in);
    expectValid(in, plan);
    EXPECT_EQ(plan.physical[2], plan.physical[0]);  // conv1's buffer passed on (the largest free)
    EXPECT_NE(plan.physical[3], plan.physical[1]);  // conv2's output still held for the skip
    EXPECT_EQ(plan.physical[5], plan.physical[0]);
    size_t sum = 0;
    for (const auto& b : in) sum += b.size;
    EXPECT_LT(plan.total(), sum);
    EXPECT_EQ(plan.total(), 800u + 400u + 200u + 100u + 50u);
}

TEST(BufferReuse, RandomLifetimesNeverOverlap) {
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::vector<BufferLifetime> in;
        int def = 0;
        const int n = 1 + int(rng() % 20);
        for (int i = 0; i < n; ++i) {
            def += int(rng() % 3);
            in.push_back({1 + rng() % 1000, def, def + int(rng() % 8), rng() % 5 == 0});
        }
        expectValid(in, planBufferReuse(in));
    }
}

}  // namespace
}  // namespace pastiche
