#include "dataplane/worker/worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dataplane/snapshot/snapshot_store.h"
#include "dataplane/worker/dispatch.h"

namespace portico::dp::worker {

namespace {

// Makes the mbuf exactly `len` bytes long; replies may grow (NA over a bare NS) or shrink.
bool setLength(rte_mbuf* m, uint16_t len) {
  const uint16_t cur = rte_pktmbuf_data_len(m);
  if (len > cur) return rte_pktmbuf_append(m, len - cur) != nullptr;
  if (len < cur) rte_pktmbuf_trim(m, cur - len);
  return true;
}

}  // namespace

unsigned Worker::pollPort(WorkerPort& port, const snapshot::Snapshot& snap) {
  rte_mbuf* rx[kBurstSize];
  const uint16_t n = rte_eth_rx_burst(port.portId, port.queue, rx, kBurstSize);
  if (n == 0) return 0;
  LcoreCounters& counters = *ctx_.counters;
  LcoreCounters::bump(counters.rxPackets, n);
  const FrameContext fctx{port.addresses, snap.vips, counters};

  for (uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(rx[i + 1], void*));
    rte_mbuf* m = rx[i];
    // Replies are built in the receive buffer; chained mbufs are never needed for them.
    if (m->nb_segs != 1) {
      counters.drop(DropReason::kReplyTooLarge);
      rte_pktmbuf_free(m);
      continue;
    }
    auto* data = rte_pktmbuf_mtod(m, uint8_t*);
    const uint32_t capacity = rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m);
    const pkt::Verdict v = dispatchFrame(data, rte_pktmbuf_data_len(m), capacity, fctx);
    if (!v.isReply() || !setLength(m, v.length)) {
      if (v.isReply()) counters.drop(DropReason::kReplyTooLarge);
      rte_pktmbuf_free(m);
      continue;
    }
    m->ol_flags = 0;
    LcoreCounters::bump(counters.txPackets, rte_eth_tx_buffer(port.portId, port.queue, port.txBuffer, m));
  }
  return n;
}

void Worker::drainControlTx(WorkerPort& port) {
  void* frames[kBurstSize];
  const unsigned n = rte_ring_sc_dequeue_burst(port.controlTx, frames, kBurstSize, nullptr);
  for (unsigned i = 0; i < n; ++i) {
    LcoreCounters::bump(ctx_.counters->txPackets,
                        rte_eth_tx_buffer(port.portId, port.queue, port.txBuffer, static_cast<rte_mbuf*>(frames[i])));
  }
  if (n > 0) LcoreCounters::bump(ctx_.counters->announcements, n);
}

unsigned Worker::pollOnce() {
  // Read the snapshot once per pass; it stays valid until the quiescent report below.
  const snapshot::Snapshot* snap = ctx_.snapshots->current();
  unsigned received = 0;
  for (WorkerPort& port : ctx_.ports) {
    if (snap != nullptr) received += pollPort(port, *snap);
    if (port.controlTx != nullptr) drainControlTx(port);
    const uint16_t sent = rte_eth_tx_buffer_flush(port.portId, port.queue, port.txBuffer);
    LcoreCounters::bump(ctx_.counters->txPackets, sent);
  }
  ctx_.snapshots->quiescent(ctx_.index);
  return received;
}

void Worker::run(const std::atomic<bool>& stop) {
  ctx_.snapshots->registerWorker(ctx_.index);
  while (!stop.load(std::memory_order_relaxed)) {
    if (pollOnce() == 0) rte_pause();
  }
  ctx_.snapshots->unregisterWorker(ctx_.index);
}

}  // namespace portico::dp::worker
