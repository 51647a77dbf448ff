#pragma once

// Per-lcore connection tracking. Each connection is one record and two index entries,
// one per direction (client->VIP, backend->SNAT), so a reply finds its flow with the
// same single lookup as a request. No locks: one worker owns a table.
//
// Index: cache-line buckets of 8 {signature, record} slots; a key may sit in either of two
// buckets. Both full: one entry moves to its other bucket (a single cuckoo step); only if
// none can, the flow with the least time left among the 16 candidate slots is evicted.
// Records come from a fixed pool; when it is empty a clock hand evicts the one with the
// least time left of the next 32. "Time left" is the flow's idle timeout for its state
// less its idle age: eviction removes the flow that would have expired first anyway, so
// a flood of half-open flows (10 s) displaces itself long before it displaces established
// connections (15 min), however recently the flood's SYNs arrived.
// Idle flows expire lazily on lookup and through expire(), a bounded incremental sweep.

#include <cstdint>
#include <optional>
#include <vector>

#include "dataplane/lb/flow_key.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/stats/vip_traffic.h"

namespace portico::dp::lb {

struct FlowTimeouts {
  uint32_t synMs = 10'000;
  uint32_t establishedMs = 900'000;
  uint32_t closingMs = 60'000;  // one side sent its FIN
  uint32_t closedMs = 2'000;    // both did
  uint32_t resetMs = 5'000;
  uint32_t udpMs = 300'000;

  uint32_t forState(FlowState s) const {
    switch (s) {
      case FlowState::kSynSeen:
      case FlowState::kSynAckSeen: return synMs;
      case FlowState::kEstablished: return establishedMs;
      case FlowState::kClientFin:
      case FlowState::kBackendFin: return closingMs;
      case FlowState::kClosed: return closedMs;
      case FlowState::kReset: return resetMs;
      case FlowState::kUdp: return udpMs;
    }
    return resetMs;
  }
};

struct FlowRecord {
  FlowKey forward;              // client -> VIP, as received
  FlowKey reverse;              // backend -> SNAT address, as the reply arrives
  pkt::MacAddr clientNextHop{}; // where replies to the client go (the SYN's source MAC)
  uint8_t clientPort = 0;       // index of the port the client is behind
  FlowState state = FlowState::kSynSeen;
  uint32_t backendId = 0;       // stable id from the snapshot, never a pointer into it
  uint32_t lastSeenMs = 0;
  uint16_t vipSlot = kUncountedVip;  // where the VIP's traffic is counted (stats/vip_traffic.h)
  uint8_t backendPort = 0;      // index of the port the backend is behind
  uint8_t inUse = 0;
  uint32_t l7 = 0xffffffffu;    // the L7 connection's state, for flows an L7 listener splices
};
static_assert(sizeof(FlowRecord) <= 104);

struct FlowTableStats {
  uint64_t inserted = 0;
  uint64_t expired = 0;
  uint64_t evicted = 0;  // removed before their timeout because the table was full
};

class FlowTable {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  static constexpr unsigned kSlotsPerBucket = 8;

  // A lookup result that travels in registers: a std::optional<{uint32, bool}> is built
  // with byte stores and read back wide, a store-forwarding stall on every packet.
  struct Hit {
    uint32_t record = kNone;
    uint32_t reverse = 0;  // non-zero: the key matched the backend -> SNAT direction

    explicit operator bool() const { return record != kNone; }
    const Hit* operator->() const { return this; }
  };

  FlowTable(uint32_t capacity, FlowTimeouts timeouts);

  // The flow a key belongs to; an expired flow is removed and reported as a miss.
  Hit lookup(const FlowKey& key, uint64_t hash, uint32_t nowMs);
  // True when some live flow already uses this key (for choosing unique SNAT ports).
  bool contains(const FlowKey& key, uint64_t hash) const { return holder(key, hash) != kNone; }
  // The record a key belongs to, or kNone; unlike lookup() it never expires the flow.
  uint32_t holder(const FlowKey& key, uint64_t hash) const;
  // How long the flow has before it would expire idle (0 once it has).
  uint32_t timeLeftMs(uint32_t record, uint32_t nowMs) const;
  // Removes a live flow before its timeout to reuse what it holds, and counts it evicted.
  void evict(uint32_t record);
  // Adds a flow under both keys; always succeeds, evicting if it must.
  uint32_t insert(const FlowKey& forward, uint64_t forwardHash, const FlowKey& reverse, uint64_t reverseHash,
                  uint32_t nowMs);
  // The two halves of insert, for flows whose reply key is only known later (an L7
  // connection picks its backend after its first request).
  uint32_t insertForward(const FlowKey& forward, uint64_t forwardHash, uint32_t nowMs);
  void linkReverse(uint32_t record, const FlowKey& reverse, uint64_t reverseHash, uint32_t nowMs);
  // Called with FlowRecord::l7 whenever a flow that has one is removed (expiry, eviction
  // or remove()), so the L7 state never outlives its flow.
  using RemovalHook = void (*)(void* context, uint32_t l7);
  void setRemovalHook(RemovalHook hook, void* context) {
    removalHook_ = hook;
    removalContext_ = context;
  }
  void remove(uint32_t record);
  // Frees expired flows among the next `budget` records; returns how many it freed.
  uint32_t expire(uint32_t nowMs, uint32_t budget);

  void prefetch(uint64_t hash) const;
  FlowRecord& record(uint32_t i) { return records_[i]; }
  const FlowRecord& record(uint32_t i) const { return records_[i]; }
  uint32_t size() const { return capacity_ - static_cast<uint32_t>(free_.size()); }
  uint32_t capacity() const { return capacity_; }
  const FlowTableStats& stats() const { return stats_; }
  // Memory the table holds for its capacity, per flow (records, index, free list).
  double bytesPerFlow() const;

 private:
  struct alignas(64) Bucket {
    uint32_t sig[kSlotsPerBucket];
    uint32_t ref[kSlotsPerBucket];  // record << 1 | reverse
  };
  static_assert(sizeof(Bucket) == 64);

  static uint32_t signature(uint64_t hash) { return static_cast<uint32_t>(hash >> 32) | 1u; }
  uint32_t bucketA(uint64_t hash) const;
  uint32_t bucketB(uint64_t hash) const;
  bool expired(const FlowRecord& r, uint32_t nowMs) const {
    return nowMs - r.lastSeenMs > timeouts_.forState(r.state);
  }
  int findSlot(const Bucket& b, uint32_t sig, const FlowKey& key) const;
  void unlink(const FlowKey& key, uint32_t ref);
  void link(uint32_t rec, uint64_t hash, uint32_t dir, uint32_t nowMs);
  bool place(uint32_t bucket, uint32_t sig, uint32_t ref);
  bool relocateFrom(uint32_t bucket);
  void evictFrom(uint32_t a, uint32_t b, uint32_t nowMs, uint32_t keep);
  uint32_t allocate(uint32_t nowMs);

  uint32_t capacity_;
  FlowTimeouts timeouts_;
  std::vector<FlowRecord> records_;
  std::vector<Bucket> buckets_;
  std::vector<uint32_t> free_;
  uint32_t sweepHand_ = 0;
  uint32_t evictHand_ = 0;
  FlowTableStats stats_;
  RemovalHook removalHook_ = nullptr;
  void* removalContext_ = nullptr;
};

}  // namespace portico::dp::lb
