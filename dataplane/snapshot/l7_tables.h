#pragma once

// The compiled L7 tables of a snapshot: per VIP and port, a listener matcher; per
// listener, a virtual-host matcher; per virtual host, routes in precedence order, each
// with weighted backend sets. Immutable once published, like the rest of the snapshot.
// A virtual host owns everything its routes use and is held by shared pointer, so a
// change to one host builds one new VirtualHost and shares the others with the
// previous snapshot.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/l7/host_matcher.h"
#include "dataplane/lb/maglev.h"
#include "dataplane/pkt/headers.h"
#include "dataplane/snapshot/desired_state.h"

struct hs_database;
struct hs_scratch;

namespace portico::dp::tls {
class ServerContext;
}

namespace portico::dp::snapshot {

inline constexpr uint32_t kNoRegex = 0xffffffffu;
inline constexpr uint32_t kInvalidBackendRef = 0xffffffffu;

// A Hyperscan database for one regular expression, matched against a whole value.
struct Regex {
  hs_database* db = nullptr;
  Regex() = default;
  Regex(Regex&& o) noexcept : db(o.db) { o.db = nullptr; }
  Regex& operator=(Regex&&) = delete;
  ~Regex();
};

struct ValueMatch {
  std::string name;
  ValueMatchType type = ValueMatchType::kExact;
  std::string value;
  uint32_t regex = kNoRegex;
};

struct CompiledMatch {
  PathMatchType pathType = PathMatchType::kPrefix;
  std::string path = "/";
  uint32_t pathRegex = kNoRegex;
  std::string method;
  std::vector<ValueMatch> headers;
  std::vector<ValueMatch> query;
};

inline constexpr uint32_t kNoBackendId = 0xffffffffu;

// Endpoints of one backendRef, chosen among by Maglev on the connection's hash.
struct BackendSet {
  lb::MaglevTable maglev;  // L4 services pick through it; emptied in L7 sets once `slots` is built
  std::vector<uint32_t> backendIds;  // Maglev index -> backend id
  // L7: the backend id in each Maglev slot (kNoBackendId when none is ready), so a
  // connection's pick is one load instead of a slot and then its id.
  std::vector<uint32_t> slots;

  uint32_t pick(uint32_t hash) const {
    return slots[static_cast<uint32_t>((static_cast<uint64_t>(hash) * slots.size()) >> 32)];  // as MaglevTable
  }
};

inline constexpr uint32_t kNoFilters = 0xffffffffu;

struct WeightedBackend {
  uint32_t upTo = 0;  // cumulative weight, exclusive
  uint32_t set = kInvalidBackendRef;  // index into its VirtualHost::backendSets
  uint32_t filters = kNoFilters;      // its own header modifiers: index into VirtualHost::filters
};

// A rule's filters as the proxy applies them (a backendRef's use only the header edits).
struct RouteFilters {
  std::string requestEdits, responseEdits;  // encoded: http/header_edits.h
  std::optional<RedirectSpec> redirect;
  std::optional<RewriteSpec> rewrite;
  std::vector<uint32_t> mirrorSets;  // backend sets in the same VirtualHost
  uint32_t requestTimeoutMs = 0;     // 0: none
  uint32_t backendTimeoutMs = 0;     // 0: the listener's default
};

// What a first request reads comes first, so a route that takes every request costs one
// cache line before its backends.
struct L7Route {
  bool matchesAll = false;  // PathPrefix "/" and nothing else: no need to read `match`
  uint32_t totalWeight = 0;  // 0: every backendRef has weight 0, so nothing serves (503)
  uint32_t filters = kNoFilters;  // index into VirtualHost::filters
  std::vector<WeightedBackend> backends;
  WeightedBackend first;  // backends[0], read from here when it is the only one
  CompiledMatch match;
  std::string name;
};

// A backend a virtual host refers to, and in which state: what the compiler counts to
// know a backend's state across every host and service without recompiling them all.
struct BackendRefCount {
  uint32_t id = 0;
  BackendState state = BackendState::kActive;
};

struct VirtualHost {
  // The usual host: its first route takes every request through one backendRef. That
  // backend set's index lets a first packet skip the route; kInvalidBackendRef otherwise.
  uint32_t onlySet = kInvalidBackendRef;
  std::vector<BackendSet> backendSets;  // its backendRefs' endpoints
  std::vector<L7Route> routes;
  std::vector<Regex> regexes;           // its RegularExpression matches
  std::vector<RouteFilters> filters;    // of its routes and backendRefs that have any
  std::vector<BackendRefCount> refs;    // every endpoint it names (control path only)
};

struct L7Listener {
  std::string name;
  uint64_t identity = 0;  // a hash of the name: the same listener in every snapshot
  std::string hostname;  // "" for any
  ListenerProtocol protocol = ListenerProtocol::kHttp;
  bool proxyProtocol = false;
  std::shared_ptr<const l7::HostMatcher> hosts;  // -> index into vhosts
  std::vector<std::shared_ptr<const VirtualHost>> vhosts;
  std::vector<std::string> hostnames;  // vhosts[i]'s name, where a delta finds it
  std::shared_ptr<const tls::ServerContext> tls;  // kHttps, kTlsTerminate: its certificates
};

struct L7Port {
  pkt::Ipv6Addr vip{};  // v4-mapped for IPv4
  uint16_t portBe = 0;
  uint8_t family = 0;
  ListenerProtocol protocol = ListenerProtocol::kHttp;
  L7Mode mode = L7Mode::kSplice;
  std::shared_ptr<const l7::HostMatcher> listenerMatcher;  // -> index into listeners
  std::vector<L7Listener> listeners;
  // One listener, and every virtual host's name within its hostname: the host lookup
  // alone then decides, and the listener lookup is skipped.
  bool hostsDecide = false;
  // The health endpoint's port on this VIP (no listeners): l7/health.h answers it.
  bool health = false;

  auto key() const { return std::tie(vip, portBe); }
};

// One Hyperscan scratch per worker, sized for every database of the snapshot it belongs
// to; worker i only ever touches scratch i. The prototype they were cloned from is kept
// (never used by a worker) to tell whether a later database still fits them.
class ScratchSet {
 public:
  ScratchSet() = default;
  ScratchSet(const ScratchSet&) = delete;
  ScratchSet& operator=(const ScratchSet&) = delete;
  ~ScratchSet();
  hs_scratch* forWorker(unsigned worker) const { return worker < scratch_.size() ? scratch_[worker] : nullptr; }
  std::vector<hs_scratch*>& all() { return scratch_; }
  hs_scratch*& prototype() { return prototype_; }

 private:
  std::vector<hs_scratch*> scratch_;
  hs_scratch* prototype_ = nullptr;
};

}  // namespace portico::dp::snapshot
