#include "dataplane/arp/announcer.h"

#include <gtest/gtest.h>

#include "tests/common/frames.h"

namespace portico::dp::arp {
namespace {

using namespace portico::test;
using namespace std::chrono_literals;

const pkt::MacAddr kMacA{0x02, 0, 0, 0, 0, 0x0a};
const pkt::MacAddr kMacB{0x02, 0, 0, 0, 0, 0x0b};

struct Sent {
  std::size_t port;
  Bytes frame;
};

TEST(Announcer, AnnouncesNewVipsOnEveryPortCountTimes) {
  Announcer a({kMacA, kMacB}, 2, 1000ms);
  const lb::VipTable before({*pkt::IpAddress::parse("192.0.2.100")});
  const lb::VipTable after({*pkt::IpAddress::parse("192.0.2.100"), *pkt::IpAddress::parse("192.0.2.101"),
                            *pkt::IpAddress::parse("2001:db8::101")});
  const auto t0 = Announcer::Clock::now();
  a.vipsChanged(before, after);
  std::vector<Sent> sent;
  auto send = [&sent](std::size_t port, const uint8_t* f, uint32_t len) { sent.push_back({port, Bytes(f, f + len)}); };

  a.tick(t0, send);
  ASSERT_EQ(sent.size(), 4u);  // two new VIPs on two ports; the old VIP is not repeated
  Bytes garp = ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kMacA, 0x0806,
                        arpBody(1, kMacA, v4("192.0.2.101"), {}, v4("192.0.2.101")));
  garp.resize(60, 0);
  EXPECT_EQ(sent[0].port, 0u);
  EXPECT_EQ(sent[0].frame, garp);
  EXPECT_EQ(sent[1].port, 1u);

  Bytes na{136, 0, 0, 0, 0x20, 0, 0, 0};
  const V6 vip = v6("2001:db8::101");
  putBytes(na, vip.data(), 16);
  na.push_back(2);
  na.push_back(1);
  putBytes(na, kMacB.data(), 6);
  EXPECT_EQ(sent[3].frame, ethernet({0x33, 0x33, 0, 0, 0, 1}, kMacB, 0x86dd, ipv6(vip, v6("ff02::1"), 58, na, 255)));

  a.tick(t0 + 500ms, send);
  EXPECT_EQ(sent.size(), 4u);  // not due yet
  a.tick(t0 + 1000ms, send);
  EXPECT_EQ(sent.size(), 8u);
  EXPECT_TRUE(a.idle());
  a.tick(t0 + 5000ms, send);
  EXPECT_EQ(sent.size(), 8u);
}

TEST(Announcer, RefreshAnnouncesEveryVipAgainOnItsPeriod) {
  Announcer a({kMacA}, 1, 1000ms, 30s);
  std::vector<Sent> sent;
  auto send = [&sent](std::size_t port, const uint8_t* f, uint32_t len) { sent.push_back({port, Bytes(f, f + len)}); };
  const auto t0 = Announcer::Clock::now();
  a.vipsChanged({}, lb::VipTable({*pkt::IpAddress::parse("192.0.2.100"), *pkt::IpAddress::parse("2001:db8::100")}));
  a.tick(t0, send);
  EXPECT_EQ(sent.size(), 2u);  // the announcement of the new VIPs
  EXPECT_FALSE(a.idle()) << "a refresh keeps it ticking";
  a.tick(t0 + 29s, send);
  EXPECT_EQ(sent.size(), 2u);
  a.tick(t0 + 30s, send);
  EXPECT_EQ(sent.size(), 4u);  // both again, once
  a.tick(t0 + 31s, send);
  EXPECT_EQ(sent.size(), 4u);
  // A VIP removed is not refreshed.
  a.vipsChanged(lb::VipTable({*pkt::IpAddress::parse("192.0.2.100"), *pkt::IpAddress::parse("2001:db8::100")}),
                lb::VipTable({*pkt::IpAddress::parse("192.0.2.100")}));
  a.tick(t0 + 60s, send);
  ASSERT_EQ(sent.size(), 5u);
  Bytes garp = ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kMacA, 0x0806,
                        arpBody(1, kMacA, v4("192.0.2.100"), {}, v4("192.0.2.100")));
  garp.resize(60, 0);
  EXPECT_EQ(sent[4].frame, garp);
}

TEST(Announcer, CountZeroDisablesAnnouncements) {
  Announcer a({kMacA}, 0, 1000ms);
  a.vipsChanged({}, lb::VipTable({*pkt::IpAddress::parse("192.0.2.100")}));
  EXPECT_TRUE(a.idle());
}

// The standby of an L2 pair says nothing, whatever its VIPs do; taking over, it announces
// every VIP at once, the configured number of times.
TEST(Announcer, AStandbyIsSilentAndATakeoverAnnouncesEveryVip) {
  Announcer a({kMacA}, 2, 1000ms, 30s);
  std::vector<Sent> sent;
  auto send = [&sent](std::size_t port, const uint8_t* f, uint32_t len) { sent.push_back({port, Bytes(f, f + len)}); };
  a.setActive(false);
  const auto t0 = Announcer::Clock::now();
  a.vipsChanged({}, lb::VipTable({*pkt::IpAddress::parse("192.0.2.100"), *pkt::IpAddress::parse("192.0.2.101")}));
  EXPECT_TRUE(a.idle());
  a.tick(t0, send);
  a.tick(t0 + 60s, send);
  EXPECT_TRUE(sent.empty());
  a.setActive(true);
  a.tick(t0 + 61s, send);
  ASSERT_EQ(sent.size(), 2u);
  Bytes garp = ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kMacA, 0x0806,
                        arpBody(1, kMacA, v4("192.0.2.101"), {}, v4("192.0.2.101")));
  garp.resize(60, 0);
  EXPECT_EQ(sent[1].frame, garp);
  a.tick(t0 + 62s, send);
  EXPECT_EQ(sent.size(), 4u) << "count 2";
  a.setActive(false);
  a.tick(t0 + 200s, send);
  EXPECT_EQ(sent.size(), 4u) << "no refresh from a standby";
}

}  // namespace
}  // namespace portico::dp::arp
