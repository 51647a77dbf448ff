#include "common/metrics/prometheus_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace portico::common {

namespace {

bool nameChar(char c, bool first, bool colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return letter || (!first && c >= '0' && c <= '9');
}

bool validName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!nameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

void escapeInto(std::string& out, std::string_view s, bool quotes) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

bool validMetricName(std::string_view name) { return validName(name, true); }

bool validLabelName(std::string_view name) { return validName(name, false) && name.substr(0, 2) != "__"; }

bool PrometheusText::family(std::string_view name, Type type, std::string_view help) {
  if (!validMetricName(name) || std::find(families_.begin(), families_.end(), name) != families_.end()) return false;
  families_.emplace_back(name);
  current_ = name;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  escapeInto(text_, help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += type == Type::kCounter ? " counter\n" : type == Type::kGauge ? " gauge\n" : " histogram\n";
  return true;
}

bool PrometheusText::labelsValid(const Labels& labels) const {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!validLabelName(labels[i].first)) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].first == labels[i].first) return false;
    }
  }
  return true;
}

void PrometheusText::writeLabels(const Labels& labels, std::string_view suffix, std::string_view le) {
  text_ += current_;
  text_ += suffix;
  if (labels.empty() && le.empty()) return;
  text_ += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += labels[i].first;
    text_ += "=\"";
    escapeInto(text_, labels[i].second, true);
    text_ += '"';
  }
  if (!le.empty()) {
    text_ += labels.empty() ? "le=\"" : ",le=\"";
    text_ += le;
    text_ += '"';
  }
  text_ += '}';
}

void PrometheusText::writeValue(double value) {
  if (std::isnan(value)) {
    text_ += " NaN\n";
  } else if (std::isinf(value)) {
    text_ += value > 0 ? " +Inf\n" : " -Inf\n";
  } else {
    // The shortest text that reads back as the same double (0.0125, not 0.012500000000000001).
    char buf[32];
    const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    text_ += ' ';
    text_.append(buf, end);
    text_ += '\n';
  }
}

bool PrometheusText::sample(const Labels& labels, double value) {
  if (current_.empty() || !labelsValid(labels)) return false;
  writeLabels(labels);
  writeValue(value);
  return true;
}

bool PrometheusText::sample(const Labels& labels, uint64_t value) {
  if (current_.empty() || !labelsValid(labels)) return false;
  writeLabels(labels);
  text_ += ' ';
  text_ += std::to_string(value);
  text_ += '\n';
  return true;
}

bool PrometheusText::histogram(const Labels& labels, std::span<const double> bounds, std::span<const uint64_t> cumulative,
                               double sum, uint64_t count) {
  if (current_.empty() || bounds.size() != cumulative.size() || !labelsValid(labels)) return false;
  for (const auto& l : labels) {
    if (l.first == "le") return false;
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    char le[32];
    const auto end = std::to_chars(le, le + sizeof le, bounds[i]).ptr;
    writeLabels(labels, "_bucket", std::string_view(le, static_cast<std::size_t>(end - le)));
    text_ += ' ' + std::to_string(cumulative[i]) + '\n';
  }
  writeLabels(labels, "_bucket", "+Inf");
  text_ += ' ' + std::to_string(count) + '\n';
  writeLabels(labels, "_sum");
  writeValue(sum);
  writeLabels(labels, "_count");
  text_ += ' ' + std::to_string(count) + '\n';
  return true;
}

}  // namespace portico::common
