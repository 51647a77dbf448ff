#include "dataplane/lb/flow_table.h"

#include <gtest/gtest.h>

namespace portico::dp::lb {
namespace {

FlowKey key(uint32_t client, uint16_t port) {
  FlowKey k;
  k.src = v4Mapped(client);
  k.dst = v4Mapped(0x640200c0);  // 192.0.2.100
  k.srcPort = port;
  k.dstPort = 80;
  k.proto = 6;
  k.family = 4;
  return k;
}

FlowKey replyKey(uint16_t snatPort, uint32_t backend = 0x0b6433c6) {
  FlowKey k;
  k.src = v4Mapped(backend);  // 198.51.100.11 unless given
  k.dst = v4Mapped(0x026433c6);
  k.srcPort = 8080;
  k.dstPort = snatPort;
  k.proto = 6;
  k.family = 4;
  return k;
}

uint32_t add(FlowTable& t, uint32_t i, uint32_t now) {
  const FlowKey f = key(i, static_cast<uint16_t>(i));
  const FlowKey r = replyKey(static_cast<uint16_t>(i), i);
  return t.insert(f, f.hash(), r, r.hash(), now);
}

TEST(FlowTable, BothDirectionsFindTheSameRecord) {
  FlowTable t(1000, {});
  const uint32_t rec = add(t, 7, 0);
  const FlowKey f = key(7, 7), r = replyKey(7, 7);
  auto hf = t.lookup(f, f.hash(), 1);
  auto hr = t.lookup(r, r.hash(), 1);
  ASSERT_TRUE(hf && hr);
  EXPECT_EQ(hf->record, rec);
  EXPECT_FALSE(hf->reverse);
  EXPECT_EQ(hr->record, rec);
  EXPECT_TRUE(hr->reverse);
  EXPECT_TRUE(t.contains(r, r.hash()));
  const FlowKey other = key(8, 8);
  EXPECT_FALSE(static_cast<bool>(t.lookup(other, other.hash(), 1)));
  EXPECT_EQ(t.size(), 1u);
}

TEST(FlowTable, RemoveFreesBothKeys) {
  FlowTable t(10, {});
  const uint32_t rec = add(t, 1, 0);
  t.remove(rec);
  const FlowKey f = key(1, 1), r = replyKey(1, 1);
  EXPECT_FALSE(static_cast<bool>(t.lookup(f, f.hash(), 0)));
  EXPECT_FALSE(t.contains(r, r.hash()));
  EXPECT_EQ(t.size(), 0u);
}

TEST(FlowTable, IdleTimeoutDependsOnState) {
  FlowTimeouts to;
  to.synMs = 100;
  to.establishedMs = 1000;
  to.resetMs = 10;
  FlowTable t(10, to);
  const uint32_t syn = add(t, 1, 0);
  const uint32_t est = add(t, 2, 0);
  t.record(est).state = FlowState::kEstablished;
  const uint32_t rst = add(t, 3, 0);
  t.record(rst).state = FlowState::kReset;
  const FlowKey k1 = key(1, 1), k2 = key(2, 2), k3 = key(3, 3);
  EXPECT_FALSE(static_cast<bool>(t.lookup(k3, k3.hash(), 50)));   // reset: 10 ms
  EXPECT_TRUE(static_cast<bool>(t.lookup(k1, k1.hash(), 50)));    // syn: 100 ms
  EXPECT_FALSE(static_cast<bool>(t.lookup(k1, k1.hash(), 200)));
  EXPECT_TRUE(static_cast<bool>(t.lookup(k2, k2.hash(), 900)));   // established: 1 s
  EXPECT_EQ(t.stats().expired, 2u);
  (void)syn;
}

TEST(FlowTable, SweepReclaimsWithinBudget) {
  FlowTimeouts to;
  to.synMs = 100;
  FlowTable t(100, to);
  for (uint32_t i = 0; i < 100; ++i) add(t, i, 0);
  EXPECT_EQ(t.expire(50, 100), 0u);
  EXPECT_EQ(t.expire(500, 30), 30u);  // bounded work per call
  EXPECT_EQ(t.expire(500, 100), 70u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(FlowTable, FullPoolEvictsTheOldestIdleAndCounts) {
  FlowTable t(64, {});
  for (uint32_t i = 0; i < 64; ++i) add(t, i, 1000 + i);
  t.record(0).lastSeenMs = 1000;  // flow 0 is the idlest
  add(t, 500, 5000);
  EXPECT_EQ(t.size(), 64u);
  EXPECT_EQ(t.stats().evicted, 1u);
  const FlowKey k0 = key(0, 0), knew = key(500, 500);
  EXPECT_FALSE(static_cast<bool>(t.lookup(k0, k0.hash(), 5000)));
  EXPECT_TRUE(static_cast<bool>(t.lookup(knew, knew.hash(), 5000)));
}

// The millisecond clock wraps every 49.7 days: idleness is an age, not a timestamp.
TEST(FlowTable, EvictionSurvivesTheClockWrapping) {
  FlowTable t(64, {});
  const uint32_t beforeWrap = 0xffffff00u;
  for (uint32_t i = 0; i < 64; ++i) add(t, i, beforeWrap + i);
  t.record(5).lastSeenMs = beforeWrap - 1000;  // the idlest
  add(t, 500, 100);                             // after the wrap
  const FlowKey k5 = key(5, 5), k6 = key(6, 6);
  EXPECT_FALSE(static_cast<bool>(t.lookup(k5, k5.hash(), 100)));
  EXPECT_TRUE(static_cast<bool>(t.lookup(k6, k6.hash(), 100)));
}

// What is evicted is the flow with the least time left before its own timeout, so an
// established connection idle for a minute outlives a second-old half-open one.
TEST(FlowTable, EvictsTheFlowWithTheLeastTimeLeft) {
  FlowTable t(64, {});
  for (uint32_t i = 0; i < 64; ++i) {
    add(t, i, 60'000 + i);
    t.record(i).state = FlowState::kEstablished;
  }
  t.record(9).state = FlowState::kSynSeen;  // half-open, and the most recent of all but one
  t.record(9).lastSeenMs = 60'100;
  t.record(0).lastSeenMs = 0;  // established, idle for a minute
  add(t, 500, 61'000);
  EXPECT_EQ(t.stats().evicted, 1u);
  const FlowKey k0 = key(0, 0), k9 = key(9, 9);
  EXPECT_TRUE(static_cast<bool>(t.lookup(k0, k0.hash(), 61'000)));
  EXPECT_FALSE(static_cast<bool>(t.lookup(k9, k9.hash(), 61'000)));
}

TEST(FlowTable, TimeLeftHolderAndEvict) {
  FlowTable t(16, {});
  const uint32_t rec = add(t, 3, 1000);
  EXPECT_EQ(t.timeLeftMs(rec, 1000), FlowTimeouts{}.synMs);
  EXPECT_EQ(t.timeLeftMs(rec, 4000), FlowTimeouts{}.synMs - 3000);
  EXPECT_EQ(t.timeLeftMs(rec, 1000 + FlowTimeouts{}.synMs + 1), 0u);
  const FlowKey r = replyKey(3, 3);
  EXPECT_EQ(t.holder(r, r.hash()), rec);
  t.evict(rec);
  EXPECT_EQ(t.holder(r, r.hash()), FlowTable::kNone);
  EXPECT_EQ(t.stats().evicted, 1u);
  t.evict(rec);  // already gone: not counted twice
  EXPECT_EQ(t.stats().evicted, 1u);
}

TEST(FlowTable, FillsToCapacityWithoutEvicting) {
  FlowTable t(100000, {});
  for (uint32_t i = 0; i < 100000; ++i) add(t, i * 2654435761u, 0);
  EXPECT_EQ(t.size(), 100000u);
  EXPECT_EQ(t.stats().evicted, 0u);
}

TEST(FlowTable, NeverFailsUnderChurn) {
  FlowTable t(1000, {});
  for (uint32_t i = 0; i < 200000; ++i) add(t, i * 2654435761u, i);
  EXPECT_EQ(t.size(), 1000u);
  EXPECT_EQ(t.stats().inserted, 200000u);
  // The most recent flows are all present.
  for (uint32_t i = 199990; i < 200000; ++i) {
    const FlowKey k = key(i * 2654435761u, static_cast<uint16_t>(i * 2654435761u));
    EXPECT_TRUE(static_cast<bool>(t.lookup(k, k.hash(), 200000))) << i;
  }
}

TEST(FlowTable, AtMost128BytesPerFlowAtAMillion) {
  FlowTable t(1'000'000, {});
  EXPECT_LE(t.bytesPerFlow(), 128.0);
  EXPECT_LE(sizeof(FlowRecord), 104u);
}

}  // namespace
}  // namespace portico::dp::lb
