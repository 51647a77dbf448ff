#include "tests/bench/wildcard_bench.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/l7/host_matcher.h"
#include "tests/bench/figure.h"

namespace portico::bench {

namespace {

using Clock = std::chrono::steady_clock;
using dp::l7::HostMatcher;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The reference: how HostMatcher found wildcards until 2026-12-07. The suffixes, reversed
// (so literal matchers tell them apart by their distinct labels rather than the shared
// domain), in one Hyperscan literal database, longest first; a match must end exactly a
// suffix's length into the reversed host and leave a label before it; the lowest id wins.
class HyperscanSuffixes {
 public:
  explicit HyperscanSuffixes(const std::vector<dp::l7::HostPattern>& wildcards) {
    std::vector<std::pair<std::string, uint32_t>> suffixes;
    for (const auto& w : wildcards) suffixes.emplace_back(w.name.substr(1), w.value);
    std::stable_sort(suffixes.begin(), suffixes.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    std::vector<const char*> exprs;
    std::vector<std::size_t> lengths;
    std::vector<unsigned> flags(suffixes.size(), 0), ids(suffixes.size());
    for (std::size_t i = 0; i < suffixes.size(); ++i) {
      std::reverse(suffixes[i].first.begin(), suffixes[i].first.end());
      ids[i] = static_cast<unsigned>(i);
      lengths_.push_back(static_cast<uint32_t>(suffixes[i].first.size()));
      values_.push_back(suffixes[i].second);
    }
    for (const auto& [suffix, value] : suffixes) {
      exprs.push_back(suffix.data());
      lengths.push_back(suffix.size());
    }
    hs_compile_error_t* err = nullptr;
    if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lengths.data(), static_cast<unsigned>(exprs.size()),
                             HS_MODE_BLOCK, nullptr, &db_, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      db_ = nullptr;
      return;
    }
    hs_alloc_scratch(db_, &scratch_);
  }
  ~HyperscanSuffixes() {
    hs_free_scratch(scratch_);
    hs_free_database(db_);
  }
  bool ok() const { return db_ != nullptr && scratch_ != nullptr; }
  std::size_t bytes() const {
    std::size_t size = 0;
    hs_database_size(db_, &size);
    return size;
  }
  // The value of the most specific wildcard, or HostMatcher::kNoMatch.
  uint32_t match(std::string_view host) const {
    char reversed[256];
    if (host.empty() || host.size() > sizeof reversed) return HostMatcher::kNoMatch;
    std::reverse_copy(host.begin(), host.end(), reversed);
    State s{lengths_.data(), host.size(), ~0u};
    hs_scan(db_, reversed, static_cast<unsigned>(host.size()), 0, scratch_, onMatch, &s);
    return s.best == ~0u ? HostMatcher::kNoMatch : values_[s.best];
  }

 private:
  struct State {
    const uint32_t* lengths;
    std::size_t hostLength;
    unsigned best;
  };
  static int onMatch(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
    auto* s = static_cast<State*>(ctx);
    if (to == s->lengths[id] && id < s->best && to < s->hostLength) s->best = id;
    return 0;
  }
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
  std::vector<uint32_t> lengths_;  // by id
  std::vector<uint32_t> values_;   // by id
};

}  // namespace

int wildcardMatch(int repeats) {
  constexpr std::array<int, 3> kCounts{1000, 10000, 100000};
  for (const int n : kCounts) {
    // "*.hN.example.com" and, every tenth, a deeper "*.aN.hN.example.com" beside it: the
    // lookups then meet nested wildcards, where the most specific must win.
    std::vector<dp::l7::HostPattern> patterns;
    for (int i = 0; i < n; ++i) {
      patterns.push_back({i % 10 == 9 ? "*.a" + std::to_string(i) + ".h" + std::to_string(i - 1) + ".example.com"
                                      : "*.h" + std::to_string(i) + ".example.com",
                          static_cast<uint32_t>(i)});
    }
    auto start = Clock::now();
    auto table = HostMatcher::build(patterns);
    const double tableBuild = secondsSince(start);
    start = Clock::now();
    HyperscanSuffixes reference(patterns);
    const double hyperscanBuild = secondsSince(start);
    if (!table || !reference.ok()) {
      std::fprintf(stderr, "portico-bench: wildcard tables for %d names did not build\n", n);
      return 1;
    }
    // 1 024 hosts over the whole set: one, two or three labels under a wildcard, some
    // under a nested one, and one in eight under none.
    std::vector<std::string> hosts;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 1024; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      const int k = static_cast<int>(x % n);
      const std::string under = k % 10 == 9 ? "a" + std::to_string(k) + ".h" + std::to_string(k - 1) : "h" + std::to_string(k);
      const char* prefixes[] = {"www.", "api.eu.", "x.y.z."};
      hosts.push_back(std::string(prefixes[i % 3]) + under + (i % 8 == 7 ? ".example.org" : ".example.com"));
    }
    // Both must agree on every host: the same wildcard, or none.
    for (const auto& h : hosts) {
      if ((*table)->match(h) != reference.match(h)) {
        std::fprintf(stderr, "portico-bench: %s: suffix table and Hyperscan disagree\n", h.c_str());
        return 1;
      }
    }
    // Rounds alternate between the two; the best round of each counts.
    double bestTable = 1e18, bestHyperscan = 1e18;
    uint64_t sink = 0;
    for (int r = 0; r < repeats * 20; ++r) {
      start = Clock::now();
      for (const auto& h : hosts) sink += (*table)->match(h);
      bestTable = std::min(bestTable, secondsSince(start) * 1e9 / hosts.size());
      start = Clock::now();
      for (const auto& h : hosts) sink += reference.match(h);
      bestHyperscan = std::min(bestHyperscan, secondsSince(start) * 1e9 / hosts.size());
    }
    if (sink == 42) std::fprintf(stderr, " ");  // keeps the lookups from being optimised away
    const std::string names = std::to_string(n) + " wildcard hostnames (one in ten nested under another), ";
    const std::string rounds = ", best of " + std::to_string(repeats * 20) + " alternating rounds of 1 024 lookups";
    figure("hosts.wildcard_match_ns.hyperscan.hosts_" + std::to_string(n), bestHyperscan, "ns",
           names + "the Hyperscan literal database of the suffixes, reversed (the reference)" + rounds);
    figure("hosts.wildcard_match_ns.suffix_table.hosts_" + std::to_string(n), bestTable, "ns",
           names + "the dataplane's suffix table, a probe per label; floor: Hyperscan" + rounds, bestHyperscan);
    figure("hosts.build_s.hyperscan.hosts_" + std::to_string(n), hyperscanBuild, "s", names + "compile");
    figure("hosts.build_s.suffix_table.hosts_" + std::to_string(n), tableBuild, "s", names + "build; floor: Hyperscan",
           hyperscanBuild);
    figure("hosts.bytes.hyperscan.hosts_" + std::to_string(n), static_cast<double>(reference.bytes()), "bytes",
           names + "database size");
    figure("hosts.bytes.suffix_table.hosts_" + std::to_string(n), static_cast<double>((*table)->bytes()), "bytes",
           names + "table size; floor: Hyperscan", static_cast<double>(reference.bytes()));
  }
  return 0;
}

}  // namespace portico::bench
