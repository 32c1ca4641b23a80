// The session's recycling pool: an object comes back when its last holder lets go (from any
// thread), at most `keep` wait, and objects outliving the pool are deleted, not returned.
#include <gtest/gtest.h>

#include <thread>

#include "app/session/recycler.h"
#include "engine/image.h"

namespace pastiche::session {
namespace {

TEST(Recycler, ReturnsTheSameStorageOnceTheLastHolderLetsGo) {
    Recycler<Image8> pool(2);
    auto a = pool.acquire();
    *a = Image8(64, 32);
    a->pixels[5] = 7;
    const uint8_t* storage = a->pixels.data();
    std::shared_ptr<const Image8> holder = a;  // a consumer keeps it
    a.reset();
    EXPECT_EQ(pool.idle(), 0u);
    auto b = pool.acquire();
    EXPECT_NE(b->pixels.data(), storage);  // still held: a new one
    holder.reset();
    EXPECT_EQ(pool.idle(), 1u);
    auto c = pool.acquire();
    EXPECT_EQ(c->pixels.data(), storage);  // as its last holder left it
    EXPECT_EQ(c->width, 64);
    EXPECT_EQ(c->pixels[5], 7);
}

TEST(Recycler, KeepsAtMostItsLimitAndReturnsFromOtherThreads) {
    Recycler<Image8> pool(3);
    std::vector<std::shared_ptr<Image8>> held;
    for (int i = 0; i < 6; ++i) held.push_back(pool.acquire());
    std::thread other([moved = std::move(held)]() mutable {
        for (auto& p : moved) p->pixels.assign(100, 1);
        moved.clear();
    });
    other.join();
    EXPECT_EQ(pool.idle(), 3u);
    auto again = pool.acquire();
    EXPECT_EQ(again->pixels.size(), 100u);  // written in the other thread, seen here
}

TEST(Recycler, ObjectsMayOutliveThePool) {
    std::shared_ptr<Image8> survivor;
    {
        Recycler<Image8> pool(4);
        survivor = pool.acquire();
        *survivor = Image8(8, 8);
    }
    EXPECT_EQ(survivor->width, 8);
    survivor.reset();  // deleted (ASan would report a leak or a use after free)
}

}  // namespace
}  // namespace pastiche::session
