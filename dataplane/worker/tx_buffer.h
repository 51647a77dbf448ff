#pragma once

#include "dataplane/stats/counters.h"

struct rte_eth_dev_tx_buffer;

namespace portico::dp::worker {

// A transmit buffer of one burst whose unsent frames (queue full) are freed and counted
// as tx_full drops on the owning lcore's counters. Free with rte_free.
rte_eth_dev_tx_buffer* makeTxBuffer(int socket, LcoreCounters* counters);

}  // namespace portico::dp::worker
