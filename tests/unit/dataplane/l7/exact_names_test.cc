#include "dataplane/l7/exact_names.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::dp::l7 {
namespace {

TEST(ExactNames, FindsWhatWasInsertedAndNothingElse) {
  ExactNames t;
  EXPECT_EQ(t.find("a.example.com"), ExactNames::kNoMatch);
  ASSERT_TRUE(t.insert("a.example.com", 1));
  ASSERT_TRUE(t.insert("b.example.com", 2));
  EXPECT_EQ(t.find("a.example.com"), 1u);
  EXPECT_EQ(t.find("b.example.com"), 2u);
  EXPECT_EQ(t.find("c.example.com"), ExactNames::kNoMatch);
  EXPECT_EQ(t.find("a.example.co"), ExactNames::kNoMatch);
  EXPECT_EQ(t.find(""), ExactNames::kNoMatch);
}

TEST(ExactNames, RejectsADuplicate) {
  ExactNames t;
  ASSERT_TRUE(t.insert("a.example.com", 1));
  EXPECT_FALSE(t.insert("a.example.com", 2));
  EXPECT_EQ(t.find("a.example.com"), 1u);
}

TEST(ExactNames, NamesLongerThanASlotLiveInTheArena) {
  ExactNames t;
  const std::string longName = std::string(200, 'x') + ".example.com";
  const std::string sameStart = std::string(200, 'x') + ".example.org";
  ASSERT_TRUE(t.insert(longName, 7));
  ASSERT_TRUE(t.insert(std::string(48, 'y'), 8));  // exactly a slot's worth inline
  EXPECT_EQ(t.find(longName), 7u);
  EXPECT_EQ(t.find(sameStart), ExactNames::kNoMatch);
  EXPECT_EQ(t.find(std::string(48, 'y')), 8u);
  EXPECT_FALSE(t.insert(longName, 9));
}

TEST(ExactNames, GrowsWithoutLosingNames) {
  ExactNames t;  // no reserve: every doubling rehashes
  for (uint32_t i = 0; i < 20000; ++i) ASSERT_TRUE(t.insert("h" + std::to_string(i) + ".example.com", i));
  for (uint32_t i = 0; i < 20000; ++i) ASSERT_EQ(t.find("h" + std::to_string(i) + ".example.com"), i) << i;
  EXPECT_EQ(t.find("h20000.example.com"), ExactNames::kNoMatch);
  EXPECT_GE(t.bytes(), 20000u * 64);
}

}  // namespace
}  // namespace portico::dp::l7
