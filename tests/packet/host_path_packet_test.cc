// The host path with ring devices: what the port's own address receives and nothing here
// claims reaches the host device unchanged, BGP ahead of the rate limit; what the host
// sends leaves through the port; answers to the port's neighbour requests reach both the
// control thread and the host.

#include "tests/packet/packet_fixture.h"

namespace portico::test {
namespace {

class HostPath : public PacketTest {
 protected:
  static void SetUpTestSuite() {
    PacketTest::SetUpTestSuite();
    if (host_.rx == nullptr) host_.create("host");
  }

  void SetUp() override {
    auto cfg = baseConfig();
    cfg.ports[0].host.device = host_.device;
    cfg.ports[0].host.ratePps = 10;  // a burst of 8, then one every 100 ms
    cfg.desired.vips.push_back(ip("192.0.2.100"));  // a VIP without a service
    start(cfg);
  }

  void TearDown() override {
    PacketTest::TearDown();
    host_.drain();
  }

  // From the client to the port's own address.
  static Bytes toPort(uint8_t proto, const Bytes& l4) { return frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.2", proto, l4); }
  static Bytes tcpToPort(uint16_t dport) { return toPort(6, segment4("192.0.2.1", "192.0.2.2", 40000, dport, kSyn, 1, 0)); }
  static Bytes ping() { return toPort(1, icmpEcho(8, 7, 1, Bytes(32, 0xab))); }

  std::vector<Bytes> toHost() {
    rt_->pumpHost();
    return host_.collect();
  }

  static inline RingPort host_;
};

TEST_F(HostPath, UnclaimedTrafficForThePortAddressReachesTheHostUnchanged) {
  client_.inject(pool_, tcpToPort(22));
  client_.inject(pool_, ping());
  poll();
  const auto out = toHost();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], tcpToPort(22));
  EXPECT_EQ(out[1], ping());
  EXPECT_EQ(counters().toHost.load(), 2u);
  EXPECT_TRUE(client_.collect().empty()) << "the dataplane itself answers none of it";
}

TEST_F(HostPath, WhatTheHostSendsLeavesThroughThePort) {
  const Bytes reply = frame4(kClientMac, kPortMac, "192.0.2.2", "192.0.2.1", 6,
                             segment4("192.0.2.2", "192.0.2.1", 22, 40000, kSyn | kAck, 9, 2));
  host_.inject(pool_, reply);
  EXPECT_EQ(rt_->pumpHost(), 1u);
  poll();
  const auto out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], reply);
}

TEST_F(HostPath, AFloodIsRateLimitedButBgpIsNot) {
  for (int i = 0; i < 40; ++i) client_.inject(pool_, ping());
  for (int i = 0; i < 20; ++i) client_.inject(pool_, tcpToPort(179));
  poll(3);
  const auto out = toHost();
  const auto bgp = static_cast<std::size_t>(std::count(out.begin(), out.end(), tcpToPort(179)));
  EXPECT_EQ(bgp, 20u);
  EXPECT_LE(out.size() - bgp, 9u) << "a burst of 8, and one more if 100 ms went by";
  EXPECT_GE(drops(dp::DropReason::kHostRateLimited), 31u);
}

TEST_F(HostPath, AnswersToThePortsNeighbourRequestsAlsoReachTheHost) {
  Bytes reply = ethernet(kPortMac, kClientMac, 0x0806, arpBody(2, kClientMac, v4("192.0.2.1"), kPortMac, v4("192.0.2.2")));
  reply.resize(60, 0);
  client_.inject(pool_, reply);
  poll();
  tick();
  const auto out = toHost();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], reply);
  EXPECT_EQ(counters().neighborLearned.load(), 1u);
}

TEST_F(HostPath, VipTrafficNeverGoesToTheHost) {
  // Only the port's own address has a host path: a VIP's traffic without a service is
  // dropped, not handed to the kernel.
  client_.inject(pool_, frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6,
                               segment4("192.0.2.1", "192.0.2.100", 40000, 80, kSyn, 1, 0)));
  poll();
  EXPECT_TRUE(toHost().empty());
  EXPECT_EQ(drops(dp::DropReason::kNoServiceOnVip), 1u);
}

}  // namespace
}  // namespace portico::test
