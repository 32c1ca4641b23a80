// engine/env_switch.h: each kind of PASTICHE_* switch reads the same way everywhere, and a
// malformed value gives the default rather than a surprise (atoi("16x") was 16, atoi("x") 0).
#include <gtest/gtest.h>

#include "engine/env_switch.h"
#include "support/test_support.h"

namespace pastiche {
namespace {

constexpr const char* kName = "PASTICHE_TEST_ENV_SWITCH";

TEST(EnvSwitch, UnsetAndEmptyGiveTheDefault) {
    test::ScopedEnv e(kName, nullptr);
    for (const char* unset : {static_cast<const char*>(nullptr), ""}) {
        e.set(unset);
        const char* which = unset ? "empty" : "unset";
        EXPECT_FALSE(env::value(kName)) << which;
        EXPECT_FALSE(env::is(kName, "1")) << which;
        EXPECT_TRUE(env::enabled(kName)) << which;
        EXPECT_FALSE(env::requested(kName)) << which;
        EXPECT_EQ(env::positive(kName, 7), 7u) << which;
        EXPECT_EQ(env::count(kName, 9), 9u) << which;
    }
}

TEST(EnvSwitch, SwitchesOnlyMatchTheirValue) {
    test::ScopedEnv e(kName, "0");
    EXPECT_EQ(env::value(kName).value_or(""), "0");
    EXPECT_TRUE(env::is(kName, "0"));
    EXPECT_FALSE(env::enabled(kName));
    EXPECT_FALSE(env::requested(kName));
    e.set("1");
    EXPECT_TRUE(env::is(kName, "1"));
    EXPECT_FALSE(env::is(kName, "10"));
    EXPECT_TRUE(env::enabled(kName));
    EXPECT_TRUE(env::requested(kName));
    e.set("all");
    EXPECT_TRUE(env::requested(kName));
    EXPECT_TRUE(env::enabled(kName));
}

TEST(EnvSwitch, NumbersMustBeWhole) {
    test::ScopedEnv e(kName, "16");
    EXPECT_EQ(env::positive(kName, 7), 16u);
    EXPECT_EQ(env::count(kName, 9), 16u);
    for (const char* bad : {"16x", "x", "-3", " 16", "1e3", "99999999999999999999999"}) {
        e.set(bad);
        EXPECT_EQ(env::positive(kName, 7), 7u) << bad;
        EXPECT_EQ(env::count(kName, 9), 9u) << bad;
    }
    e.set("0");
    EXPECT_EQ(env::positive(kName, 7), 7u);  // a knob of 0 is no knob
    EXPECT_EQ(env::count(kName, 9), 0u);     // a count of 0 is 0
    e.set("4294967296");                     // past uint32_t
    EXPECT_EQ(env::positive(kName, 7), 7u);
    EXPECT_EQ(env::count(kName, 9), 4294967296u);
}

}  // namespace
}  // namespace pastiche
