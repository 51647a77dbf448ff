#pragma once

// How one request is routed by a translated Gateway: the listener (by port, then SNI or
// Host, most specific first), the route and rule (by the HTTPRoute precedence, within
// that listener only), and what the client gets. porticoctl explain prints this; the
// dataplane's matcher must agree with it.

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "controlplane/translate/filters.h"
#include "controlplane/translate/translation.h"

namespace portico::cp {

struct Request {
  uint32_t port = 0;
  std::optional<std::string> host;  // HTTP Host header (a port in it is ignored)
  std::optional<std::string> sni;   // TLS server name
  std::string path = "/";
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;
};

struct RoutingDecision {
  const ListenerState* listener = nullptr;
  const AttachedRoute* route = nullptr;
  std::optional<std::size_t> rule;
  std::vector<const ResolvedBackend*> backends;  // every candidate of the matched rule
  std::string status;  // "200", a redirect's code, "404", "421", "500", "503", or "forward" / "reject" for TLS passthrough
  std::string reason;
  FilterEffect effect;  // HTTP: what the rule's filters do to the request and its response
};

RoutingDecision routeRequest(const GatewayState& gateway, const Request& request);

// Gateway API precedence of one match under the route hostname it matched through, as
// a tuple to compare: larger is more specific. Ties go to the oldest route, then
// namespace/name, then rule order.
struct MatchRank {
  int hostnamePrecise = 0;
  std::size_t hostnameLength = 0;
  int pathExact = 0;
  std::size_t pathLength = 0;
  int method = 0;
  std::size_t headers = 0;
  std::size_t query = 0;
  auto tie() const { return std::tie(hostnamePrecise, hostnameLength, pathExact, pathLength, method, headers, query); }
};
MatchRank rankOf(const std::string& hostname, const HttpRouteMatch& match);

// Gateway API path matching: PathPrefix compares whole path elements ("/foo" matches
// "/foo" and "/foo/bar", not "/foobar"); Exact compares the whole path.
bool pathMatches(const HttpRouteMatch& match, const std::string& path);

// Splits "a=1&b=2" into pairs (no percent-decoding).
std::vector<std::pair<std::string, std::string>> parseQuery(const std::string& query);

}  // namespace portico::cp
