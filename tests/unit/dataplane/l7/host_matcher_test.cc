#include "dataplane/l7/host_matcher.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::dp::l7 {
namespace {

// Each case runs twice: with the wildcards compared directly, and with enough unrelated
// wildcards beside them that they go to the suffix table.
class HostMatcherTest : public ::testing::TestWithParam<bool> {
 protected:
  void build(std::vector<HostPattern> patterns) {
    if (GetParam()) {
      for (uint32_t i = 0; i <= HostMatcher::kDirectWildcards; ++i) {
        patterns.push_back({"*.unrelated" + std::to_string(i) + ".invalid", 1000 + i});
      }
    }
    auto m = HostMatcher::build(patterns);
    ASSERT_TRUE(m) << m.error().toString();
    matcher_ = std::move(*m);
  }
  uint32_t match(std::string_view host) { return matcher_->match(host); }

  std::unique_ptr<HostMatcher> matcher_;
};
INSTANTIATE_TEST_SUITE_P(Wildcards, HostMatcherTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "InTheSuffixTable" : "ComparedDirectly"; });

TEST_P(HostMatcherTest, ExactThenMostSpecificWildcardThenCatchAll) {
  build({{"*.example.com", 1}, {"*.sjc.example.com", 2}, {"prometheus.sjc.example.com", 3}, {"", 4}});
  EXPECT_EQ(match("prometheus.sjc.example.com"), 3u);
  EXPECT_EQ(match("grafana.sjc.example.com"), 2u);
  EXPECT_EQ(match("a.b.sjc.example.com"), 2u) << "an HTTP wildcard takes several labels";
  EXPECT_EQ(match("www.example.com"), 1u);
  EXPECT_EQ(match("example.com"), 4u) << "a wildcard never matches its apex";
  EXPECT_EQ(match("sjc.example.com"), 1u);
  EXPECT_EQ(match("other.org"), 4u);
  EXPECT_EQ(match(""), 4u);
}

TEST_P(HostMatcherTest, NoCatchAllMeansNoMatch) {
  build({{"A.Example.com", 1}, {"*.example.net", 2}});
  EXPECT_EQ(match("a.example.com"), 1u) << "patterns are lowercased";
  EXPECT_EQ(match("b.example.com"), HostMatcher::kNoMatch);
  EXPECT_EQ(match("xexample.net"), HostMatcher::kNoMatch) << "the suffix starts at a label boundary";
  EXPECT_EQ(match("example.net.evil.org"), HostMatcher::kNoMatch) << "the suffix must end the name";
}

// Gateway API wildcards cover any depth, for SNI as for Host (RFC 6125's one label is
// not what the spec or porticoctl explain say).
TEST_P(HostMatcherTest, WildcardsCoverAnyDepth) {
  build({{"*.example.com", 1}});
  EXPECT_EQ(match("a.example.com"), 1u);
  EXPECT_EQ(match("a.b.example.com"), 1u);
  EXPECT_EQ(match("example.com"), HostMatcher::kNoMatch);
}

TEST_P(HostMatcherTest, RepeatedSuffixOccurrences) {
  build({{"*.a.com", 1}});
  EXPECT_EQ(match("x.a.com.a.com"), 1u);
  EXPECT_EQ(match("x.a.com.b.com"), HostMatcher::kNoMatch);
}

TEST_P(HostMatcherTest, NamesThatAreNotQuiteHostNames) {
  build({{"*.example.com", 1}, {"*.com", 2}});
  EXPECT_EQ(match(".example.com"), 2u) << "an empty first label: the next suffix";
  EXPECT_EQ(match("example.com."), HostMatcher::kNoMatch) << "trailing dots are removed before the match";
  EXPECT_EQ(match("a..example.com"), 1u);
  EXPECT_EQ(match("com"), HostMatcher::kNoMatch);
  EXPECT_EQ(match("."), HostMatcher::kNoMatch);
  EXPECT_EQ(match(std::string(300, 'a') + ".example.com"), 1u) << "no length limit";
}

TEST(HostMatcherErrors, NameThePattern) {
  auto m = HostMatcher::build({{"a.example.com", 1}, {"A.example.com", 2}});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().toString(), "hostname A.example.com: listed twice");
  m = HostMatcher::build({{"a.*.com", 1}});
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().what.find("leading"), std::string::npos);
  std::vector<HostPattern> many;
  for (uint32_t i = 0; i <= HostMatcher::kDirectWildcards; ++i) many.push_back({"*.h" + std::to_string(i) + ".com", i});
  many.push_back({"*.H3.com", 99});
  m = HostMatcher::build(many);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().toString(), "hostname *.h3.com: listed twice");
  m = HostMatcher::build({{"*.a.com", 1}, {"*.b.com", 2}, {"*.A.com", 3}});
  ASSERT_FALSE(m) << "a repeat among few wildcards, with another of its length between";
  EXPECT_EQ(m.error().toString(), "hostname *.a.com: listed twice");
}

TEST_P(HostMatcherTest, TenThousandWildcards) {
  std::vector<HostPattern> patterns;
  for (uint32_t i = 0; i < 10'000; ++i) patterns.push_back({"*.h" + std::to_string(i) + ".example.com", i});
  build(patterns);
  EXPECT_EQ(match("x.h9999.example.com"), 9999u);
  EXPECT_EQ(match("x.h0.example.com"), 0u);
  EXPECT_EQ(match("x.h10000.example.com"), HostMatcher::kNoMatch);
}

// What lets a port with one listener skip the listener lookup: every host name must be
// one the listener's hostname takes.
TEST(HostWithin, FollowsTheListenerHostname) {
  EXPECT_TRUE(hostWithin("a.example.com", ""));
  EXPECT_TRUE(hostWithin("", ""));
  EXPECT_FALSE(hostWithin("", "*.example.com")) << "a catch-all host is wider than its listener";
  EXPECT_TRUE(hostWithin("A.Example.com", "a.example.COM")) << "names compare in any case";
  EXPECT_FALSE(hostWithin("b.example.com", "a.example.com"));
  EXPECT_TRUE(hostWithin("a.example.com", "*.example.com"));
  EXPECT_TRUE(hostWithin("a.b.example.com", "*.example.com"));
  EXPECT_FALSE(hostWithin("example.com", "*.example.com")) << "never the apex";
  EXPECT_FALSE(hostWithin("a.badexample.com", "*.example.com"));
  EXPECT_TRUE(hostWithin("*.example.com", "*.example.com"));
  EXPECT_TRUE(hostWithin("*.a.example.com", "*.example.com"));
  EXPECT_FALSE(hostWithin("*.example.com", "a.example.com"));
  EXPECT_FALSE(hostWithin("a.other.com", "*.example.com"));
}

}  // namespace
}  // namespace portico::dp::l7
