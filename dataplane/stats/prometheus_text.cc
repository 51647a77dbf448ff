#include "dataplane/stats/prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace portico::dp {

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
  text_ += type == Type::kCounter ? " counter\n" : " gauge\n";
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

void PrometheusText::writeLabels(const Labels& labels) {
  text_ += current_;
  if (labels.empty()) return;
  text_ += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text_ += ',';
    text_ += labels[i].first;
    text_ += "=\"";
    escapeInto(text_, labels[i].second, true);
    text_ += '"';
  }
  text_ += '}';
}

bool PrometheusText::sample(const Labels& labels, double value) {
  if (current_.empty() || !labelsValid(labels)) return false;
  writeLabels(labels);
  if (std::isnan(value)) {
    text_ += " NaN\n";
  } else if (std::isinf(value)) {
    text_ += value > 0 ? " +Inf\n" : " -Inf\n";
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.17g\n", value);
    text_ += buf;
  }
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

}  // namespace portico::dp
