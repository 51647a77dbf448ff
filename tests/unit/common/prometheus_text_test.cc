// The text exposition format's rules.

#include "common/metrics/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>


namespace portico::common {
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

TEST(PrometheusText, WritesHistogramsWithCumulativeBucketsSumAndCount) {
  PrometheusText t;
  ASSERT_TRUE(t.family("push_seconds", Type::kHistogram, "Push to ACK"));
  const double bounds[] = {0.001, 0.01};
  const uint64_t cumulative[] = {3, 5};
  ASSERT_TRUE(t.histogram({{"dataplane", "a"}}, bounds, cumulative, 0.0125, 6));
  EXPECT_EQ(t.text(),
            "# HELP push_seconds Push to ACK\n"
            "# TYPE push_seconds histogram\n"
            "push_seconds_bucket{dataplane=\"a\",le=\"0.001\"} 3\n"
            "push_seconds_bucket{dataplane=\"a\",le=\"0.01\"} 5\n"
            "push_seconds_bucket{dataplane=\"a\",le=\"+Inf\"} 6\n"
            "push_seconds_sum{dataplane=\"a\"} 0.0125\n"
            "push_seconds_count{dataplane=\"a\"} 6\n");
  EXPECT_FALSE(t.histogram({{"le", "x"}}, bounds, cumulative, 0, 0)) << "le is the histogram's own label";
}

}  // namespace
}  // namespace portico::common
