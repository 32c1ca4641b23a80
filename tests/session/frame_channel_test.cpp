// The channel between the source and stylize stages: blocking (file: nothing lost, in order)
// and latest-wins (live: the newest frame, drops counted), woken without polling.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "app/session/frame_channel.h"

namespace pastiche::session {
namespace {

using namespace std::chrono_literals;

SourceItem item(int64_t index) {
    auto f = std::make_shared<Frame>();
    f->index = index;
    return {f, 1, 0};
}

TEST(FrameChannel, BlockingNeverDropsAndKeepsOrder) {
    FrameChannel c(2, ChannelPolicy::Block);
    std::thread producer([&] {
        for (int i = 0; i < 500; ++i) ASSERT_TRUE(c.push(item(i)));
        c.close();
    });
    std::vector<int64_t> got;
    SourceItem it;
    while (c.pop(it, 1000ms) != FrameChannel::Wait::Ended) {
        got.push_back(it.frame->index);
        if (got.size() % 100 == 0) std::this_thread::sleep_for(5ms);
    }
    producer.join();
    ASSERT_EQ(got.size(), 500u);
    for (int i = 0; i < 500; ++i) EXPECT_EQ(got[size_t(i)], i);
    EXPECT_EQ(c.dropped(), 0);
}

TEST(FrameChannel, LatestWinsKeepsTheNewestAndCountsDrops) {
    FrameChannel c(1, ChannelPolicy::LatestWins);
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(c.push(item(i)));
    EXPECT_EQ(c.dropped(), 9);
    SourceItem it;
    ASSERT_EQ(c.pop(it, 10ms), FrameChannel::Wait::Item);
    EXPECT_EQ(it.frame->index, 9);
}

TEST(FrameChannel, InterruptWakesAWaitingConsumerAtOnce) {
    FrameChannel c(1, ChannelPolicy::LatestWins);
    const auto t0 = std::chrono::steady_clock::now();
    std::thread waker([&] {
        std::this_thread::sleep_for(20ms);
        c.interrupt();
    });
    SourceItem it;
    EXPECT_EQ(c.pop(it, 5000ms), FrameChannel::Wait::Woken);
    waker.join();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms);
}

TEST(FrameChannel, AbortUnblocksAProducerAndEndsTheConsumer) {
    FrameChannel c(1, ChannelPolicy::Block);
    ASSERT_TRUE(c.push(item(0)));
    std::thread producer([&] { EXPECT_FALSE(c.push(item(1))); });  // full: waits until abort
    std::this_thread::sleep_for(20ms);
    c.abort();
    producer.join();
    SourceItem it;
    EXPECT_EQ(c.pop(it, 10ms), FrameChannel::Wait::Ended);
}

}  // namespace
}  // namespace pastiche::session
