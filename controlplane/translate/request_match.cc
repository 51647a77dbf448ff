#include "controlplane/translate/request_match.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <tuple>

#include "controlplane/translate/hostname.h"

namespace portico::cp {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool fullMatch(const std::string& pattern, const std::string& value) {
  try {
    return std::regex_match(value, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;  // an invalid expression matches nothing
  }
}

bool valueMatches(const std::string& type, const std::string& want, const std::string& got) {
  return type == "RegularExpression" ? fullMatch(want, got) : want == got;
}

// Every condition must hold; header names compare case-insensitively, query names not.
bool allMatch(const std::vector<HttpValueMatch>& conditions, const std::vector<std::pair<std::string, std::string>>& got,
              bool caseInsensitiveNames) {
  for (const auto& c : conditions) {
    const auto it = std::find_if(got.begin(), got.end(), [&](const auto& kv) {
      return caseInsensitiveNames ? lower(kv.first) == lower(c.name) : kv.first == c.name;
    });
    if (it == got.end() || !valueMatches(c.type, c.value, it->second)) return false;
  }
  return true;
}

// The route hostname a request matched: a precise name beats any wildcard; among
// wildcards the longer; "" (the route has none) matches anything, least specific.
std::optional<std::string> matchedHostname(const AttachedRoute& route, const std::string& host) {
  std::optional<std::string> best;
  for (const auto& h : route.hostnames) {
    if (!(h.empty() || hostnameMatches(h, host))) continue;
    if (!best || compareSpecificity(h.empty() ? std::nullopt : std::optional(h),
                                    best->empty() ? std::nullopt : std::optional(*best)) < 0) {
      best = h;
    }
  }
  return best;
}

// "200" when every candidate serves; otherwise the status of the largest share.
std::string statusOf(const std::vector<const ResolvedBackend*>& backends, std::string& reason) {
  if (backends.empty()) {
    reason = "the matching rule has no backend that takes traffic: 500";
    return "500";
  }
  uint64_t total = 0, served = 0, invalid = 0, empty = 0;
  for (const auto* b : backends) {
    total += b->weight;
    if (b->outcome == ResolvedBackend::Outcome::kServed) served += b->weight;
    if (b->outcome == ResolvedBackend::Outcome::kInvalid) invalid += b->weight;
    if (b->outcome == ResolvedBackend::Outcome::kNoEndpoints) empty += b->weight;
  }
  if (served == total) {
    reason = backends.size() == 1 ? "routed to " + backends[0]->ref
                                  : "split by weight over " + std::to_string(backends.size()) + " backends";
    return "200";
  }
  reason = std::to_string(served) + "/" + std::to_string(total) + " of the weight is served; invalid backends answer 500 (" +
           std::to_string(invalid) + "/" + std::to_string(total) + "), backends with no ready endpoints 503 (" +
           std::to_string(empty) + "/" + std::to_string(total) + ")";
  if (backends.size() == 1) reason = backends[0]->reason;
  if (served >= invalid && served >= empty) return "200";
  return invalid >= empty ? "500" : "503";
}

const ListenerState* chooseListener(const GatewayState& gw, uint32_t port, const std::string& name) {
  const ListenerState* best = nullptr;
  for (const auto& l : gw.listeners) {
    if (!l.accepted || l.port != port) continue;
    if (l.hostname && !hostnameMatches(*l.hostname, name)) {
      continue;
    }
    if (best == nullptr || compareSpecificity(l.hostname, best->hostname) < 0) best = &l;
  }
  return best;
}

}  // namespace

MatchRank rankOf(const std::string& hostname, const HttpRouteMatch& m) {
  return MatchRank{!hostname.empty() && !isWildcard(hostname) ? 1 : 0, hostname.size(), m.pathType == "Exact" ? 1 : 0,
                   m.pathType == "RegularExpression" ? 0 : m.pathValue.size(), m.method ? 1 : 0, m.headers.size(),
                   m.queryParams.size()};
}

bool pathMatches(const HttpRouteMatch& m, const std::string& path) {
  if (m.pathType == "Exact") return path == m.pathValue;
  if (m.pathType == "RegularExpression") return fullMatch(m.pathValue, path);
  std::string prefix = m.pathValue;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  if (prefix == "/") return !path.empty() && path[0] == '/';
  return path.compare(0, prefix.size(), prefix) == 0 && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

std::vector<std::pair<std::string, std::string>> parseQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    const std::size_t amp = query.find('&', start);
    const std::string part = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      out.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

RoutingDecision routeRequest(const GatewayState& gw, const Request& r) {
  RoutingDecision d;
  const std::string host = lower(std::string(hostWithoutPort(r.host.value_or(r.sni.value_or("")))));
  if (r.sni) {
    d.listener = chooseListener(gw, r.port, lower(*r.sni));
    // HTTPS: a Host that belongs to another listener than the SNI chose is misdirected.
    if (d.listener != nullptr && d.listener->protocol == "HTTPS" && r.host &&
        chooseListener(gw, r.port, host) != d.listener) {
      d.status = "421";
      d.reason = "Host " + host + " does not belong to listener " + d.listener->name + " chosen by SNI " + *r.sni;
      return d;
    }
  } else {
    d.listener = chooseListener(gw, r.port, host);
  }
  if (d.listener == nullptr) {
    // A TLS connection no listener takes is reset, as the dataplane does; HTTP gets a 404.
    d.status = r.sni && !r.host ? "reject" : "404";
    d.reason = "no accepted listener on port " + std::to_string(r.port) + " matches " + (host.empty() ? "(no name)" : host) +
               (d.status == "reject" ? ": the connection is reset" : "");
    return d;
  }

  if (d.listener->protocol == "TLS") {
    const std::string sni = lower(r.sni.value_or(""));
    // The most specific hostname wins (precise, then the longer wildcard, then none),
    // then the oldest route, then namespace/name.
    std::optional<std::string> bestHost;
    for (const auto& route : d.listener->routes) {
      if (route.rules.empty()) continue;
      for (const auto& h : route.hostnames) {
        if (!(h.empty() || hostnameMatches(h, sni))) continue;
        const std::optional<std::string> host = h.empty() ? std::nullopt : std::optional(h);
        const int cmp = d.route == nullptr ? -1 : compareSpecificity(host, bestHost);
        if (cmp < 0 || (cmp == 0 && std::tie(route.creationTimestamp, route.key) <
                                        std::tie(d.route->creationTimestamp, d.route->key))) {
          d.route = &route;
          bestHost = host;
        }
      }
    }
    if (d.route == nullptr) {
      d.status = "reject";
      d.reason = "no TLSRoute on listener " + d.listener->name + " matches SNI " + (sni.empty() ? "(none)" : sni) +
                 ": the connection is reset";
      return d;
    }
    d.rule = 0;
    for (const auto& b : d.route->rules[0].backends) d.backends.push_back(&b);
    std::string reason;
    const std::string http = statusOf(d.backends, reason);
    d.status = http == "200" ? "forward" : "reject";
    d.reason = http == "200" ? reason : reason + ": the connection is reset";
    return d;
  }

  MatchRank bestRank;
  std::string bestPrefix;
  for (const auto& route : d.listener->routes) {
    const auto hostname = matchedHostname(route, host);
    if (!hostname) continue;
    for (std::size_t ri = 0; ri < route.rules.size(); ++ri) {
      for (const auto& m : route.rules[ri].matches) {
        if (!pathMatches(m, r.path) || (m.method && *m.method != r.method) || !allMatch(m.headers, r.headers, true) || !allMatch(m.queryParams, r.query, false)) {
          continue;
        }
        const MatchRank rank = rankOf(*hostname, m);
        bool better = d.route == nullptr || rank.tie() > bestRank.tie();
        if (!better && rank.tie() == bestRank.tie()) {
          // Ties: the oldest route, then namespace/name; within a route the first rule wins.
          better = std::tie(route.creationTimestamp, route.key) < std::tie(d.route->creationTimestamp, d.route->key);
        }
        if (better) {
          d.route = &route;
          d.rule = ri;
          bestRank = rank;
          bestPrefix = m.pathType == "PathPrefix" ? m.pathValue : "";
        }
      }
    }
  }
  if (d.route == nullptr) {
    d.status = "404";
    d.reason = "no route rule on listener " + d.listener->name + " matches " + host + r.path;
    return d;
  }
  const AttachedRule& rule = d.route->rules[*d.rule];
  for (const auto& b : rule.backends) d.backends.push_back(&b);
  std::string query;
  for (const auto& [k, v] : r.query) query += (query.empty() ? "" : "&") + k + "=" + v;
  d.effect = applyFilters(rule.filters, rule.backends.size() == 1 ? &rule.backends[0].filters : nullptr, "http", host,
                          r.port, r.path, query, bestPrefix);
  for (const auto& m : rule.mirrors) d.effect.mirrors.push_back(m.ref);
  if (d.effect.redirectStatus != 0) {
    d.status = std::to_string(d.effect.redirectStatus);
    d.reason = "redirected to " + d.effect.location;
    return d;
  }
  d.status = statusOf(d.backends, d.reason);
  return d;
}

}  // namespace portico::cp
