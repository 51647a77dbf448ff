#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/arp/port_addresses.h"
#include "dataplane/stats/counters.h"

struct rte_eth_dev_tx_buffer;
struct rte_ring;

namespace portico::dp::snapshot {
class SnapshotStore;
}

namespace portico::dp::worker {

inline constexpr uint16_t kBurstSize = 32;

// One port as a worker sees it: where to poll, where to send, and who the port is.
struct WorkerPort {
  uint16_t portId = 0;
  uint16_t queue = 0;  // this worker's rx and tx queue on the port
  arp::PortAddresses addresses;
  rte_eth_dev_tx_buffer* txBuffer = nullptr;  // owned by the worker's creator
  rte_ring* controlTx = nullptr;  // frames from the control thread; drained by one worker per port
};

// Everything one worker lcore owns, built before launch and never shared for writing.
struct alignas(64) LcoreContext {
  unsigned index = 0;  // 0..workers-1, also the QSBR thread id
  std::vector<WorkerPort> ports;
  LcoreCounters* counters = nullptr;
  snapshot::SnapshotStore* snapshots = nullptr;
};

}  // namespace portico::dp::worker
