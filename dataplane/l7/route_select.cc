#include "dataplane/l7/route_select.h"

#include <hs/hs.h>

namespace portico::dp::l7 {

using snapshot::CompiledMatch;
using snapshot::ValueMatch;
using snapshot::PathMatchType;
using snapshot::ValueMatchType;

namespace {

int stopOnMatch(unsigned, unsigned long long, unsigned long long, unsigned, void* matched) {
  *static_cast<bool*>(matched) = true;
  return 1;
}

bool regexMatches(const snapshot::VirtualHost& vhost, uint32_t regex, std::string_view value, hs_scratch* scratch) {
  bool matched = false;
  hs_scan(vhost.regexes[regex].db, value.data(), static_cast<unsigned>(value.size()), 0, scratch, stopOnMatch, &matched);
  return matched;
}

bool valueMatches(const snapshot::VirtualHost& vhost, const ValueMatch& m, std::string_view value, hs_scratch* scratch) {
  return m.type == ValueMatchType::kExact ? value == m.value : regexMatches(vhost, m.regex, value, scratch);
}

// The first value of a query parameter (no percent-decoding, as the spec leaves it).
bool queryValue(std::string_view query, std::string_view name, std::string_view& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      out = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      return true;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

bool matches(const snapshot::VirtualHost& vhost, const CompiledMatch& m, const HttpRequestHead& head, hs_scratch* scratch) {
  switch (m.pathType) {
    case PathMatchType::kExact:
      if (head.path != m.path) return false;
      break;
    case PathMatchType::kPrefix:
      if (!pathHasPrefix(head.path, m.path)) return false;
      break;
    case PathMatchType::kRegex:
      if (!regexMatches(vhost, m.pathRegex, head.path, scratch)) return false;
      break;
  }
  if (!m.method.empty() && head.method != m.method) return false;
  for (const ValueMatch& h : m.headers) {
    const auto value = head.header(h.name);
    if (!value || !valueMatches(vhost, h, *value, scratch)) return false;
  }
  for (const ValueMatch& q : m.query) {
    std::string_view v;
    if (!queryValue(head.query, q.name, v) || !valueMatches(vhost, q, v, scratch)) return false;
  }
  return true;
}

// The endpoint of one of the host's backend sets, by Maglev on the low half of the hash.
RouteChoice pickEndpoint(const snapshot::VirtualHost& vhost, uint32_t set, bool proxyProtocol, uint64_t hash) {
  RouteChoice c;
  c.proxyProtocol = proxyProtocol;
  const uint32_t id = vhost.backendSets[set].pick(static_cast<uint32_t>(hash));
  if (id == snapshot::kNoBackendId) {
    c.outcome = Outcome::kUnavailable;
    return c;
  }
  c.outcome = Outcome::kForward;
  c.backendId = id;
  c.set = set;
  c.vhost = &vhost;
  return c;
}

RouteChoice pickBackend(const snapshot::VirtualHost& vhost, const snapshot::L7Route& route, bool proxyProtocol,
                        uint64_t hash) {
  RouteChoice c;
  c.proxyProtocol = proxyProtocol;
  if (route.totalWeight == 0) {
    c.outcome = route.backends.empty() ? Outcome::kInvalidBackend : Outcome::kUnavailable;
    return c;
  }
  // The high half picks the backendRef; Maglev uses the low half for the endpoint.
  const auto point = static_cast<uint32_t>(((hash >> 32) * route.totalWeight) >> 32);  // no division
  const snapshot::WeightedBackend* chosen = &route.first;
  if (route.backends.size() > 1) {
    chosen = &route.backends.back();
    for (const auto& b : route.backends) {
      if (point < b.upTo) {
        chosen = &b;
        break;
      }
    }
  }
  if (chosen->set == snapshot::kInvalidBackendRef) {
    c.outcome = Outcome::kInvalidBackend;
    return c;
  }
  c = pickEndpoint(vhost, chosen->set, proxyProtocol, hash);
  if (chosen->filters != snapshot::kNoFilters) c.backendFilters = &vhost.filters[chosen->filters];
  return c;
}

// The route's own filters: a redirect answers before any backend is chosen.
RouteChoice chooseFor(const snapshot::VirtualHost& vhost, const snapshot::L7Route& route, bool proxyProtocol,
                      uint64_t hash) {
  const snapshot::RouteFilters* filters = route.filters == snapshot::kNoFilters ? nullptr : &vhost.filters[route.filters];
  RouteChoice c;
  if (filters != nullptr && filters->redirect) {
    c.outcome = Outcome::kRedirect;
  } else {
    c = pickBackend(vhost, route, proxyProtocol, hash);
  }
  c.filters = filters;
  c.route = &route;
  c.vhost = &vhost;
  return c;
}

const snapshot::VirtualHost* virtualHost(const snapshot::L7Port& port, std::string_view host,
                                         const snapshot::L7Listener*& listener) {
  const uint32_t li = listenerIndex(port, host);
  if (li == HostMatcher::kNoMatch) return nullptr;
  listener = &port.listeners[li];
  const uint32_t vi = listener->hosts->match(host);
  return vi == HostMatcher::kNoMatch ? nullptr : listener->vhosts[vi].get();
}

}  // namespace

uint32_t listenerIndex(const snapshot::L7Port& port, std::string_view host) {
  return port.hostsDecide ? 0 : port.listenerMatcher->match(host);
}

bool refuseFilters(RouteChoice& c) {
  if (c.filters == nullptr && c.backendFilters == nullptr) return false;
  c.outcome = Outcome::kInvalidBackend;
  return true;
}

bool pathHasPrefix(std::string_view path, std::string_view prefix) {
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix == "/") return true;
  if (path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

RouteChoice routeHttp(const snapshot::L7Port& port, const HttpRequestHead& head,
                      hs_scratch* scratch, uint64_t hash) {
  const snapshot::L7Listener* listener = nullptr;
  const snapshot::VirtualHost* vhost = virtualHost(port, head.host(), listener);
  if (vhost == nullptr) return {};
  if (vhost->onlySet != snapshot::kInvalidBackendRef) return pickEndpoint(*vhost, vhost->onlySet, listener->proxyProtocol, hash);
  for (const auto& route : vhost->routes) {
    if (route.matchesAll || matches(*vhost, route.match, head, scratch)) {
      return chooseFor(*vhost, route, listener->proxyProtocol, hash);
    }
  }
  return {};
}

RouteChoice routeTls(const snapshot::L7Port& port, std::string_view serverName, uint64_t hash) {
  const snapshot::L7Listener* listener = nullptr;
  const snapshot::VirtualHost* vhost = virtualHost(port, serverName, listener);
  if (vhost == nullptr) return {};
  if (vhost->onlySet != snapshot::kInvalidBackendRef) return pickEndpoint(*vhost, vhost->onlySet, listener->proxyProtocol, hash);
  if (vhost->routes.empty()) return {};
  return pickBackend(*vhost, vhost->routes.front(), listener->proxyProtocol, hash);
}

}  // namespace portico::dp::l7
