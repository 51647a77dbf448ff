#pragma once

// Prometheus's text exposition format (version 0.0.4), written by hand: Debian 12
// packages no client library for C++. A family is a "# HELP" and a "# TYPE" line and its
// samples, all together; names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* (never "__"-prefixed), label values escape \, " and newline,
// help text escapes \ and newline. Used on the control path only, by both daemons.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portico::common {

bool validMetricName(std::string_view name);
bool validLabelName(std::string_view name);

class PrometheusText {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  using Labels = std::vector<std::pair<std::string_view, std::string>>;

  // Starts a family; the samples that follow belong to it. False, and nothing written,
  // for an invalid name or one already used (the caller's bug, which a test catches).
  bool family(std::string_view name, Type type, std::string_view help);
  // A sample of the current family. False, and nothing written, without a family or
  // with an invalid or repeated label name.
  bool sample(const Labels& labels, double value);
  bool sample(const Labels& labels, uint64_t value);
  // A histogram family's series: `cumulative[i]` observations at most `bounds[i]` (the
  // "+Inf" bucket, `count`, is added), their sum and count.
  bool histogram(const Labels& labels, std::span<const double> bounds, std::span<const uint64_t> cumulative, double sum,
                 uint64_t count);

  const std::string& text() const { return text_; }

 private:
  bool labelsValid(const Labels& labels) const;
  void writeLabels(const Labels& labels, std::string_view suffix = {}, std::string_view le = {});
  void writeValue(double value);

  std::string text_;
  std::string current_;
  std::vector<std::string> families_;
};

}  // namespace portico::common
