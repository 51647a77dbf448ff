#pragma once

#include <cstdint>
#include <span>

#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/arp/port_addresses.h"
#include "dataplane/common/token_bucket.h"
#include "dataplane/l7/l7_path.h"
#include "dataplane/lb/flow_table.h"
#include "dataplane/lb/fragment_table.h"
#include "dataplane/lb/l4_path.h"
#include "dataplane/lb/snat_ports.h"
#include "dataplane/pkt/parsed_packet.h"
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
  // The worker's budget of resets for segments of connections it does not hold
  // (LcoreContext::strayResets); null: such segments are dropped.
  TokenBucket* strayResets = nullptr;
};

// Everything the per-frame decision reads, gathered once per burst.
struct FrameContext {
  const snapshot::Snapshot& snap;
  std::span<const arp::PortAddresses> ports;
  uint8_t rxPort;
  LcoreCounters& counters;
  FlowState* l4 = nullptr;  // null: no L4 service (ARP/NDP/echo only)
  uint32_t nowMs = 0;
  l7::L7Worker* l7 = nullptr;  // null: no L7 listeners (needs l4 too)
  uint64_t nowUs = 0;
  bool standby = false;  // an L2 pair's standby: no ARP/NDP answers for VIPs (their traffic is still served)
};

// The first stage for a frame of a burst: parsed, and for TCP/UDP its flow key hashed
// and the flow buckets prefetched, so the decisions of the second stage find them in cache.
struct Prepared {
  pkt::ParsedPacket parsed;
  pkt::ParseResult result;
  bool keyed = false;
  lb::KeyedPacket flow;
  uint16_t vip = kNotAVip;  // the destination VIP's counter slot, or kNotAVip
};

// The caller counts the frame as the VIP's (a burst loop adds up runs of one VIP first).
void prepareFrame(const uint8_t* frame, uint32_t len, const lb::FlowTable* flows, const lb::VipTable& vips,
                  Prepared& out);

// Decides one received frame: answer what the appliance answers (ARP, NDP, echo for
// VIPs), load-balance TCP/UDP for VIP services, route and splice TCP for L7 listener
// ports, translate backend replies, or count the
// reason it is dropped. The frame is rewritten in place; `capacity` is the writable size
// of the buffer behind it. Pure: no DPDK, no I/O.
pkt::Verdict dispatchPrepared(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep,
                              const FrameContext& ctx);

// Both stages for a single frame.
inline pkt::Verdict dispatchFrame(uint8_t* frame, uint32_t len, uint32_t capacity, const FrameContext& ctx) {
  Prepared prep;
  prepareFrame(frame, len, ctx.l4 != nullptr ? &ctx.l4->flows : nullptr, ctx.snap.vips, prep);
  ctx.counters.vipReceived(prep.vip, len);
  return dispatchPrepared(frame, len, capacity, prep, ctx);
}

}  // namespace portico::dp::worker
