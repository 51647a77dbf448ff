#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/stats/drop_reasons.h"
#include "dataplane/stats/vip_traffic.h"

namespace portico::dp {

// Per-lcore counters (active_flows, flows_evicted, l7_held_buffers, tcp_connections and tcp_buffer_chunks
// are gauges the worker refreshes each loop; busy_cycles
// counts TSC cycles of loop passes that handled frames, so idle polling is not cost). Only the
// owning worker writes them; readers on other threads may
// see a value one increment old, never a torn one (aligned 64-bit relaxed atomics).
#define PORTICO_EVENT_COUNTERS(X)        \
  X(rxPackets, "rx_packets")             \
  X(txPackets, "tx_packets")             \
  X(arpReplies, "arp_replies")           \
  X(ndAdvertisements, "nd_advertisements") \
  X(echoReplies, "echo_replies")         \
  X(echo6Replies, "echo6_replies")       \
  X(controlTx, "control_tx")             \
  X(toHost, "to_host")                   \
  X(fromHost, "from_host")               \
  X(flowsCreated, "flows_created")       \
  X(snatPortsReclaimed, "snat_ports_reclaimed") \
  X(toBackend, "to_backend")             \
  X(toClient, "to_client")               \
  X(icmpTranslated, "icmp_translated")   \
  X(l4BackendResets, "l4_backend_resets") \
  X(l4StrayResets, "l4_stray_resets")    \
  X(handedOff, "handed_off")             \
  X(neighborLearned, "neighbor_frames")  \
  X(l7SynCookies, "l7_syn_cookies")      \
  X(l7Connections, "l7_connections")     \
  X(l7Answers, "l7_answers")             \
  X(l7TimeWaitResets, "l7_time_wait_resets") \
  X(l7StrayResets, "l7_stray_resets")    \
  X(l7HeadsEvicted, "l7_heads_evicted")  \
  X(tcpRetransmits, "tcp_retransmits")   \
  X(tcpFastRecoveries, "tcp_fast_recoveries") \
  X(tcpRecoveriesUndone, "tcp_recoveries_undone") \
  X(tcpRtoTimeouts, "tcp_rto_timeouts")  \
  X(tcpLossProbes, "tcp_loss_probes")    \
  X(tcpConnectionsTimedOut, "tcp_connections_timed_out") \
  X(tcpResetsReceived, "tcp_resets_received") \
  X(tcpTimeWaitReclaimed, "tcp_time_wait_reclaimed") \
  X(httpRequests, "http_requests")       \
  X(httpPoolReuses, "http_pool_reuses")  \
  X(httpRetries, "http_retries")         \
  X(httpEndpointsDown, "http_endpoints_down") \
  X(httpMirrored, "http_mirrored")       \
  X(tlsHandshakes, "tls_handshakes")     \
  X(tlsResumed, "tls_resumed")           \
  X(tlsHandshakesWaited, "tls_handshakes_waited") \
  X(activeFlows, "active_flows")         \
  X(flowsEvicted, "flows_evicted")       \
  X(l7HeldBuffers, "l7_held_buffers")    \
  X(tcpConnections, "tcp_connections")   \
  X(tcpChunks, "tcp_buffer_chunks")      \
  X(busyCycles, "busy_cycles")

struct alignas(64) LcoreCounters {
#define PORTICO_EVENT_FIELD(id, name) std::atomic<uint64_t> id{0};
  PORTICO_EVENT_COUNTERS(PORTICO_EVENT_FIELD)
#undef PORTICO_EVENT_FIELD
  std::array<std::atomic<uint64_t>, kDropReasonCount> drops{};

  // Single writer: a plain load + store is enough and avoids a locked instruction.
  static void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void drop(DropReason reason, uint64_t n = 1) { bump(drops[static_cast<std::size_t>(reason)], n); }

  // This worker's per-VIP traffic, by slot (null on threads that count none).
  VipTraffic* vips = nullptr;
  void vipReceived(uint16_t slot, uint32_t bytes, uint32_t frames = 1) {
    if (slot >= kVipSlots || vips == nullptr) return;
    bump(vips[slot].receivedPackets, frames);
    bump(vips[slot].receivedBytes, bytes);
  }
  void vipSent(uint16_t slot, uint32_t bytes) {
    if (slot >= kVipSlots || vips == nullptr) return;
    bump(vips[slot].sentPackets);
    bump(vips[slot].sentBytes, bytes);
  }
  void vipConnected(uint16_t slot) {
    if (slot < kVipSlots && vips != nullptr) bump(vips[slot].connections);
  }
};

}  // namespace portico::dp
