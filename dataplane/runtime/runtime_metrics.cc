// Runtime::metricsText(): what GET /metrics answers. Read on the metrics thread while the
// workers run: the counters are relaxed atomics and the ports' statistics come from the
// driver, so nothing here stops or slows a worker.

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <chrono>
#include <vector>

#include "dataplane/runtime/runtime.h"
#include "dataplane/stats/counter_metrics.h"

namespace portico::dp::runtime {

std::string Runtime::metricsText() const {
  using Type = PrometheusText::Type;
  PrometheusText out;
  const unsigned workers = static_cast<unsigned>(contexts_.size());
  std::vector<ThreadCounters> threads;
  for (unsigned w = 0; w < workers; ++w) threads.push_back({"worker" + std::to_string(w), &counters_[w]});
  threads.push_back({"control", &counters_[workers]});
  threads.push_back({"host", &counters_[workers + 1]});
  appendCounterMetrics(out, threads, rte_get_tsc_hz());

  std::vector<rte_eth_stats> stats(ports_.size());
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    if (rte_eth_stats_get(ports_[i].info.portId, &stats[i]) != 0) stats[i] = rte_eth_stats{};
  }
  const auto portFamily = [&](const char* name, const char* help, uint64_t rte_eth_stats::*field) {
    out.family(name, Type::kCounter, help);
    for (std::size_t i = 0; i < ports_.size(); ++i) out.sample({{"port", ports_[i].name}}, stats[i].*field);
  };
  portFamily("portico_port_received_packets_total", "Frames the port received (the driver's count)", &rte_eth_stats::ipackets);
  portFamily("portico_port_sent_packets_total", "Frames the port sent", &rte_eth_stats::opackets);
  portFamily("portico_port_received_bytes_total", "Bytes the port received", &rte_eth_stats::ibytes);
  portFamily("portico_port_sent_bytes_total", "Bytes the port sent", &rte_eth_stats::obytes);
  portFamily("portico_port_rx_missed_total", "Frames the NIC dropped because no receive descriptor was free",
             &rte_eth_stats::imissed);
  portFamily("portico_port_rx_errors_total", "Frames received with errors", &rte_eth_stats::ierrors);
  portFamily("portico_port_tx_errors_total", "Frames the port failed to send", &rte_eth_stats::oerrors);
  portFamily("portico_port_rx_nombuf_total", "Receive failures for want of a packet buffer", &rte_eth_stats::rx_nombuf);

  out.family("portico_flows_capacity", Type::kGauge, "Flow table entries per worker (compare portico_active_flows)");
  for (unsigned w = 0; w < workers; ++w) {
    out.sample({{"thread", threads[w].thread}}, static_cast<uint64_t>(contexts_[w].flows->capacity()));
  }
  out.family("portico_l7_connections_capacity", Type::kGauge,
             "Connections the L7 endpoint holds per worker (compare portico_tcp_connections)");
  for (unsigned w = 0; w < workers; ++w) {
    const uint64_t capacity = contexts_[w].l7 ? contexts_[w].l7->settings.relayConnections : 0;
    out.sample({{"thread", threads[w].thread}}, capacity);
  }
  {
    std::lock_guard lock(vipSeriesLock_);
    std::vector<VipTotals> totals;
    for (const VipSeries& v : vipSeries_) {
      VipTotals t = sumVipTraffic(vipTraffic_, v.slot);
      for (std::size_t i = 0; i < t.size(); ++i) t[i] -= v.base[i];
      totals.push_back(t);
    }
    const auto vipFamily = [&](const char* name, const char* help, std::size_t field) {
      out.family(name, Type::kCounter, help);
      for (std::size_t i = 0; i < vipSeries_.size(); ++i) out.sample({{"vip", vipSeries_[i].vip}}, totals[i][field]);
    };
    vipFamily("portico_vip_received_packets_total",
              "Frames that arrived for the VIP, whatever became of them (forwarded, answered, dropped)", 0);
    vipFamily("portico_vip_received_bytes_total", "Bytes of those frames, Ethernet headers included", 1);
    vipFamily("portico_vip_sent_packets_total",
              "Frames sent to clients from the VIP: L4 flows' replies and the L7 endpoint's segments", 2);
    vipFamily("portico_vip_sent_bytes_total", "Bytes of those frames, Ethernet headers included", 3);
    vipFamily("portico_vip_connections_total", "L4 flows and L7 connections opened to the VIP", 4);
  }
  out.family("portico_snapshot_version", Type::kGauge, "Version of the state the workers serve (each publish adds one)");
  out.sample({}, version_.load());
  const int64_t at = publishedAtNs_.load();
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  out.family("portico_snapshot_age_seconds", Type::kGauge, "Time since the served state was published");
  out.sample({}, at == 0 ? 0.0 : static_cast<double>(now - at) / 1e9);
  out.family("portico_ready", Type::kGauge, "1 while the workers run and a state is served (GET /readyz)");
  out.sample({}, static_cast<uint64_t>(serving() ? 1 : 0));
  out.family("portico_draining", Type::kGauge, "1 while drained (porticoctl drain): health checks answer 503 DRAINING");
  out.sample({}, static_cast<uint64_t>(draining() ? 1 : 0));
  if (pair_) {  // made before any thread starts, never replaced
    out.family("portico_pair_active", Type::kGauge,
               "1 while this appliance is the active one of its L2 pair (it answers ARP/NDP for the VIPs)");
    out.sample({}, static_cast<uint64_t>(standby_.load() ? 0 : 1));
  }
  return out.text();
}

}  // namespace portico::dp::runtime
