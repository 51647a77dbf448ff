#pragma once

#include <cstdint>

#include "dataplane/arp/port_addresses.h"
#include "dataplane/lb/vip_table.h"
#include "dataplane/pkt/verdict.h"
#include "dataplane/stats/counters.h"

namespace portico::dp::worker {

// Everything the per-frame decision reads, gathered once per burst.
struct FrameContext {
  const arp::PortAddresses& port;
  const lb::VipTable& vips;
  LcoreCounters& counters;
};

// Decides one received frame: parse, then answer what the appliance answers (ARP, NDP,
// echo for VIPs) by rewriting the frame in place, or count the reason it is dropped.
// `capacity` is the writable size of the buffer behind frame. Pure: no DPDK, no I/O.
pkt::Verdict dispatchFrame(uint8_t* frame, uint32_t len, uint32_t capacity, const FrameContext& ctx);

}  // namespace portico::dp::worker
