// The dataplane's per-thread counters written as Prometheus families.

#include "dataplane/stats/counter_metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "dataplane/stats/report.h"

namespace portico::dp {
namespace {

// Every counter of the report appears once per thread, under a valid name, and every
// drop reason is a series even at zero.
TEST(CounterMetrics, ExportEveryCounterPerThread) {
  LcoreCounters w0, control;
  LcoreCounters::bump(w0.rxPackets, 5);
  LcoreCounters::bump(w0.busyCycles, 3'000'000'000);
  w0.activeFlows.store(7);
  w0.drop(DropReason::kTxFull, 2);
  const ThreadCounters threads[] = {{"worker0", &w0}, {"control", &control}};
  PrometheusText t;
  ASSERT_TRUE(appendCounterMetrics(t, threads, 2'000'000'000));
  const std::string& text = t.text();
  EXPECT_NE(text.find("portico_rx_packets_total{thread=\"worker0\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("portico_rx_packets_total{thread=\"control\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE portico_active_flows gauge\nportico_active_flows{thread=\"worker0\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("portico_busy_seconds_total{thread=\"worker0\"} 1.5\n"), std::string::npos);
  EXPECT_NE(text.find("portico_drops_total{thread=\"worker0\",reason=\"tx_full\"} 2\n"), std::string::npos);
  EXPECT_EQ(text.find("busy_cycles"), std::string::npos);
  // One family per counter of the report (but the sum and the drops, which are one family).
  std::set<std::string> families;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) families.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  std::size_t reported = 0;
  for (const auto& [name, value] : counterValues(w0)) reported += name != "dropped" && name.rfind("drop.", 0) != 0;
  EXPECT_EQ(families.size(), reported + 1);
  std::size_t drops = 0;
  for (std::size_t at = text.find("portico_drops_total{"); at != std::string::npos; at = text.find("portico_drops_total{", at + 1)) {
    ++drops;
  }
  EXPECT_EQ(drops, 2 * kDropReasonCount);
}

}  // namespace
}  // namespace portico::dp
