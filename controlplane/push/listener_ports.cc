#include "controlplane/push/listener_ports.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "controlplane/push/route_filters.h"
#include "controlplane/translate/hostname.h"
#include "controlplane/translate/request_match.h"

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {

// Does route hostname `h` apply to every name virtual host `vhost` stands for?
bool covers(const std::string& h, const std::string& vhost) {
  if (h.empty() || h == vhost) return true;
  if (vhost.empty() || !isWildcard(h)) return false;
  const std::string name = isWildcard(vhost) ? vhost.substr(2) : vhost;
  return hostnameMatches(h, name);
}

void addBackends(const std::vector<ResolvedBackend>& backends, pb::Route& route) {
  for (const auto& b : backends) addBackendRef(b, *route.add_backends());
}

void addValues(const std::vector<HttpValueMatch>& in, google::protobuf::RepeatedPtrField<pb::ValueMatch>& out) {
  for (const auto& v : in) {
    pb::ValueMatch* m = out.Add();
    m->set_name(v.name);
    m->set_regex(v.type == "RegularExpression");
    m->set_value(v.value);
  }
}

struct Entry {
  MatchRank rank;
  const AttachedRoute* route;
  std::size_t rule;
  std::size_t match;
  HttpRouteMatch m;
};

bool before(const Entry& a, const Entry& b) {
  if (a.rank.tie() != b.rank.tie()) return a.rank.tie() > b.rank.tie();
  return std::tie(a.route->creationTimestamp, a.route->key, a.rule, a.match) <
         std::tie(b.route->creationTimestamp, b.route->key, b.rule, b.match);
}

// A listener's route hostnames, each with the routes that carry it; the wildcard and
// catch-all ones (few) listed apart, so finding what applies to a name is one lookup plus
// a short scan, not a pass over every route.
struct HostIndex {
  std::map<std::string, std::vector<const AttachedRoute*>> routes;
  std::vector<const std::string*> general;

  explicit HostIndex(const ListenerState& l) {
    for (const auto& route : l.routes) {
      for (const auto& h : route.hostnames) routes[h].push_back(&route);
    }
    for (const auto& [h, rs] : routes) {
      if (h.empty() || isWildcard(h)) general.push_back(&h);
    }
  }

  // Each route with the most specific of its hostnames that applies to every name of `vhost`.
  std::map<const AttachedRoute*, std::string> applying(const std::string& vhost) const {
    std::map<const AttachedRoute*, std::string> out;
    auto add = [&](const std::string& h) {
      const auto it = routes.find(h);
      if (it == routes.end()) return;
      for (const AttachedRoute* r : it->second) {
        auto [at, fresh] = out.emplace(r, h);
        if (!fresh && rankOf(h, {}).tie() > rankOf(at->second, {}).tie()) at->second = h;
      }
    };
    add(vhost);
    for (const std::string* h : general) {
      if (*h != vhost && covers(*h, vhost)) add(*h);
    }
    return out;
  }
};

void addHttpHost(const HostIndex& index, const std::string& vhost, pb::VirtualHost& out) {
  std::vector<Entry> entries;
  for (const auto& [routePtr, via] : index.applying(vhost)) {
    const AttachedRoute& route = *routePtr;
    for (std::size_t ri = 0; ri < route.rules.size(); ++ri) {
      const auto& rule = route.rules[ri];
      const std::vector<HttpRouteMatch> matches = rule.matches.empty() ? std::vector<HttpRouteMatch>{{}} : rule.matches;
      for (std::size_t mi = 0; mi < matches.size(); ++mi) entries.push_back({rankOf(via, matches[mi]), &route, ri, mi, matches[mi]});
    }
  }
  std::stable_sort(entries.begin(), entries.end(), before);
  for (const auto& e : entries) {
    pb::Route* r = out.add_routes();
    r->set_name(e.route->kind + " " + e.route->key + " rule " + std::to_string(e.rule) + " match " + std::to_string(e.match));
    pb::RouteMatch* m = r->mutable_match();
    m->set_path_type(e.m.pathType == "Exact"               ? pb::PATH_MATCH_EXACT
                     : e.m.pathType == "RegularExpression" ? pb::PATH_MATCH_REGEX
                                                           : pb::PATH_MATCH_PREFIX);
    m->set_path(e.m.pathValue);
    if (e.m.method) m->set_method(*e.m.method);
    addValues(e.m.headers, *m->mutable_headers());
    addValues(e.m.queryParams, *m->mutable_query());
    const AttachedRule& rule = e.route->rules[e.rule];
    addBackends(rule.backends, *r);
    if (hasFilters(rule)) addRuleFilters(rule, *r->mutable_filters());
  }
}

// TLS passthrough: one route per name, the most specific hostname, then the oldest.
void addTlsHost(const HostIndex& index, const std::string& vhost, pb::VirtualHost& out) {
  const AttachedRoute* best = nullptr;
  std::string bestVia;
  const auto key = [](const AttachedRoute* r, const std::string& via) {
    return std::make_tuple(-rankOf(via, {}).hostnamePrecise, -static_cast<long>(via.size()), r->creationTimestamp, r->key);
  };
  for (const auto& [route, via] : index.applying(vhost)) {
    if (route->rules.empty()) continue;
    if (best == nullptr || key(route, via) < key(best, bestVia)) {
      best = route;
      bestVia = via;
    }
  }
  if (best == nullptr) return;
  pb::Route* r = out.add_routes();
  r->set_name(best->kind + " " + best->key);
  addBackends(best->rules[0].backends, *r);
}

}  // namespace

void addListenerPorts(const GatewayState& gw, const std::vector<std::string>& vips, pb::DesiredState& out) {
  std::map<uint32_t, std::vector<const ListenerState*>> byPort;
  for (const auto& l : gw.listeners) {
    const bool served = l.protocol == "HTTP" || l.protocol == "HTTPS" || l.protocol == "TLS";
    if (l.accepted && served) byPort[l.port].push_back(&l);
  }
  for (const auto& vip : vips) {
    for (const auto& [port, listeners] : byPort) {
      pb::ListenerPort* lp = out.add_listener_ports();
      lp->set_vip(vip);
      lp->set_port(port);
      // One mode per port: a port where TLS is terminated is relayed, its passthrough
      // listeners too (the ClientHello decides which kind a connection gets).
      const bool portTerminates = std::any_of(listeners.begin(), listeners.end(), [](const ListenerState* l) {
        return l->protocol == "HTTPS" || (l->protocol == "TLS" && l->tlsMode != "Passthrough");
      });
      for (const ListenerState* l : listeners) {
        const bool tls = l->protocol == "TLS";
        const bool https = l->protocol == "HTTPS";
        const bool terminate = tls && l->tlsMode != "Passthrough";  // a TLSRoute's stream, decrypted
        pb::Listener* pl = lp->add_listeners();
        pl->set_name(gw.key + "/" + l->name);
        pl->set_hostname(l->hostname.value_or(""));
        pl->set_protocol(terminate ? pb::LISTENER_PROTOCOL_TLS_TERMINATE
                         : tls     ? pb::LISTENER_PROTOCOL_TLS
                         : https   ? pb::LISTENER_PROTOCOL_HTTPS
                                   : pb::LISTENER_PROTOCOL_HTTP);
        pl->set_proxy_protocol(gw.proxyProtocol);
        for (const auto& c : l->certificates) {
          pb::Certificate* pc = pl->add_certificates();
          pc->set_name(c.name);
          pc->set_certificate_pem(c.certificatePem);
          pc->set_key_pem(c.keyPem);
        }
        // Proxy mode is for HTTP. The port of a TLS listener is relayed (a TLS listener of
        // the same Gateway, in proxy mode, too), and so is a port where TLS is terminated
        // whatever the mode: its ClientHello is read as a passthrough's is, and the
        // requests inside are then proxied (a terminated TLSRoute's stream relayed).
        const L7Mode mode = (tls && gw.mode == L7Mode::kProxy) || portTerminates ? L7Mode::kRelay : gw.mode;
        pl->set_mode(mode == L7Mode::kRelay    ? pb::LISTENER_MODE_RELAY
                     : mode == L7Mode::kSplice ? pb::LISTENER_MODE_SPLICE
                     : mode == L7Mode::kProxy  ? pb::LISTENER_MODE_PROXY
                                               : pb::LISTENER_MODE_DEFAULT);
        const HostIndex index(*l);
        for (const auto& [name, routes] : index.routes) {
          pb::VirtualHost* vh = pl->add_hosts();
          vh->set_hostname(name);
          if (tls) {
            addTlsHost(index, name, *vh);
          } else {
            addHttpHost(index, name, *vh);
          }
        }
      }
    }
  }
}

}  // namespace portico::cp
