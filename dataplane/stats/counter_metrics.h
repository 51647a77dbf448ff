#pragma once

// The dataplane's per-thread counters as Prometheus families: an event counter
// "rx_packets" becomes portico_rx_packets_total{thread="worker0"}, the gauges the workers
// refresh (active_flows, l7_held_buffers, tcp_connections, tcp_buffer_chunks) keep their
// name, busy cycles become portico_busy_seconds_total, and every drop reason is a series
// of portico_drops_total{thread,reason}, zero or not, so series do not come and go.

#include <cstdint>
#include <span>
#include <string>

#include "dataplane/stats/counters.h"
#include "common/metrics/prometheus_text.h"

namespace portico::dp {

using common::PrometheusText;

struct ThreadCounters {
  std::string thread;  // "worker0", "control", "host": a label of bounded cardinality
  const LcoreCounters* counters;
};

// False if a family could not be written (a name the format refuses: a test catches it).
bool appendCounterMetrics(PrometheusText& out, std::span<const ThreadCounters> threads, uint64_t tscHz);

}  // namespace portico::dp
