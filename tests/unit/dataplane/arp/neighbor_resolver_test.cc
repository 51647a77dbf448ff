#include "dataplane/arp/neighbor_resolver.h"

#include <gtest/gtest.h>

#include "dataplane/arp/announce.h"
#include "tests/common/frames.h"

namespace portico::dp::arp {
namespace {

using namespace portico::test;
using namespace std::chrono_literals;

const pkt::MacAddr kPortMac{0x02, 0, 0, 0, 0, 0x02};
const Mac kBackendMac{0x02, 0xbe, 0, 0, 0, 0x11};

struct Sent {
  std::size_t port;
  Bytes frame;
};

class Resolver : public ::testing::Test {
 protected:
  Resolver() {
    PortAddresses port;
    port.mac = kPortMac;
    port.ipv4 = htonl(v4("198.51.100.2"));
    port.ipv6 = v6("2001:db8:1::2");
    resolver_ = std::make_unique<NeighborResolver>(cache_, std::vector<PortAddresses>{port}, 1000ms, 30000ms);
  }
  void tick(NeighborResolver::Clock::time_point now) {
    resolver_->tick(now, [this](std::size_t p, const uint8_t* f, uint32_t len) { sent_.push_back({p, Bytes(f, f + len)}); });
  }
  Bytes arpReply() {
    return ethernet(kPortMac, kBackendMac, 0x0806,
                    arpBody(2, kBackendMac, v4("198.51.100.11"), kPortMac, v4("198.51.100.2")));
  }

  NeighborCache cache_{8};
  std::unique_ptr<NeighborResolver> resolver_;
  std::vector<Sent> sent_;
};

TEST_F(Resolver, AsksLearnsAndRefreshes) {
  const auto t0 = NeighborResolver::Clock::now();
  const uint32_t slot = cache_.slotFor(0, *pkt::IpAddress::parse("198.51.100.11"));
  tick(t0);
  ASSERT_EQ(sent_.size(), 1u);
  uint8_t want[kAnnounceFrameCapacity];
  const uint32_t len = buildArpRequest(want, kPortMac, htonl(v4("198.51.100.2")), htonl(v4("198.51.100.11")));
  EXPECT_EQ(sent_[0].frame, Bytes(want, want + len));
  tick(t0 + 500ms);
  EXPECT_EQ(sent_.size(), 1u);  // not yet due again
  tick(t0 + 1000ms);
  EXPECT_EQ(sent_.size(), 2u);  // unresolved: asked again after the retry interval

  const Bytes reply = arpReply();
  EXPECT_TRUE(resolver_->onFrame(0, reply.data(), static_cast<uint32_t>(reply.size()), t0 + 1100ms));
  EXPECT_EQ(cache_.mac(slot), pkt::MacAddr(kBackendMac));
  tick(t0 + 2500ms);
  EXPECT_EQ(sent_.size(), 2u);  // resolved: quiet until the refresh
  tick(t0 + 31200ms);
  EXPECT_EQ(sent_.size(), 3u);
  EXPECT_EQ(cache_.mac(slot), pkt::MacAddr(kBackendMac));  // kept while re-asking
}

TEST_F(Resolver, AnswersNobodyAskedForAreIgnored) {
  const Bytes reply = arpReply();
  EXPECT_FALSE(resolver_->onFrame(0, reply.data(), static_cast<uint32_t>(reply.size()), NeighborResolver::Clock::now()));
}

TEST_F(Resolver, PinnedEntriesAreNeverAskedOrReplaced) {
  ASSERT_TRUE(cache_.pin(0, *pkt::IpAddress::parse("198.51.100.11"), pkt::MacAddr{2, 0, 0, 0, 0, 9}));
  tick(NeighborResolver::Clock::now());
  EXPECT_TRUE(sent_.empty());
  const Bytes reply = arpReply();
  EXPECT_FALSE(resolver_->onFrame(0, reply.data(), static_cast<uint32_t>(reply.size()), NeighborResolver::Clock::now()));
}

TEST_F(Resolver, UnusedSlotsIdleThenAreFreedOrTakenOver) {
  for (int i = 0; i < 8; ++i) {
    ASSERT_NE(cache_.slotFor(0, pkt::IpAddress::fromV4(htonl(v4("198.51.100.20") + i))), NeighborCache::kNoSlot);
  }
  EXPECT_EQ(cache_.slotFor(0, *pkt::IpAddress::parse("198.51.100.99")), NeighborCache::kNoSlot);
  std::vector<bool> used(8, false);
  used[3] = true;
  const auto now = NeighborResolver::Clock::now();
  cache_.retainOnly(used, now);
  EXPECT_EQ(cache_.liveEntries(), 1u);
  // The cache is full of idle next hops: a new one takes the slot of the oldest.
  EXPECT_NE(cache_.slotFor(0, *pkt::IpAddress::parse("198.51.100.99")), NeighborCache::kNoSlot);
  tick(now);
  EXPECT_EQ(sent_.size(), 2u);  // the kept one and the new one; idle slots are not asked for
  // Idle past the hold: freed.
  cache_.retainOnly({false, false, false, true}, now + NeighborCache::kIdleHold);
  EXPECT_EQ(cache_.liveEntries(), 1u);
  EXPECT_FALSE(cache_.entries()[1].live);  // idle since `now`: freed; slot 0 (the new one) only now idle
}

// A backend that leaves the desired state and comes back (an endpoint that flaps) keeps
// its address: it is reachable at once, with no new resolution.
TEST_F(Resolver, ANextHopThatComesBackKeepsItsAddress) {
  const auto ip = *pkt::IpAddress::parse("198.51.100.20");
  const uint32_t slot = cache_.slotFor(0, ip);
  const auto now = NeighborResolver::Clock::now();
  ASSERT_TRUE(cache_.learn(0, ip, pkt::MacAddr{2, 0, 0, 0, 0, 0x20}, now));
  cache_.retainOnly({false}, now);
  EXPECT_EQ(cache_.liveEntries(), 0u);
  EXPECT_EQ(cache_.slotFor(0, ip), slot);
  uint8_t mac[6];
  EXPECT_TRUE(cache_.copyMac(slot, mac));
  EXPECT_EQ(mac[5], 0x20);
  EXPECT_EQ(cache_.liveEntries(), 1u);
}

}  // namespace
}  // namespace portico::dp::arp
