#include "dataplane/l7/host_matcher.h"

#include <algorithm>

namespace portico::dp::l7 {

namespace {

std::string lowered(std::string s) {
  for (char& c : s) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

}  // namespace


bool hostWithin(std::string_view nameIn, std::string_view patternIn) {
  const std::string nameLowered = lowered(std::string(nameIn)), patternLowered = lowered(std::string(patternIn));
  const std::string_view name = nameLowered, pattern = patternLowered;
  if (pattern.empty() || name == pattern) return true;
  if (name.empty() || pattern.substr(0, 2) != "*.") return false;
  const std::string_view suffix = pattern.substr(1);  // ".example.com"
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}

Result<std::unique_ptr<HostMatcher>> HostMatcher::build(const std::vector<HostPattern>& patterns) {
  std::unique_ptr<HostMatcher> m(new HostMatcher());
  std::vector<std::pair<std::string, uint32_t>> suffixes;
  m->exact_.reserve(static_cast<std::size_t>(std::count_if(
      patterns.begin(), patterns.end(), [](const HostPattern& p) { return !p.name.empty() && p.name[0] != '*'; })));
  for (const auto& p : patterns) {
    const std::string name = lowered(p.name);
    if (name.empty()) {
      if (m->catchAll_ != kNoMatch) return Error{"hostname (any)", "listed twice"};
      m->catchAll_ = p.value;
    } else if (name.rfind("*.", 0) == 0) {
      if (name.size() < 3 || name.find('*', 1) != std::string::npos) return Error{"hostname " + p.name, "a wildcard is one leading \"*.\""};
      suffixes.emplace_back(name.substr(1), p.value);
    } else {
      if (name.find('*') != std::string::npos) return Error{"hostname " + p.name, "a wildcard is one leading \"*.\""};
      if (!m->exact_.insert(name, p.value)) return Error{"hostname " + p.name, "listed twice"};
    }
  }
  if (suffixes.size() <= kDirectWildcards) {
    // Longest suffix first, so the first that matches is the most specific; equal ones
    // side by side, so a repeat is seen (two suffixes of one length never both match).
    std::sort(suffixes.begin(), suffixes.end(), [](const auto& a, const auto& b) {
      return a.first.size() != b.first.size() ? a.first.size() > b.first.size() : a.first < b.first;
    });
    for (std::size_t i = 0; i < suffixes.size(); ++i) {
      if (i > 0 && suffixes[i].first == suffixes[i - 1].first) return Error{"hostname *" + suffixes[i].first, "listed twice"};
      m->directSuffixes_.push_back(suffixes[i].first);
      m->directValues_.push_back(suffixes[i].second);
    }
    return m;
  }
  m->suffixes_.reserve(suffixes.size());
  for (const auto& [suffix, value] : suffixes) {
    if (!m->suffixes_.insert(std::string_view(suffix).substr(1), value)) return Error{"hostname *" + suffix, "listed twice"};
  }
  return m;
}

std::size_t HostMatcher::bytes() const { return exact_.bytes() + suffixes_.bytes(); }

uint32_t HostMatcher::match(std::string_view host) const {
  if (!exact_.empty()) {
    if (const uint32_t v = exact_.find(host); v != ExactNames::kNoMatch) return v;
  }
  for (std::size_t i = 0; i < directSuffixes_.size(); ++i) {
    const std::string& suffix = directSuffixes_[i];
    if (host.size() <= suffix.size() || host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    return directValues_[i];
  }
  if (!suffixes_.empty()) {
    // After each dot that leaves a label before it, the rest is a suffix to try, longest
    // first.
    for (std::size_t dot = host.find('.', 1); dot != std::string_view::npos && dot + 1 < host.size();
         dot = host.find('.', dot + 1)) {
      if (const uint32_t v = suffixes_.find(host.substr(dot + 1)); v != ExactNames::kNoMatch) return v;
    }
  }
  return catchAll_;
}

}  // namespace portico::dp::l7
