#pragma once

// Host name -> value, the way Gateway API chooses among hostnames: an exact name first,
// then the most specific (longest) matching wildcard, then the catch-all. Exact names
// sit in a flat hash table (exact_names.h); wildcards are suffix literals in one Hyperscan database, scanned
// only when the exact lookup misses.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/common/result.h"
#include "dataplane/l7/exact_names.h"

struct hs_database;
struct hs_scratch;

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
  // Up to this many wildcards are compared directly: a Hyperscan scan costs more than a
  // few suffix compares (a listener's own "*.example.com" is the common case).
  static constexpr std::size_t kDirectWildcards = 8;

  // Names are compared lowercased. The error names the pattern Hyperscan rejected or the
  // duplicate.
  static Result<std::unique_ptr<HostMatcher>> build(const std::vector<HostPattern>& patterns);
  ~HostMatcher();

  // `host` is lowercased, without port or trailing dot. `scratch` is the calling
  // thread's, allocated for this matcher's database (see database()).
  uint32_t match(std::string_view host, hs_scratch* scratch) const;

  std::size_t databaseBytes() const;
  // The Hyperscan database a scratch must fit; null when no wildcard needs one.
  const hs_database* database() const { return db_; }

 private:
  HostMatcher() = default;

  ExactNames exact_;
  // By Hyperscan id, most specific first: the suffix (".example.com") length and value.
  std::vector<uint32_t> suffixLengths_;
  std::vector<uint32_t> wildcardValues_;
  std::vector<std::string> directSuffixes_;  // when there are few: ".example.com", most specific first
  hs_database* db_ = nullptr;
  uint32_t catchAll_ = kNoMatch;
};

}  // namespace portico::dp::l7
