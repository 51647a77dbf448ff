#include "dataplane/l7/reassembly.h"

#include <gtest/gtest.h>

namespace portico::dp::l7 {
namespace {

TEST(Reassembly, InOrderOutOfOrderAndDuplicates) {
  Reassembly r;
  EXPECT_TRUE(r.add(0, 10));
  EXPECT_EQ(r.contiguous(), 10u);
  EXPECT_TRUE(r.add(30, 10));
  EXPECT_TRUE(r.add(50, 5));
  EXPECT_EQ(r.contiguous(), 10u) << "a hole stops the prefix";
  EXPECT_EQ(r.pendingRanges(), 2u);
  EXPECT_TRUE(r.add(35, 10)) << "overlaps merge";
  EXPECT_EQ(r.pendingRanges(), 2u);
  EXPECT_TRUE(r.add(10, 20));
  EXPECT_EQ(r.contiguous(), 45u) << "the hole filled reaches the range after it";
  EXPECT_TRUE(r.add(45, 5));
  EXPECT_EQ(r.contiguous(), 55u);
  EXPECT_EQ(r.pendingRanges(), 0u);
  EXPECT_TRUE(r.add(0, 55)) << "a duplicate changes nothing";
  EXPECT_EQ(r.contiguous(), 55u);
}

TEST(Reassembly, TooManyHolesAreRefused) {
  Reassembly r;
  for (uint32_t i = 0; i < Reassembly::kMaxRanges; ++i) EXPECT_TRUE(r.add(10 + 10 * i, 5));
  EXPECT_FALSE(r.add(100, 5));
  EXPECT_TRUE(r.add(0, 10)) << "the missing prefix is always taken";
  EXPECT_EQ(r.contiguous(), 15u);
}

}  // namespace
}  // namespace portico::dp::l7
