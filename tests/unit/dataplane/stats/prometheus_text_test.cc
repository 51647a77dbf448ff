// The text exposition format's rules, and the dataplane's counters written in it.

#include "dataplane/stats/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "dataplane/stats/counter_metrics.h"
#include "dataplane/stats/report.h"

namespace portico::dp {
namespace {

using Type = PrometheusText::Type;

TEST(PrometheusText, WritesHelpTypeAndSamples) {
  PrometheusText t;
  ASSERT_TRUE(t.family("portico_rx_packets_total", Type::kCounter, "Frames received"));
  ASSERT_TRUE(t.sample({{"thread", "worker0"}}, uint64_t{12}));
  ASSERT_TRUE(t.sample({{"thread", "worker1"}}, uint64_t{0}));
  ASSERT_TRUE(t.family("portico_snapshot_age_seconds", Type::kGauge, "Age"));
  ASSERT_TRUE(t.sample({}, 1.5));
  EXPECT_EQ(t.text(),
            "# HELP portico_rx_packets_total Frames received\n"
            "# TYPE portico_rx_packets_total counter\n"
            "portico_rx_packets_total{thread=\"worker0\"} 12\n"
            "portico_rx_packets_total{thread=\"worker1\"} 0\n"
            "# HELP portico_snapshot_age_seconds Age\n"
            "# TYPE portico_snapshot_age_seconds gauge\n"
            "portico_snapshot_age_seconds 1.5\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  PrometheusText t;
  ASSERT_TRUE(t.family("x", Type::kGauge, "a \\ and a\nnewline, \"quotes\" stay"));
  ASSERT_TRUE(t.sample({{"port", "a\"b\\c\nd"}}, uint64_t{1}));
  EXPECT_EQ(t.text(),
            "# HELP x a \\\\ and a\\nnewline, \"quotes\" stay\n"
            "# TYPE x gauge\n"
            "x{port=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusText, WritesNanAndInfinitiesAsTheFormatSpellsThem) {
  PrometheusText t;
  ASSERT_TRUE(t.family("x", Type::kGauge, "h"));
  t.sample({}, std::numeric_limits<double>::quiet_NaN());
  t.sample({}, std::numeric_limits<double>::infinity());
  t.sample({}, -std::numeric_limits<double>::infinity());
  EXPECT_NE(t.text().find("x NaN\nx +Inf\nx -Inf\n"), std::string::npos);
}

TEST(PrometheusText, RefusesBadNamesRepeatsAndOrphanSamples) {
  PrometheusText t;
  EXPECT_FALSE(t.sample({}, uint64_t{1})) << "a sample before any family";
  EXPECT_FALSE(t.family("", Type::kGauge, "h"));
  EXPECT_FALSE(t.family("1abc", Type::kGauge, "h"));
  EXPECT_FALSE(t.family("a-b", Type::kGauge, "h"));
  EXPECT_TRUE(t.family("a:b_c", Type::kGauge, "h")) << "colons are allowed in metric names";
  EXPECT_FALSE(t.family("a:b_c", Type::kGauge, "h")) << "a family is written once";
  EXPECT_FALSE(t.sample({{"a:b", "v"}}, uint64_t{1})) << "but not in label names";
  EXPECT_FALSE(t.sample({{"__name", "v"}}, uint64_t{1})) << "\"__\" is reserved";
  EXPECT_FALSE(t.sample({{"a", "v"}, {"a", "w"}}, uint64_t{1}));
  EXPECT_EQ(t.text(), "# HELP a:b_c h\n# TYPE a:b_c gauge\n");
}

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
