#include "dataplane/snapshot/vip_slots.h"

#include <gtest/gtest.h>

#include "dataplane/lb/flow_key.h"
#include "dataplane/lb/vip_table.h"

namespace portico::dp::snapshot {
namespace {

pkt::IpAddress ip(const char* text) { return *pkt::IpAddress::parse(text); }

// A VIP keeps its counters' slot while it exists; a freed slot is handed out again only
// once every never-used one is taken, oldest freed first.
TEST(VipSlots, StableWhileTheVipExistsAndReusedLast) {
  VipSlots slots;
  slots.assign({ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::1")});
  const uint16_t a = slots.slotOf(ip("192.0.2.1")), b = slots.slotOf(ip("192.0.2.2"));
  const uint16_t c = slots.slotOf(ip("2001:db8::1"));
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  slots.assign({ip("192.0.2.2"), ip("2001:db8::1"), ip("192.0.2.3")});
  EXPECT_EQ(slots.slotOf(ip("192.0.2.2")), b);
  EXPECT_EQ(slots.slotOf(ip("2001:db8::1")), c);
  EXPECT_EQ(slots.slotOf(ip("192.0.2.3")), 3) << "a fresh slot, not 192.0.2.1's";
  EXPECT_EQ(slots.slotOf(ip("192.0.2.1")), kUncountedVip);
  EXPECT_EQ(slots.uncounted(), 0u);
}

TEST(VipSlots, BeyondTheCountedOnesVipsAreServedUncounted) {
  VipSlots slots;
  std::set<pkt::IpAddress> many;
  for (uint32_t i = 0; i < kVipSlots + 2u; ++i) many.insert(pkt::IpAddress::fromV4(pkt::hton32(0xc6120000u + i)));
  slots.assign(many);
  EXPECT_EQ(slots.uncounted(), 2u);
  // Two counted VIPs leave: the next two new ones get their slots, oldest freed first.
  const pkt::IpAddress first = *many.begin(), second = *std::next(many.begin());
  const uint16_t firstSlot = slots.slotOf(first), secondSlot = slots.slotOf(second);
  many.erase(first);
  many.erase(second);
  many.insert(ip("203.0.113.1"));
  slots.assign(many);
  EXPECT_EQ(slots.slotOf(ip("203.0.113.1")), firstSlot);
  many.insert(ip("203.0.113.2"));
  slots.assign(many);
  EXPECT_EQ(slots.slotOf(ip("203.0.113.2")), secondSlot);
}

// The hot path's question: one search says whether an address is a VIP and where it is
// counted, for IPv4, IPv6 and the v4-mapped form flow keys hold.
TEST(VipTable, FindsEachVipsSlot) {
  VipSlots slots;
  const std::vector<pkt::IpAddress> vips{ip("192.0.2.1"), ip("2001:db8::1"), ip("192.0.2.1")};
  slots.assign({vips.begin(), vips.end()});
  const lb::VipTable table(vips, [&](const pkt::IpAddress& a) { return slots.slotOf(a); });
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.slotV4(ip("192.0.2.1").v4), slots.slotOf(ip("192.0.2.1")));
  EXPECT_EQ(table.slotV6(ip("2001:db8::1").v6), slots.slotOf(ip("2001:db8::1")));
  EXPECT_EQ(table.slotOfMapped(lb::v4Mapped(ip("192.0.2.1").v4)), slots.slotOf(ip("192.0.2.1")));
  EXPECT_EQ(table.slotOfMapped(ip("2001:db8::1").v6), slots.slotOf(ip("2001:db8::1")));
  EXPECT_EQ(table.slotV4(ip("192.0.2.9").v4), kNotAVip);
  EXPECT_FALSE(table.containsV4(ip("192.0.2.9").v4));
  EXPECT_TRUE(table.containsV4(ip("192.0.2.1").v4));
  EXPECT_EQ(lb::VipTable(vips).slotV4(ip("192.0.2.1").v4), kUncountedVip) << "no slots given: served uncounted";
}

}  // namespace
}  // namespace portico::dp::snapshot
