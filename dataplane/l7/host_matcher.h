#pragma once

// Host name -> value, the way Gateway API chooses among hostnames: an exact name first,
// then the most specific (longest) matching wildcard, then the catch-all. Exact names
// sit in a flat hash table (exact_names.h), and so do the wildcards' suffixes: a host that
// misses is probed suffix by suffix, longest first ("b.example.com", then "example.com",
// then "com" for "a.b.example.com"), so the first hit is the most specific wildcard and a
// lookup costs a probe per label, whatever the number of names. That replaced a Hyperscan
// literal database (2026-12-07): `portico-bench wildcard-match` compares the two.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/common/result.h"
#include "dataplane/l7/exact_names.h"

namespace portico::dp::l7 {

struct HostPattern {
  std::string name;  // "a.example.com", "*.example.com", or "" for any host
  uint32_t value = 0;
};

// True when every host `name` matches is also matched by `pattern` (both as in
// HostPattern, in any case): "" takes any name, an exact pattern only itself,
// "*.suffix" the names under it, any number of labels deeper (Gateway API, for Host and
// SNI alike).
bool hostWithin(std::string_view name, std::string_view pattern);

class HostMatcher {
 public:
  static constexpr uint32_t kNoMatch = 0xffffffffu;
  // Up to this many wildcards are compared directly: a few suffix compares cost less than
  // hashing (a listener's own "*.example.com" is the common case).
  static constexpr std::size_t kDirectWildcards = 8;

  // Names are compared lowercased. The error names a malformed or duplicate pattern.
  static Result<std::unique_ptr<HostMatcher>> build(const std::vector<HostPattern>& patterns);

  // `host` is lowercased, without port or trailing dot.
  uint32_t match(std::string_view host) const;

  // Memory of the tables, for the benchmarks.
  std::size_t bytes() const;

 private:
  HostMatcher() = default;

  ExactNames exact_;
  ExactNames suffixes_;  // "example.com" for "*.example.com", when there are many
  std::vector<std::string> directSuffixes_;  // when there are few: ".example.com", most specific first
  std::vector<uint32_t> directValues_;
  uint32_t catchAll_ = kNoMatch;
};

}  // namespace portico::dp::l7
