#include "dataplane/worker/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "dataplane/snapshot/snapshot_store.h"

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

Worker::Worker(LcoreContext& ctx)
    : ctx_(ctx),
      l4_{*ctx.flows, *ctx.fragments, *ctx.snat, *ctx.neighbors, ctx.index, ctx.workers, ctx.handoffReplies, &ctx.strayResets} {
  if (ctx_.l7) ctx_.l7->setSink(&sink_);
}

uint8_t* Worker::MbufSink::begin(uint32_t& capacity) {
  if (pending_ == nullptr) pending_ = rte_pktmbuf_alloc(worker_.ctx_.pool);
  if (pending_ == nullptr) {
    worker_.ctx_.counters->drop(DropReason::kTxFull);
    return nullptr;
  }
  capacity = rte_pktmbuf_tailroom(pending_);
  return rte_pktmbuf_mtod(pending_, uint8_t*);
}

void Worker::MbufSink::commit(uint8_t port, uint16_t length) {
  // A buffer given back stays pending for the next frame.
  if (pending_ == nullptr || length == 0) return;
  if (const snapshot::Snapshot* snap = worker_.passSnap_) {
    // The L7 path's frames towards clients leave from the VIP: counted as its traffic.
    const uint8_t* f = rte_pktmbuf_mtod(pending_, const uint8_t*);
    uint16_t vip = kNotAVip;
    if (f[12] == 0x08 && f[13] == 0x00) {
      uint32_t src;
      std::memcpy(&src, f + sizeof(pkt::EthHdr) + offsetof(pkt::Ipv4Hdr, src), 4);
      vip = snap->vips.slotV4(src);
    } else if (f[12] == 0x86 && f[13] == 0xdd) {
      pkt::Ipv6Addr src;
      std::memcpy(src.data(), f + sizeof(pkt::EthHdr) + offsetof(pkt::Ipv6Hdr, src), 16);
      vip = snap->vips.slotV6(src);
    }
    worker_.ctx_.counters->vipSent(vip, length);
  }
  rte_pktmbuf_append(pending_, length);
  worker_.transmit(port, pending_);
  pending_ = nullptr;
}

lb::L4Context Worker::l4Context(const snapshot::Snapshot& snap, uint32_t nowMs, uint64_t nowUs) {
  return lb::L4Context{snap, *ctx_.flows, *ctx_.fragments, *ctx_.snat, *ctx_.neighbors,
                       ctx_.addresses, 0, nowMs, *ctx_.counters, nowUs, l4_.strayResets};
}

void Worker::transmit(uint8_t portIndex, rte_mbuf* m) {
  const WorkerPort& port = ctx_.ports[portIndex];
  // Non-zero only when the buffer filled and was sent.
  const uint16_t sent = rte_eth_tx_buffer(port.portId, port.queue, port.txBuffer, m);
  if (sent != 0) LcoreCounters::bump(ctx_.counters->txPackets, sent);
}

void Worker::act(rte_mbuf* m, const pkt::Verdict& v, uint8_t portIndex) {
  LcoreCounters& counters = *ctx_.counters;
  switch (v.action()) {
    case pkt::Verdict::Action::kReply:
    case pkt::Verdict::Action::kForward:
      if (!setLength(m, v.length())) {
        counters.drop(DropReason::kReplyTooLarge);
        break;
      }
      m->ol_flags = 0;
      transmit(v.action() == pkt::Verdict::Action::kReply ? portIndex : v.target(), m);
      return;
    case pkt::Verdict::Action::kHandoff:
      if (rte_ring_mp_enqueue(ctx_.handoff[v.target()], m) == 0) {
        LcoreCounters::bump(counters.handedOff);
        return;
      }
      counters.drop(DropReason::kHandoffFull);
      break;
    case pkt::Verdict::Action::kToControl:
      if (ctx_.controlRx != nullptr && rte_ring_mp_enqueue(ctx_.controlRx, m) == 0) {
        LcoreCounters::bump(counters.neighborLearned);
        return;
      }
      counters.drop(DropReason::kCtrlRxFull);
      break;
    case pkt::Verdict::Action::kToHost: {
      WorkerPort& port = ctx_.ports[portIndex];
      if (!v.hostPriority() && !port.hostRate.admit(rte_get_tsc_cycles())) {
        counters.drop(DropReason::kHostRateLimited);
        break;
      }
      if (rte_ring_mp_enqueue(v.hostPriority() ? port.hostPriority : port.hostBulk, m) == 0) {
        LcoreCounters::bump(counters.toHost);
        return;
      }
      counters.drop(DropReason::kHostRingFull);
      break;
    }
    case pkt::Verdict::Action::kDrop:
      break;  // dispatchFrame counted the reason
    case pkt::Verdict::Action::kConsumed:
      break;
  }
  rte_pktmbuf_free(m);
}

void Worker::handle(rte_mbuf* m, const FrameContext& fctx, const Prepared* prep) {
  // Frames are decided in their receive buffer; a chained mbuf (jumbo frame) is not one
  // this dataplane forwards.
  if (m->nb_segs != 1) {
    ctx_.counters->drop(DropReason::kChainedMbuf);
    rte_pktmbuf_free(m);
    return;
  }
  auto* data = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t len = rte_pktmbuf_data_len(m);
  const uint32_t capacity = len + rte_pktmbuf_tailroom(m);
  act(m, prep != nullptr ? dispatchPrepared(data, len, capacity, *prep, fctx) : dispatchFrame(data, len, capacity, fctx),
      fctx.rxPort);
}

void Worker::receive(const FrameContext& fctx, rte_mbuf** burst, uint16_t n) {
  // Two stages over the burst: first every frame is parsed and its flow buckets
  // prefetched, then each is decided while the others' buckets arrive in cache.
  const uint16_t portId = ctx_.ports[fctx.rxPort].portId;
  for (uint16_t i = 0; i < n; ++i) {
    // Not every PMD fills in the input port (ring does not); frames handed to another
    // thread are told apart by it.
    burst[i]->port = portId;
    rte_prefetch0(rte_pktmbuf_mtod(burst[i], void*));
  }
  // Frames for one VIP come in runs: counted once a run, not once a frame.
  uint16_t runVip = kNotAVip;
  uint32_t runFrames = 0, runBytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const uint32_t len = rte_pktmbuf_data_len(burst[i]);
    prepareFrame(rte_pktmbuf_mtod(burst[i], const uint8_t*), len, ctx_.flows.get(), fctx.snap.vips, prepared_[i]);
    if (prepared_[i].vip != runVip) {
      fctx.counters.vipReceived(runVip, runBytes, runFrames);
      runVip = prepared_[i].vip;
      runFrames = runBytes = 0;
    }
    ++runFrames;
    runBytes += len;
  }
  fctx.counters.vipReceived(runVip, runBytes, runFrames);
  for (uint16_t i = 0; i < n; ++i) handle(burst[i], fctx, &prepared_[i]);
}

unsigned Worker::pollOnce() {
  // Read the snapshot once per pass; it stays valid until the quiescent report below.
  const snapshot::Snapshot* snap = ctx_.snapshots->current();
  passSnap_ = snap;
  const uint64_t start = rte_get_tsc_cycles();
  const auto nowMs = static_cast<uint32_t>(start / ctx_.tscPerMs);
  const uint64_t nowUs = start * 1000 / ctx_.tscPerMs;
  const bool standby = ctx_.standby != nullptr && ctx_.standby->load(std::memory_order_relaxed);
  unsigned handled = 0;
  rte_mbuf* burst[kBurstSize];
  if (snap != nullptr) {
    // Frames other workers handed over first: a datagram's first fragment may be among
    // them, and its later fragments on our own queue must not overtake it.
    if (!ctx_.handoff.empty()) {
      const unsigned n = rte_ring_sc_dequeue_burst(ctx_.handoff[ctx_.index], reinterpret_cast<void**>(burst),
                                                   kBurstSize, nullptr);
      for (unsigned i = 0; i < n; ++i) {
        handle(burst[i], FrameContext{*snap, ctx_.addresses, ctx_.portIndexById[burst[i]->port], *ctx_.counters, &l4_, nowMs,
                            ctx_.l7.get(), nowUs, standby},
               nullptr);
      }
      handled += n;
    }
    for (uint8_t pi = 0; pi < ctx_.ports.size(); ++pi) {
      const WorkerPort& port = ctx_.ports[pi];
      const uint16_t n = rte_eth_rx_burst(port.portId, port.queue, burst, kBurstSize);
      if (n == 0) continue;
      LcoreCounters::bump(ctx_.counters->rxPackets, n);
      receive(FrameContext{*snap, ctx_.addresses, pi, *ctx_.counters, &l4_, nowMs, ctx_.l7.get(), nowUs, standby}, burst, n);
      handled += n;
    }
  }
  if (snap != nullptr && ctx_.l7) {
    const bool tick = nowMs != ctx_.lastTimerMs;
    const lb::L4Context l4 = l4Context(*snap, nowMs, nowUs);
    if (tick) l7::runTimers(l4, *ctx_.l7);
    l7::serviceRelay(l4, *ctx_.l7, tick);
    ctx_.lastTimerMs = nowMs;
  }
  for (uint8_t pi = 0; pi < ctx_.ports.size(); ++pi) {
    WorkerPort& port = ctx_.ports[pi];
    if (port.controlTx != nullptr) {
      const unsigned n = rte_ring_sc_dequeue_burst(port.controlTx, reinterpret_cast<void**>(burst), kBurstSize, nullptr);
      for (unsigned i = 0; i < n; ++i) transmit(pi, burst[i]);
      LcoreCounters::bump(ctx_.counters->controlTx, n);
    }
  }
  flushPorts();
  if (nowMs != ctx_.lastSweepMs) {
    const uint64_t elapsed = std::min<uint32_t>(nowMs - ctx_.lastSweepMs, kSweepPeriodMs);
    ctx_.flows->expire(nowMs, static_cast<uint32_t>(elapsed * ctx_.flows->capacity() / kSweepPeriodMs + 1));
    ctx_.lastSweepMs = nowMs;
  }
  ctx_.counters->activeFlows.store(ctx_.flows->size(), std::memory_order_relaxed);
  ctx_.counters->flowsEvicted.store(ctx_.flows->stats().evicted, std::memory_order_relaxed);
  if (ctx_.l7) {
    ctx_.counters->l7HeldBuffers.store(ctx_.l7->conns.buffersInUse(), std::memory_order_relaxed);
    const l7::RelayWorker& relay = *ctx_.l7->relay;
    ctx_.counters->tcpConnections.store(relay.endpoint.inUse(), std::memory_order_relaxed);
    ctx_.counters->tcpChunks.store(relay.pool.capacity() - relay.pool.free(), std::memory_order_relaxed);
  }
  if (ctx_.flowDump) ctx_.flowDump->serve(*ctx_.flows, nowMs);
  if (handled > 0) LcoreCounters::bump(ctx_.counters->busyCycles, rte_get_tsc_cycles() - start);
  passSnap_ = nullptr;  // not to be read after the quiescent report
  ctx_.snapshots->quiescent(ctx_.index);
  return handled;
}

void Worker::flushPorts() {
  for (const WorkerPort& port : ctx_.ports) {
    const uint16_t sent = rte_eth_tx_buffer_flush(port.portId, port.queue, port.txBuffer);
    if (sent != 0) LcoreCounters::bump(ctx_.counters->txPackets, sent);
  }
}

void Worker::run(const std::atomic<bool>& stop) {
  // The first sweep must not look at the whole table at once.
  ctx_.lastSweepMs = static_cast<uint32_t>(rte_get_tsc_cycles() / ctx_.tscPerMs);
  ctx_.snapshots->registerWorker(ctx_.index);
  while (!stop.load(std::memory_order_relaxed)) {
    if (pollOnce() == 0) rte_pause();
  }
  // Stopping: the peers of the workers' own TCP connections are told now, a reset each.
  // A kept-alive client waiting for a response sends nothing a restarted dataplane could
  // answer with a reset, and would wait on a connection nobody holds any more.
  if (ctx_.l7) {
    ctx_.l7->relay->endpoint.abortAll();
    flushPorts();
  }
  ctx_.snapshots->unregisterWorker(ctx_.index);
}

}  // namespace portico::dp::worker
