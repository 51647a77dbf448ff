#pragma once

#include <cstdint>
#include <span>

#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/arp/port_addresses.h"
#include "dataplane/lb/flow_table.h"
#include "dataplane/lb/fragment_table.h"
#include "dataplane/lb/snat_ports.h"
#include "dataplane/pkt/verdict.h"
#include "dataplane/snapshot/snapshot.h"
#include "dataplane/stats/counters.h"

namespace portico::dp::worker {

// What one worker owns for the L4 path.
struct FlowState {
  lb::FlowTable& flows;
  lb::FragmentTable& fragments;
  lb::SnatPorts& snat;
  const arp::NeighborCache& neighbors;
  unsigned worker = 0;
  unsigned workers = 1;
  bool handoffReplies = false;  // replies may arrive on another worker's queue (no RSS steering)
};

// Everything the per-frame decision reads, gathered once per burst.
struct FrameContext {
  const snapshot::Snapshot& snap;
  std::span<const arp::PortAddresses> ports;
  uint8_t rxPort;
  LcoreCounters& counters;
  FlowState* l4 = nullptr;  // null: no L4 service (ARP/NDP/echo only)
  uint32_t nowMs = 0;
};

// Decides one received frame: parse, then answer what the appliance answers (ARP, NDP,
// echo for VIPs), load-balance TCP/UDP for VIP services, translate backend replies, or
// count the reason it is dropped. The frame is rewritten in place; `capacity` is the
// writable size of the buffer behind it. Pure: no DPDK, no I/O.
pkt::Verdict dispatchFrame(uint8_t* frame, uint32_t len, uint32_t capacity, const FrameContext& ctx);

}  // namespace portico::dp::worker
