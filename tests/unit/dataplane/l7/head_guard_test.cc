#include "dataplane/l7/head_guard.h"

#include <gtest/gtest.h>

#include "dataplane/lb/flow_key.h"

namespace portico::dp::l7 {
namespace {

pkt::Ipv6Addr v4(const char* text) { return lb::v4Mapped(pkt::IpAddress::parse(text)->v4); }
pkt::Ipv6Addr v6(const char* text) { return pkt::IpAddress::parse(text)->v6; }

TEST(HeadGuard, NobodyGivesUpABufferWhileThereIsRoom) {
  HeadGuard g(8, 3, {}, 42);
  const uint32_t a = g.sourceOf(v4("192.0.2.1"));
  EXPECT_EQ(g.victimFor(a, false), HeadGuard::kNone);
  g.enter(0, 100, a);
  g.enter(1, 101, a);
  EXPECT_EQ(g.victimFor(a, false), HeadGuard::kNone);
  EXPECT_EQ(g.headsOf(a), 2u);
  EXPECT_EQ(g.heads(), 2u);
}

TEST(HeadGuard, ASourceAtItsShareGivesUpItsOwnOldest) {
  HeadGuard g(8, 3, {}, 42);
  const uint32_t a = g.sourceOf(v4("192.0.2.1")), b = g.sourceOf(v4("192.0.2.3"));
  ASSERT_NE(a, b);
  g.enter(0, 100, b);  // the oldest of all, but another source's
  g.enter(1, 101, a);
  g.enter(2, 102, a);
  g.enter(3, 103, a);
  EXPECT_EQ(g.victimFor(a, false), 101u);
  EXPECT_EQ(g.victimFor(b, false), HeadGuard::kNone);
  g.leave(1);
  EXPECT_EQ(g.victimFor(a, false), HeadGuard::kNone);
  g.enter(4, 104, a);
  EXPECT_EQ(g.victimFor(a, false), 102u);
}

TEST(HeadGuard, AnEmptyPoolGivesUpTheOldestOfAll) {
  HeadGuard g(4, 10, {}, 42);
  const uint32_t a = g.sourceOf(v4("192.0.2.1")), b = g.sourceOf(v4("192.0.2.3"));
  g.enter(2, 100, a);
  g.enter(0, 101, b);
  g.enter(3, 102, a);
  EXPECT_EQ(g.victimFor(b, true), 100u);
  g.leave(2);
  EXPECT_EQ(g.victimFor(a, true), 101u);
  g.leave(0);
  g.leave(0);  // twice is harmless
  g.leave(3);
  EXPECT_EQ(g.victimFor(a, true), HeadGuard::kNone);
  EXPECT_EQ(g.heads(), 0u);
}

TEST(HeadGuard, TrustedPeersHaveNoShareButCanBeTheOldest) {
  const std::vector<pkt::IpPrefix> trusted{*pkt::IpPrefix::parse("203.0.113.0/28")};
  HeadGuard g(8, 1, trusted, 42);
  const uint32_t f5 = g.sourceOf(v4("203.0.113.5"));
  EXPECT_EQ(f5, HeadGuard::kTrusted);
  EXPECT_NE(g.sourceOf(v4("203.0.113.16")), HeadGuard::kTrusted);
  for (uint32_t i = 0; i < 4; ++i) g.enter(i, 200 + i, f5);
  EXPECT_EQ(g.victimFor(f5, false), HeadGuard::kNone);
  EXPECT_EQ(g.victimFor(f5, true), 200u);
  EXPECT_EQ(g.headsOf(f5), 0u);
}

TEST(HeadGuard, AnIpv6SourceIsItsSlash64) {
  HeadGuard g(1024, 4, {}, 7);
  EXPECT_EQ(g.sourceOf(v6("2001:db8:1:2::1")), g.sourceOf(v6("2001:db8:1:2:ffff::9")));
  EXPECT_NE(g.sourceOf(v6("2001:db8:1:2::1")), g.sourceOf(v6("2001:db8:1:3::1")));
  // IPv4 sources are told apart by the whole address.
  EXPECT_NE(g.sourceOf(v4("192.0.2.1")), g.sourceOf(v4("192.0.2.2")));
}

TEST(IpPrefix, ParsesAndMatchesBothFamilies) {
  const auto p4 = pkt::IpPrefix::parse("192.0.2.0/24");
  ASSERT_TRUE(p4);
  EXPECT_TRUE(p4->contains(v4("192.0.2.200")));
  EXPECT_FALSE(p4->contains(v4("192.0.3.1")));
  EXPECT_FALSE(p4->contains(v6("2001:db8::1")));
  const auto host = pkt::IpPrefix::parse("198.51.100.7");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->contains(v4("198.51.100.7")));
  EXPECT_FALSE(host->contains(v4("198.51.100.6")));
  const auto p6 = pkt::IpPrefix::parse("2001:db8:8000::/33");
  ASSERT_TRUE(p6);
  EXPECT_TRUE(p6->contains(v6("2001:db8:ffff::1")));
  EXPECT_FALSE(p6->contains(v6("2001:db8:7fff::1")));
  EXPECT_TRUE(pkt::IpPrefix::parse("0.0.0.0/0")->contains(v4("203.0.113.9")));
  for (const char* bad : {"192.0.2.1/24", "192.0.2.0/33", "2001:db8::/129", "192.0.2.0/", "192.0.2.0/x", "nope"}) {
    EXPECT_FALSE(pkt::IpPrefix::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace portico::dp::l7
