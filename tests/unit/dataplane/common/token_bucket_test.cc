#include "dataplane/common/token_bucket.h"

#include <gtest/gtest.h>

namespace portico::dp {
namespace {

constexpr uint64_t kHz = 1'000'000'000;  // one cycle per nanosecond

TEST(TokenBucket, ABurstThenTheRate) {
  TokenBucket r(100, kHz);  // burst 10, one frame per 10 ms
  uint64_t now = 5 * kHz;
  int admitted = 0;
  for (int i = 0; i < 50; ++i) admitted += r.admit(now);
  EXPECT_EQ(admitted, 10);
  EXPECT_FALSE(r.admit(now + 9'000'000));
  EXPECT_TRUE(r.admit(now + 10'000'000));
  EXPECT_FALSE(r.admit(now + 10'000'001));
}

TEST(TokenBucket, OneSecondAdmitsTheRatePlusTheBurst) {
  TokenBucket r(1000, kHz);  // burst 100
  uint64_t admitted = 0;
  for (uint64_t t = kHz; t < 2 * kHz; t += 100'000) admitted += r.admit(t);  // 10 000 offers over 1 s
  EXPECT_GE(admitted, 1000u);
  EXPECT_LE(admitted, 1100u);
}

TEST(TokenBucket, IdleTimeRefillsOnlyUpToTheBurst) {
  TokenBucket r(10, kHz);  // burst 8
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += r.admit(100 * kHz);
  EXPECT_EQ(admitted, 8);
}

TEST(TokenBucket, UnconfiguredAdmitsNothing) {
  TokenBucket r;
  EXPECT_FALSE(r.admit(kHz));
}

}  // namespace
}  // namespace portico::dp
