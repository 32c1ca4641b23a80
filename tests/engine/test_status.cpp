// The error model: codes travel with context, an OK status cannot pose as a failed Result, and the
// assign-or-return helper returns the failure unchanged.
#include <gtest/gtest.h>

#include <string>

#include "engine/status.h"

namespace pastiche {
namespace {

TEST(Status, CodesAndContext) {
    EXPECT_TRUE(Status::ok().isOk());
    EXPECT_EQ(Status::ok().code(), StatusCode::Ok);
    const Status e = Status::corrupt("bad header").withContext("photo.png");
    EXPECT_FALSE(e.isOk());
    EXPECT_EQ(e.code(), StatusCode::Corrupt);
    EXPECT_EQ(e.message(), "photo.png: bad header");
    EXPECT_EQ(Status::error("legacy").code(), StatusCode::Internal);  // old call sites keep building
    EXPECT_EQ(Status::error(StatusCode::Ok, "an error cannot be ok").code(), StatusCode::Internal);
    EXPECT_EQ(Status::outOfMemory("x").code(), StatusCode::OutOfMemory);
    EXPECT_STREQ(statusCodeName(StatusCode::DeviceLost), "device lost");
}

TEST(Status, OnlyDeviceFailuresAllowAFallback) {
    EXPECT_TRUE(Status::outOfMemory("vkAllocateMemory").isDeviceFailure());
    EXPECT_TRUE(Status::deviceLost("vkQueueSubmit").isDeviceFailure());
    EXPECT_TRUE(Status::unsupported("no fp16").isDeviceFailure());
    EXPECT_FALSE(Status::invalidArgument("frame size differs").isDeviceFailure());
    EXPECT_FALSE(Status::corrupt("model").isDeviceFailure());
    EXPECT_FALSE(Status::internal("bug").isDeviceFailure());
    EXPECT_FALSE(Status::ok().isDeviceFailure());
}

TEST(Result, AnOkStatusWithoutAValueIsAnError) {
    Result<int> r = Status::ok();
    EXPECT_FALSE(r.isOk());
    EXPECT_EQ(r.status().code(), StatusCode::Internal);
    Result<int> v = 7;
    ASSERT_TRUE(v.isOk());
    EXPECT_EQ(v.value(), 7);
    Result<int> e = Status::io("gone");
    EXPECT_EQ(e.status().code(), StatusCode::Io);
}

Result<int> half(int x) {
    if (x % 2) return Status::invalidArgument(std::to_string(x) + " is odd");
    return x / 2;
}

Result<int> quarter(int x) {
    PASTICHE_ASSIGN_OR_RETURN(const int h, half(x));
    PASTICHE_ASSIGN_OR_RETURN(int q, half(h));
    return q;
}

Status checkQuarter(int x, int& out) {
    PASTICHE_ASSIGN_OR_RETURN(out, quarter(x));
    return Status::ok();
}

TEST(Result, AssignOrReturn) {
    auto q = quarter(12);
    ASSERT_TRUE(q.isOk()) << q.status().message();
    EXPECT_EQ(q.value(), 3);
    auto odd = quarter(6);  // 6 -> 3 -> odd
    ASSERT_FALSE(odd.isOk());
    EXPECT_EQ(odd.status().code(), StatusCode::InvalidArgument);
    EXPECT_EQ(odd.status().message(), "3 is odd");
    int out = 0;
    EXPECT_TRUE(checkQuarter(8, out).isOk());
    EXPECT_EQ(out, 2);
    EXPECT_EQ(checkQuarter(7, out).code(), StatusCode::InvalidArgument);
}

}  // namespace
}  // namespace pastiche
