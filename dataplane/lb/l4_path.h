#pragma once

// The L4 load-balancing decision for one TCP or UDP packet: client -> VIP packets are
// pinned to a backend (flow table hit, or a Maglev pick for a new flow) and full-NATed
// towards it; backend -> SNAT replies are translated back to the client.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dataplane/arp/neighbor_cache.h"
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
};

// A TCP/UDP packet's flow key and its hash, computed once per packet: the burst loop
// does it ahead of the decisions so it can prefetch the flow buckets.
struct KeyedPacket {
  FlowKey key;
  uint64_t hash = 0;
};

// The key's five words are formed in registers and hashed from there (see
// flowHashWords); IPv4 addresses go in v4-mapped (::ffff:a.b.c.d).
inline KeyedPacket keyOf(const uint8_t* frame, const pkt::ParsedPacket& p) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  uint64_t w[5];
  if (p.ipVersion == 4) {
    const auto* ip = pkt::headerAt<pkt::Ipv4Hdr>(frame, p.l3Offset);
    w[0] = w[2] = 0;
    w[1] = 0xffff0000ull | static_cast<uint64_t>(ip->src) << 32;
    w[3] = 0xffff0000ull | static_cast<uint64_t>(ip->dst) << 32;
  } else {
    std::memcpy(w, frame + p.l3Offset + offsetof(pkt::Ipv6Hdr, src), 32);  // src and dst
  }
  uint32_t ports;
  std::memcpy(&ports, frame + p.l4Offset, 4);
  w[4] = ports | static_cast<uint64_t>(p.l4Proto) << 32 | static_cast<uint64_t>(p.ipVersion) << 40;
  static_assert(offsetof(FlowKey, srcPort) == 32 && sizeof(FlowKey) == 40);
  KeyedPacket k;
  std::memcpy(&k.key, w, sizeof w);
  k.hash = flowHashWords(w[0], w[1], w[2], w[3], w[4]);
  return k;
}

// The flow key of a parsed TCP/UDP packet as received.
inline FlowKey flowKeyOf(const uint8_t* frame, const pkt::ParsedPacket& p) { return keyOf(frame, p).key; }

// A packet addressed to a VIP (TCP or UDP).
pkt::Verdict toBackend(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const KeyedPacket& k,
                       const L4Context& ctx);

// A packet addressed to one of the ports' own addresses: a backend's reply to a SNAT
// address. Anything that is not a tracked flow is for the appliance itself.
pkt::Verdict toClient(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const KeyedPacket& k,
                      const L4Context& ctx);

// What identifies the fragments of one datagram.
FragmentKey fragmentKeyOf(const uint8_t* frame, const pkt::ParsedPacket& p);

// A fragment after the first (no ports): follows the datagram's first fragment, to the
// VIP's backend (towardsBackend) or back to the client.
pkt::Verdict laterFragment(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const L4Context& ctx,
                           bool towardsBackend);

}  // namespace portico::dp::lb
