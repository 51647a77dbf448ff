#pragma once

// The L4 load-balancing decision for one TCP or UDP packet: client -> VIP packets are
// pinned to a backend (flow table hit, or a Maglev pick for a new flow) and full-NATed
// towards it; backend -> SNAT replies are translated back to the client.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/common/token_bucket.h"
#include "dataplane/arp/port_addresses.h"
#include "dataplane/lb/flow_table.h"
#include "dataplane/lb/fragment_table.h"
#include "dataplane/lb/snat_ports.h"
#include "dataplane/pkt/parsed_packet.h"
#include "dataplane/pkt/verdict.h"
#include "dataplane/snapshot/snapshot.h"
#include "dataplane/stats/counters.h"

namespace portico::dp::lb {

struct L4Context {
  const snapshot::Snapshot& snap;
  FlowTable& flows;
  FragmentTable& fragments;
  SnatPorts& snat;
  const arp::NeighborCache& neighbors;
  std::span<const arp::PortAddresses> ports;
  uint8_t rxPort;
  uint32_t nowMs;
  LcoreCounters& counters;
  uint64_t nowUs = 0;  // the same clock in microseconds (the TCP endpoint's); 0: from nowMs
  // The worker's budget of resets for segments of connections it does not hold (a moved
  // ECMP flow, a restarted dataplane, an evicted flow); null: such segments are dropped.
  TokenBucket* strayResets = nullptr;
};

// The worker's clock in microseconds (tests may give only milliseconds).
inline uint64_t nowUsOf(const L4Context& ctx) {
  return ctx.nowUs != 0 ? ctx.nowUs : static_cast<uint64_t>(ctx.nowMs) * 1000;
}

// A TCP/UDP packet's flow key and its hash, computed once per packet: the burst loop
// does it ahead of the decisions so it can prefetch the flow buckets.
struct KeyedPacket {
  FlowKey key;
  uint64_t hash = 0;
};

// Writes the packet's key and hash into `out`. The key's five words are formed in
// registers, hashed from there (see flowHashWords) and stored once, each with an 8-byte
// store that later 8-byte loads can forward from; IPv4 addresses go in v4-mapped.
inline void keyOf(const uint8_t* frame, const pkt::ParsedPacket& p, KeyedPacket& out) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  uint64_t w0, w1, w2, w3;
  if (p.ipVersion == 4) {
    const auto* ip = pkt::headerAt<pkt::Ipv4Hdr>(frame, p.l3Offset);
    w0 = w2 = 0;
    w1 = 0xffff0000ull | static_cast<uint64_t>(ip->src) << 32;
    w3 = 0xffff0000ull | static_cast<uint64_t>(ip->dst) << 32;
  } else {
    const uint8_t* addrs = frame + p.l3Offset + offsetof(pkt::Ipv6Hdr, src);
    std::memcpy(&w0, addrs, 8);
    std::memcpy(&w1, addrs + 8, 8);
    std::memcpy(&w2, addrs + 16, 8);
    std::memcpy(&w3, addrs + 24, 8);
  }
  uint32_t ports;
  std::memcpy(&ports, frame + p.l4Offset, 4);
  const uint64_t w4 = ports | static_cast<uint64_t>(p.l4Proto) << 32 | static_cast<uint64_t>(p.ipVersion) << 40;
  static_assert(offsetof(FlowKey, srcPort) == 32 && sizeof(FlowKey) == 40);
  auto* key = reinterpret_cast<uint8_t*>(&out.key);
  std::memcpy(key, &w0, 8);
  std::memcpy(key + 8, &w1, 8);
  std::memcpy(key + 16, &w2, 8);
  std::memcpy(key + 24, &w3, 8);
  std::memcpy(key + 32, &w4, 8);
  out.hash = flowHashWords(w0, w1, w2, w3, w4);
}

inline KeyedPacket keyOf(const uint8_t* frame, const pkt::ParsedPacket& p) {
  KeyedPacket k;
  keyOf(frame, p, k);
  return k;
}

// The flow key of a parsed TCP/UDP packet as received.
inline FlowKey flowKeyOf(const uint8_t* frame, const pkt::ParsedPacket& p) { return keyOf(frame, p).key; }

// A packet addressed to a VIP (TCP or UDP).
// The reply key of a new flow to `be` from the SNAT address of its egress port: from the
// backend's address and port to a free SNAT port that steers replies to this worker. The
// drop reason when there is no SNAT address or port, kCount when there is.
DropReason snatReply(const snapshot::BackendEntry& be, uint8_t family, uint8_t proto, const L4Context& ctx,
                     FlowKey& reply);

pkt::Verdict toBackend(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const KeyedPacket& k,
                       const L4Context& ctx);

// A packet addressed to one of the ports' own addresses: a backend's reply to a SNAT
// address. Anything that is not a tracked flow is for the appliance itself.
pkt::Verdict toClient(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const KeyedPacket& k,
                      const L4Context& ctx);
// The same, for a packet whose flow lookup is already done.
pkt::Verdict toClient(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, FlowTable::Hit hit,
                      const L4Context& ctx);

// What identifies the fragments of one datagram.
FragmentKey fragmentKeyOf(const uint8_t* frame, const pkt::ParsedPacket& p);

// A fragment after the first (no ports): follows the datagram's first fragment, to the
// VIP's backend (towardsBackend) or back to the client.
pkt::Verdict laterFragment(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const L4Context& ctx,
                           bool towardsBackend);

}  // namespace portico::dp::lb
