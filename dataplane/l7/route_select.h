#pragma once

// Where a new L7 connection goes, decided on its first request (HTTP) or ClientHello
// (TLS): the listener by hostname, the virtual host within that listener only, the first
// route in precedence order whose match holds, then a backendRef by weight and an
// endpoint by Maglev, both on the connection's hash.

#include <cstdint>
#include <string_view>

#include "dataplane/l7/http_request_head.h"
#include "dataplane/snapshot/snapshot.h"

namespace portico::dp::l7 {

enum class Outcome : uint8_t {
  kForward,         // to backendId
  kRedirect,        // the rule's RequestRedirect answers (filters->redirect)
  kNotFound,        // no listener, host or rule matched: 404 (HTTP) or reset (TLS)
  kInvalidBackend,  // the chosen backendRef cannot be resolved: 500
  kUnavailable,     // no ready endpoint: 503
};

struct RouteChoice {
  Outcome outcome = Outcome::kNotFound;
  uint32_t backendId = 0;
  uint32_t set = 0xffffffffu;  // the backend set (VirtualHost::backendSets) it came from
  bool proxyProtocol = false;
  // What the proxy applies (valid while the snapshot is: this loop pass only). The rule's
  // filters and the chosen backendRef's, nullptr when none; the route, for the prefix a
  // ReplacePrefixMatch replaces; the host, for the mirrors' backend sets.
  const snapshot::RouteFilters* filters = nullptr;
  const snapshot::RouteFilters* backendFilters = nullptr;
  const snapshot::L7Route* route = nullptr;
  const snapshot::VirtualHost* vhost = nullptr;
};

// Splice and relay modes forward bytes and cannot apply a filter: a rule with one answers
// 500 there (Gateway API: a filter is never skipped). True when `c` was turned into that.
bool refuseFilters(RouteChoice& c);

RouteChoice routeHttp(const snapshot::L7Port& port, const HttpRequestHead& head,
                      hs_scratch* scratch, uint64_t hash);

RouteChoice routeTls(const snapshot::L7Port& port, std::string_view serverName, uint64_t hash);

// The listener of `port` a hostname (Host, SNI) belongs to, as Gateway API orders them
// (exact, then the most specific wildcard, then the listener without a hostname);
// HostMatcher::kNoMatch when none.
uint32_t listenerIndex(const snapshot::L7Port& port, std::string_view host);

// Gateway API PathPrefix: whole path elements, a trailing '/' in the prefix ignored.
bool pathHasPrefix(std::string_view path, std::string_view prefix);

}  // namespace portico::dp::l7
