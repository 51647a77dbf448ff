#include "dataplane/l7/host_matcher.h"

#include <hs/hs.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <numeric>

namespace portico::dp::l7 {

namespace {

std::string lowered(std::string s) {
  for (char& c : s) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

struct ScanState {
  const uint32_t* suffixLengths;  // by id
  std::size_t hostLength;
  unsigned best;
};

// Patterns and host are scanned reversed, so a suffix is a prefix: its match must end
// exactly its own length into the reversed host, and leave at least one label after it.
// Ids are ordered most specific first: keep the least.
int onMatch(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* s = static_cast<ScanState*>(ctx);
  if (to != s->suffixLengths[id] || id >= s->best || to >= s->hostLength) return 0;
  s->best = id;
  return 0;
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

HostMatcher::~HostMatcher() { hs_free_database(db_); }

Result<std::unique_ptr<HostMatcher>> HostMatcher::build(const std::vector<HostPattern>& patterns) {
  std::unique_ptr<HostMatcher> m(new HostMatcher());
  std::vector<std::pair<std::string, uint32_t>> suffixes;
  m->exact_.reserve(patterns.size());
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
  if (suffixes.empty()) return m;
  // Longest suffix first, so the lowest id that matches is the most specific.
  std::stable_sort(suffixes.begin(), suffixes.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (std::size_t i = 1; i < suffixes.size(); ++i) {
    if (suffixes[i].first == suffixes[i - 1].first) return Error{"hostname *" + suffixes[i].first, "listed twice"};
  }
  std::vector<const char*> exprs;
  std::vector<std::size_t> lengths;
  std::vector<unsigned> flags(suffixes.size(), 0), ids(suffixes.size());
  std::iota(ids.begin(), ids.end(), 0u);
  if (suffixes.size() <= kDirectWildcards) {
    for (const auto& [suffix, value] : suffixes) {
      m->directSuffixes_.push_back(suffix);
      m->suffixLengths_.push_back(static_cast<uint32_t>(suffix.size()));
      m->wildcardValues_.push_back(value);
    }
    return m;
  }
  // Reversed: literal matchers tell literals apart by their last bytes, which for host
  // suffixes would be the shared domain (".example.com") and make every candidate a
  // collision; reversed, they end in the distinct labels.
  for (auto& [suffix, value] : suffixes) std::reverse(suffix.begin(), suffix.end());
  for (const auto& [suffix, value] : suffixes) {
    exprs.push_back(suffix.data());
    lengths.push_back(suffix.size());
    m->suffixLengths_.push_back(static_cast<uint32_t>(suffix.size()));
    m->wildcardValues_.push_back(value);
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &m->db_, &err) != HS_SUCCESS) {
    std::string bad = err != nullptr && err->expression >= 0 ? suffixes[err->expression].first : "";
    std::reverse(bad.begin(), bad.end());
    Error e{bad.empty() ? "hostnames" : "hostname *" + bad,
            std::string("Hyperscan: ") + (err != nullptr ? err->message : "compile failed")};
    hs_free_compile_error(err);
    return e;
  }
  return m;
}

std::size_t HostMatcher::databaseBytes() const {
  std::size_t size = 0;
  if (db_ != nullptr) hs_database_size(db_, &size);
  return size;
}

uint32_t HostMatcher::match(std::string_view host, hs_scratch* scratch) const {
  if (!exact_.empty()) {
    if (const uint32_t v = exact_.find(host); v != ExactNames::kNoMatch) return v;
  }
  for (std::size_t i = 0; i < directSuffixes_.size(); ++i) {
    const std::string& suffix = directSuffixes_[i];
    if (host.size() <= suffix.size() || host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    return wildcardValues_[i];
  }
  if (db_ != nullptr && !host.empty()) {
    char reversed[256];
    if (host.size() > sizeof reversed) return catchAll_;
    std::reverse_copy(host.begin(), host.end(), reversed);
    ScanState s{suffixLengths_.data(), host.size(), ~0u};
    hs_scan(db_, reversed, static_cast<unsigned>(host.size()), 0, scratch, onMatch, &s);
    if (s.best != ~0u) return wildcardValues_[s.best];
  }
  return catchAll_;
}

}  // namespace portico::dp::l7
