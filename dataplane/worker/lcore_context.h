#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/arp/port_addresses.h"
#include "dataplane/l7/l7_path.h"
#include "dataplane/lb/flow_table.h"
#include "dataplane/lb/fragment_table.h"
#include "dataplane/lb/snat_ports.h"
#include "dataplane/stats/counters.h"
#include "dataplane/worker/flow_dump.h"
#include "dataplane/common/token_bucket.h"

struct rte_eth_dev_tx_buffer;
struct rte_mempool;
struct rte_ring;

namespace portico::dp::snapshot {
class SnapshotStore;
}

namespace portico::dp::worker {

inline constexpr uint16_t kBurstSize = 32;
// Idle flows are swept so the whole table is looked at once per this period, a few
// records per millisecond rather than a burst of cache misses on every loop.
inline constexpr uint32_t kSweepPeriodMs = 10'000;

// One port as a worker sees it: where to poll and where to send.
struct WorkerPort {
  uint16_t portId = 0;
  uint16_t queue = 0;  // this worker's rx and tx queue on the port
  rte_eth_dev_tx_buffer* txBuffer = nullptr;  // owned by the worker's creator
  rte_ring* controlTx = nullptr;  // frames from the control thread; drained by one worker per port
  // The host path (null without one): frames for the kernel, BGP apart from the rest.
  rte_ring* hostPriority = nullptr;
  rte_ring* hostBulk = nullptr;
  TokenBucket hostRate;  // this worker's share of the port's rate for hostBulk
};

// Everything one worker lcore owns, built before launch and never shared for writing.
struct alignas(64) LcoreContext {
  unsigned index = 0;  // 0..workers-1, also the QSBR thread id
  unsigned workers = 1;
  std::vector<WorkerPort> ports;              // by port index
  std::vector<arp::PortAddresses> addresses;  // by port index
  std::vector<uint8_t> portIndexById;         // DPDK port id -> port index
  LcoreCounters* counters = nullptr;
  snapshot::SnapshotStore* snapshots = nullptr;
  std::unique_ptr<lb::FlowTable> flows;
  std::unique_ptr<lb::FragmentTable> fragments;
  std::unique_ptr<lb::SnatPorts> snat;
  // Resets for segments of connections this worker does not hold, L4 and L7 alike (10 000
  // a second on the microsecond clock, 1 000 at once): a client whose flow the router
  // moved here from another appliance, or whose dataplane restarted, learns at once that
  // its connection is gone, while a spoofed ACK flood is not reflected one for one.
  static constexpr uint32_t kStrayResetsPerSecond = 10'000;
  TokenBucket strayResets{kStrayResetsPerSecond, 1'000'000};
  const arp::NeighborCache* neighbors = nullptr;
  bool handoffReplies = false;
  std::vector<rte_ring*> handoff;  // by worker: frames whose flow that worker owns
  rte_ring* controlRx = nullptr;   // frames for the control thread (neighbour answers)
  uint64_t tscPerMs = 1;
  uint32_t lastSweepMs = 0;
  uint32_t lastTimerMs = 0;
  std::unique_ptr<FlowDump> flowDump;  // answers "list your flows" from the API thread
  std::unique_ptr<l7::L7Worker> l7;    // L7 connections; its flows' removal frees them
  const std::atomic<bool>* standby = nullptr;  // the runtime's: true while the L2 pair's standby
  rte_mempool* pool = nullptr;         // for frames the worker originates (L7)
};

}  // namespace portico::dp::worker
