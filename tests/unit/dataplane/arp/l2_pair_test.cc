#include "dataplane/arp/l2_pair.h"

#include <gtest/gtest.h>

#include <vector>

#include "dataplane/pkt/checksum.h"
#include "tests/common/frames.h"

namespace portico::dp::arp {
namespace {

using namespace portico::test;
using namespace std::chrono_literals;
using Role = L2Pair::Role;

const pkt::MacAddr kMacA{0x02, 0, 0, 0, 0, 0x0a};
const pkt::MacAddr kMacB{0x02, 0, 0, 0, 0, 0x0b};

PairSettings settings(const char* self, const char* peer, uint8_t priority) {
  PairSettings s;
  s.port = 0;
  s.self = htonl(v4(self));
  s.peer = htonl(v4(peer));
  s.priority = priority;
  s.interval = 100ms;
  return s;
}

// Two appliances on one segment; `linkUp` false: their heartbeats are lost.
struct Segment {
  L2Pair a, b;
  L2Pair::Clock::time_point now;
  bool linkUp = true;
  bool aRuns = true, bRuns = true;

  Segment(uint8_t priorityA, uint8_t priorityB, L2Pair::Clock::time_point t0)
      : a(settings("192.0.2.2", "192.0.2.3", priorityA), kMacA),
        b(settings("192.0.2.3", "192.0.2.2", priorityB), kMacB),
        now(t0) {}

  // Runs both for `span` in 10 ms steps (the control thread's tick).
  void run(std::chrono::milliseconds span) {
    for (auto end = now + span; now < end; now += 10ms) {
      uint8_t frame[L2Pair::kFrameCapacity];
      if (aRuns) {
        if (const uint32_t n = a.heartbeatDue(now, frame); n != 0 && linkUp && bRuns) EXPECT_TRUE(b.take(0, frame, n, now));
        a.decide(now);
      }
      if (bRuns) {
        if (const uint32_t n = b.heartbeatDue(now, frame); n != 0 && linkUp && aRuns) EXPECT_TRUE(a.take(0, frame, n, now));
        b.decide(now);
      }
    }
  }
};

// The listening starts with the first decision (the control thread's first tick, once the
// workers receive), not when the pair was made: a slow start must not cut it short.
TEST(L2Pair, AloneItListensThreeIntervalsThenTakesTheVips) {
  L2Pair p(settings("192.0.2.2", "192.0.2.3", 100), kMacA);
  const L2Pair::Clock::time_point t0 = L2Pair::Clock::time_point{} + 5s;
  EXPECT_FALSE(p.decide(t0));
  EXPECT_FALSE(p.decide(t0 + 290ms));
  EXPECT_EQ(p.role(), Role::kStarting);
  EXPECT_TRUE(p.decide(t0 + 300ms));
  EXPECT_EQ(p.role(), Role::kActive);
  EXPECT_EQ(p.why(), "the peer 192.0.2.3 was not heard since we started");
}

TEST(L2Pair, TwoStartingTogetherElectTheHigherPriorityThenTheHigherAddress) {
  Segment s(100, 200, L2Pair::Clock::time_point{});
  s.run(1000ms);
  EXPECT_EQ(s.a.role(), Role::kStandby);
  EXPECT_EQ(s.b.role(), Role::kActive);

  Segment tie(100, 100, L2Pair::Clock::time_point{});
  tie.run(1000ms);
  EXPECT_EQ(tie.a.role(), Role::kStandby);
  EXPECT_EQ(tie.b.role(), Role::kActive) << "192.0.2.3 > 192.0.2.2";
}

TEST(L2Pair, TheStandbyTakesOverAfterThreeSilentIntervalsAndNotBefore) {
  Segment s(200, 100, L2Pair::Clock::time_point{});
  s.run(1000ms);
  ASSERT_TRUE(s.a.active());
  ASSERT_EQ(s.b.role(), Role::kStandby);
  s.aRuns = false;  // a dies
  s.run(200ms);
  EXPECT_EQ(s.b.role(), Role::kStandby) << "two missed heartbeats are not a death";
  s.run(200ms);
  EXPECT_TRUE(s.b.active());
  EXPECT_EQ(s.b.why(), "the peer 192.0.2.2 went silent");
}

TEST(L2Pair, AReturningApplianceDoesNotPreempt) {
  Segment s(200, 100, L2Pair::Clock::time_point{});
  s.run(1000ms);
  s.aRuns = false;
  s.run(1000ms);
  ASSERT_TRUE(s.b.active());
  // a starts again, with its higher priority: b is active, so a waits.
  s.a = L2Pair(settings("192.0.2.2", "192.0.2.3", 200), kMacA);
  s.aRuns = true;
  s.run(3000ms);
  EXPECT_EQ(s.a.role(), Role::kStandby);
  EXPECT_EQ(s.a.why(), "the peer 192.0.2.3 is active");
  EXPECT_TRUE(s.b.active());
}

TEST(L2Pair, AHealedPartitionLeavesOneActive) {
  Segment s(100, 200, L2Pair::Clock::time_point{});
  s.run(1000ms);
  ASSERT_TRUE(s.b.active());
  s.linkUp = false;
  s.run(1000ms);
  ASSERT_TRUE(s.a.active()) << "cut off, the standby takes over";
  ASSERT_TRUE(s.b.active());
  s.linkUp = true;
  s.run(500ms);
  EXPECT_EQ(s.a.role(), Role::kStandby);
  EXPECT_EQ(s.a.why(), "the peer 192.0.2.3 is active too and has precedence");
  EXPECT_TRUE(s.b.active());
}

TEST(L2Pair, TheHeartbeatIsABroadcastUdpFrameFromThePortsAddressToThePeers) {
  L2Pair a(settings("192.0.2.2", "192.0.2.3", 150), kMacA);
  uint8_t frame[L2Pair::kFrameCapacity];
  const uint32_t n = a.heartbeatDue(L2Pair::Clock::time_point{}, frame);
  ASSERT_EQ(n, 60u);
  EXPECT_EQ(a.heartbeatDue(L2Pair::Clock::time_point{} + 50ms, frame), 0u) << "one per interval";
  const Bytes f(frame, frame + n);
  EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(6, 0xff));
  EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), Bytes(kMacA.begin(), kMacA.end()));
  EXPECT_TRUE(pkt::checksumValid(pkt::sumBytes(frame + 14, 20))) << "IPv4 header checksum";
  EXPECT_EQ(f[22], 1) << "TTL 1: never routed";
  EXPECT_EQ(f[23], 17);
  EXPECT_EQ(Bytes(f.begin() + 26, f.begin() + 34), (Bytes{192, 0, 2, 2, 192, 0, 2, 3}));
  EXPECT_EQ(Bytes(f.begin() + 36, f.begin() + 38), (Bytes{0x1f, 0x0b})) << "UDP port 7947";

  L2Pair b(settings("192.0.2.3", "192.0.2.2", 100), kMacB);
  EXPECT_FALSE(b.take(1, frame, n, {})) << "another port";
  L2Pair c(settings("192.0.2.4", "192.0.2.2", 100), kMacB);
  EXPECT_FALSE(c.take(0, frame, n, {})) << "for another address";
  Bytes bad = f;
  bad[42] = 'X';
  EXPECT_FALSE(b.take(0, bad.data(), n, {})) << "not a heartbeat";
  EXPECT_FALSE(b.peerAlive({}));
  EXPECT_TRUE(b.take(0, frame, n, {}));
  EXPECT_TRUE(b.peerAlive({}));
}

}  // namespace
}  // namespace portico::dp::arp
