#pragma once

// The L4 load-balancing decision for one TCP or UDP packet: client -> VIP packets are
// pinned to a backend (flow table hit, or a Maglev pick for a new flow) and full-NATed
// towards it; backend -> SNAT replies are translated back to the client.

#include <cstdint>
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

KeyedPacket keyOf(const uint8_t* frame, const pkt::ParsedPacket& p);

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
