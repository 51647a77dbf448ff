#include "dataplane/lb/rss_steering.h"

#include <gtest/gtest.h>
#include <rte_thash.h>

#include <random>

#include "tests/common/frames.h"

namespace portico::dp::lb {
namespace {

// The key of Microsoft's RSS verification suite, used by most NICs by default.
const std::vector<uint8_t> kKey = test::hexBytes(
    "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa");

FlowKey v4Key(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  FlowKey k;
  k.src = v4Mapped(htonl(test::v4(src)));
  k.dst = v4Mapped(htonl(test::v4(dst)));
  k.srcPort = htons(sport);
  k.dstPort = htons(dport);
  k.proto = 6;
  k.family = 4;
  return k;
}

std::vector<uint16_t> roundRobinReta(unsigned size, unsigned queues) {
  std::vector<uint16_t> reta(size);
  for (unsigned i = 0; i < size; ++i) reta[i] = static_cast<uint16_t>(i % queues);
  return reta;
}

TEST(RssSteering, MatchesTheRssVerificationSuite) {
  const RssSteering s(kKey, roundRobinReta(128, 4), 0);
  EXPECT_EQ(s.hash(v4Key("66.9.149.187", 2794, "161.142.100.80", 1766)), 0x51ccc178u);
  EXPECT_EQ(s.hash(v4Key("199.92.111.2", 14230, "65.69.140.83", 4739)), 0xc626b0eau);
  FlowKey v6;
  v6.src = test::v6("3ffe:2501:200:1fff::7");
  v6.dst = test::v6("3ffe:2501:200:3::1");
  v6.srcPort = htons(2794);
  v6.dstPort = htons(1766);
  v6.family = 6;
  EXPECT_EQ(s.hash(v6), 0x40207d3du);
}

TEST(RssSteering, ChosenPortsSteerRepliesToTheQueue) {
  std::mt19937 rng(5);
  for (uint16_t queue = 0; queue < 4; ++queue) {
    RssSteering s(kKey, roundRobinReta(128, 4), queue);
    ASSERT_TRUE(s.usable());
    for (int i = 0; i < 200; ++i) {
      FlowKey reply;
      const uint32_t backend = rng(), snat = rng();
      reply.src = v4Mapped(backend);
      reply.dst = v4Mapped(snat);
      reply.srcPort = static_cast<uint16_t>(rng());
      reply.family = 4;
      const uint16_t port = s.choose(reply, [](uint16_t) { return true; });
      ASSERT_GE(port, RssSteering::kFirstPort);
      reply.dstPort = htons(port);
      // Checked with DPDK's own tuple layout, not ours.
      rte_ipv4_tuple t{};
      t.src_addr = ntohl(backend);
      t.dst_addr = ntohl(snat);
      t.sport = ntohs(reply.srcPort);
      t.dport = port;
      const uint32_t h = rte_softrss(reinterpret_cast<uint32_t*>(&t), RTE_THASH_V4_L4_LEN, kKey.data());
      EXPECT_EQ(h, s.hash(reply));
      EXPECT_EQ(roundRobinReta(128, 4)[h & 127], queue);
    }
  }
}

TEST(RssSteering, Ipv6RepliesSteeredToo) {
  RssSteering s(kKey, roundRobinReta(512, 3), 2);
  for (int i = 0; i < 100; ++i) {
    FlowKey reply;
    reply.src = test::v6("2001:db8:1::11");
    reply.dst = test::v6("2001:db8:1::2");
    reply.src[15] = static_cast<uint8_t>(i);
    reply.srcPort = htons(8443);
    reply.family = 6;
    const uint16_t port = s.choose(reply, [](uint16_t) { return true; });
    ASSERT_NE(port, 0);
    reply.dstPort = htons(port);
    EXPECT_EQ(s.queueOf(reply), 2);
  }
}

TEST(RssSteering, BusyPortsAreSkippedAndExhaustionReported) {
  RssSteering s(kKey, roundRobinReta(128, 2), 1);
  FlowKey reply = v4Key("198.51.100.11", 8080, "198.51.100.2", 0);
  const uint16_t first = s.choose(reply, [](uint16_t) { return true; });
  const uint16_t other = s.choose(reply, [first](uint16_t p) { return p != first; });
  EXPECT_NE(other, first);
  EXPECT_NE(other, 0);
  EXPECT_EQ(s.choose(reply, [](uint16_t) { return false; }), 0);
}

TEST(RssSteering, UnusableWithoutAPowerOfTwoTable) {
  EXPECT_FALSE(RssSteering(kKey, roundRobinReta(100, 2), 0).usable());
  EXPECT_FALSE(RssSteering(kKey, roundRobinReta(128, 2), 5).usable());
}

}  // namespace
}  // namespace portico::dp::lb
