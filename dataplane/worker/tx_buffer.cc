#include "dataplane/worker/tx_buffer.h"

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "dataplane/worker/lcore_context.h"

namespace portico::dp::worker {

namespace {

void dropUnsent(rte_mbuf** unsent, uint16_t count, void* userdata) {
  rte_pktmbuf_free_bulk(unsent, count);
  static_cast<LcoreCounters*>(userdata)->drop(DropReason::kTxFull, count);
}

}  // namespace

rte_eth_dev_tx_buffer* makeTxBuffer(int socket, LcoreCounters* counters) {
  auto* buf = static_cast<rte_eth_dev_tx_buffer*>(
      rte_zmalloc_socket("portico_txbuf", RTE_ETH_TX_BUFFER_SIZE(kBurstSize), 0, socket));
  if (buf == nullptr) return nullptr;
  rte_eth_tx_buffer_init(buf, kBurstSize);
  rte_eth_tx_buffer_set_err_callback(buf, dropUnsent, counters);
  return buf;
}

}  // namespace portico::dp::worker
