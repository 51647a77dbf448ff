#include "dataplane/stats/counter_metrics.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "dataplane/stats/report.h"

namespace portico::dp {

namespace {

constexpr std::array<std::string_view, 4> kGauges{"active_flows", "l7_held_buffers", "tcp_connections",
                                                  "tcp_buffer_chunks"};

}  // namespace

bool appendCounterMetrics(PrometheusText& out, std::span<const ThreadCounters> threads, uint64_t tscHz) {
  if (threads.empty()) return true;
  bool ok = true;
  std::vector<std::vector<std::pair<std::string, uint64_t>>> values;
  for (const auto& t : threads) values.push_back(counterValues(*t.counters, true));
  const auto& names = values.front();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i].first;
    if (name == "dropped" || name.rfind("drop.", 0) == 0) continue;  // below, by reason
    const bool gauge = std::find(kGauges.begin(), kGauges.end(), name) != kGauges.end();
    if (name == "busy_cycles") {
      ok &= out.family("portico_busy_seconds_total", PrometheusText::Type::kCounter,
                       "Time a thread spent in loop passes that handled frames (idle polling is not counted)");
      for (std::size_t t = 0; t < threads.size(); ++t) {
        const double seconds = tscHz == 0 ? 0.0 : static_cast<double>(values[t][i].second) / static_cast<double>(tscHz);
        ok &= out.sample({{"thread", threads[t].thread}}, seconds);
      }
      continue;
    }
    ok &= out.family(gauge ? "portico_" + name : "portico_" + name + "_total",
                     gauge ? PrometheusText::Type::kGauge : PrometheusText::Type::kCounter,
                     "The dataplane's " + name + (gauge ? ", now" : "") + ", per thread");
    for (std::size_t t = 0; t < threads.size(); ++t) ok &= out.sample({{"thread", threads[t].thread}}, values[t][i].second);
  }
  ok &= out.family("portico_drops_total", PrometheusText::Type::kCounter, "Frames dropped, per thread and reason");
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    const std::string reason(dropReasonName(static_cast<DropReason>(i)));
    for (const auto& t : threads) {
      ok &= out.sample({{"thread", t.thread}, {"reason", reason}},
                       t.counters->drops[i].load(std::memory_order_relaxed));
    }
  }
  return ok;
}

}  // namespace portico::dp
