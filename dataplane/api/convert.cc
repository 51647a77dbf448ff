#include "dataplane/api/convert.h"

#include "proto/header_edits.h"

namespace portico::dp::api {

namespace pb = portico::dataplane::v1;

namespace {

Result<pkt::IpAddress> address(const std::string& text, const std::string& where) {
  const auto a = pkt::IpAddress::parse(text);
  if (!a) return Error{where, "'" + text + "' is not an IP address"};
  return *a;
}

Result<uint16_t> port(uint32_t value, const std::string& where) {
  if (value == 0 || value > 65535) return Error{where, std::to_string(value) + " is not a port"};
  return static_cast<uint16_t>(value);
}

Status backendsFrom(const google::protobuf::RepeatedPtrField<pb::Backend>& in, const std::string& where,
                    std::vector<snapshot::BackendSpec>& out) {
  for (int b = 0; b < in.size(); ++b) {
    const pb::Backend& be = in[b];
    const std::string bwhere = where + "[" + std::to_string(b) + "]";
    auto addr = address(be.address(), bwhere + ".address");
    if (!addr) return addr.error();
    auto p = port(be.port(), bwhere + ".port");
    if (!p) return p.error();
    snapshot::BackendSpec spec;
    spec.address = *addr;
    spec.port = *p;
    spec.weight = be.weight();
    spec.state = be.state() == pb::BACKEND_STATE_DRAINING  ? snapshot::BackendState::kDraining
                 : be.state() == pb::BACKEND_STATE_REMOVED ? snapshot::BackendState::kRemoved
                                                           : snapshot::BackendState::kActive;
    out.push_back(spec);
  }
  return Ok{};
}

void backendsTo(const std::vector<snapshot::BackendSpec>& in, google::protobuf::RepeatedPtrField<pb::Backend>& out) {
  for (const auto& b : in) {
    pb::Backend* be = out.Add();
    be->set_address(b.address.toString());
    be->set_port(b.port);
    be->set_weight(b.weight);
    be->set_state(b.state == snapshot::BackendState::kDraining  ? pb::BACKEND_STATE_DRAINING
                  : b.state == snapshot::BackendState::kRemoved ? pb::BACKEND_STATE_REMOVED
                                                                : pb::BACKEND_STATE_ACTIVE);
  }
}

std::vector<snapshot::ValueMatchSpec> valuesFrom(const google::protobuf::RepeatedPtrField<pb::ValueMatch>& in) {
  std::vector<snapshot::ValueMatchSpec> out;
  for (const auto& v : in) {
    out.push_back({v.name(), v.regex() ? snapshot::ValueMatchType::kRegex : snapshot::ValueMatchType::kExact, v.value()});
  }
  return out;
}

void valuesTo(const std::vector<snapshot::ValueMatchSpec>& in, google::protobuf::RepeatedPtrField<pb::ValueMatch>& out) {
  for (const auto& v : in) {
    pb::ValueMatch* m = out.Add();
    m->set_name(v.name);
    m->set_regex(v.type == snapshot::ValueMatchType::kRegex);
    m->set_value(v.value);
  }
}

snapshot::HeaderEditsSpec editsFrom(const pb::HeaderEdits& in) {
  snapshot::HeaderEditsSpec out;
  for (const auto& v : in.set()) out.set.emplace_back(v.name(), v.value());
  for (const auto& v : in.add()) out.add.emplace_back(v.name(), v.value());
  for (const auto& name : in.remove()) out.remove.push_back(name);
  return out;
}

snapshot::PathRewrite rewriteFrom(pb::PathRewrite p) {
  return p == pb::PATH_REWRITE_FULL ? snapshot::PathRewrite::kFull
         : p == pb::PATH_REWRITE_PREFIX ? snapshot::PathRewrite::kPrefix
                                        : snapshot::PathRewrite::kNone;
}

pb::PathRewrite rewriteTo(snapshot::PathRewrite p) {
  return p == snapshot::PathRewrite::kFull ? pb::PATH_REWRITE_FULL
         : p == snapshot::PathRewrite::kPrefix ? pb::PATH_REWRITE_PREFIX
                                               : pb::PATH_REWRITE_NONE;
}

Result<snapshot::L7BackendSpec> backendRefFrom(const pb::BackendRef& b, const std::string& where);

Result<snapshot::FiltersSpec> filtersFrom(const pb::Filters& in, const std::string& where) {
  snapshot::FiltersSpec out;
  out.requestHeaders = editsFrom(in.request_headers());
  out.responseHeaders = editsFrom(in.response_headers());
  if (in.has_redirect()) {
    const pb::Redirect& r = in.redirect();
    if (r.port() > 65535) return Error{where + ".redirect.port", std::to_string(r.port()) + " is not a port"};
    out.redirect = snapshot::RedirectSpec{r.scheme(), r.hostname(), static_cast<uint16_t>(r.port()),
                                          rewriteFrom(r.path_type()), r.path(),
                                          static_cast<uint16_t>(r.status_code() == 0 ? 302 : r.status_code())};
  }
  if (in.has_rewrite()) {
    out.rewrite = snapshot::RewriteSpec{in.rewrite().hostname(), rewriteFrom(in.rewrite().path_type()), in.rewrite().path()};
  }
  for (int i = 0; i < in.mirrors_size(); ++i) {
    auto m = backendRefFrom(in.mirrors(i), where + ".mirrors[" + std::to_string(i) + "]");
    if (!m) return m.error();
    out.mirrors.push_back(std::move(*m));
  }
  out.requestTimeoutMs = in.request_timeout_ms();
  out.backendTimeoutMs = in.backend_timeout_ms();
  return out;
}

Result<snapshot::L7BackendSpec> backendRefFrom(const pb::BackendRef& b, const std::string& where) {
  snapshot::L7BackendSpec bs;
  bs.name = b.name();
  bs.weight = b.weight();
  bs.invalid = b.invalid();
  if (auto st = backendsFrom(b.endpoints(), where + ".endpoints", bs.endpoints); !st) return st.error();
  if (b.has_filters()) {
    auto f = filtersFrom(b.filters(), where + ".filters");
    if (!f) return f.error();
    bs.filters = std::move(*f);
  }
  return bs;
}

void backendRefTo(const snapshot::L7BackendSpec& bs, pb::BackendRef& b);

void filtersTo(const snapshot::FiltersSpec& in, pb::Filters& out) {
  headerEditsToProto(in.requestHeaders, *out.mutable_request_headers());
  headerEditsToProto(in.responseHeaders, *out.mutable_response_headers());
  if (in.redirect) {
    pb::Redirect* r = out.mutable_redirect();
    r->set_scheme(in.redirect->scheme);
    r->set_hostname(in.redirect->hostname);
    r->set_port(in.redirect->port);
    r->set_path_type(rewriteTo(in.redirect->pathType));
    r->set_path(in.redirect->path);
    r->set_status_code(in.redirect->statusCode);
  }
  if (in.rewrite) {
    pb::Rewrite* r = out.mutable_rewrite();
    r->set_hostname(in.rewrite->hostname);
    r->set_path_type(rewriteTo(in.rewrite->pathType));
    r->set_path(in.rewrite->path);
  }
  for (const auto& m : in.mirrors) backendRefTo(m, *out.add_mirrors());
  out.set_request_timeout_ms(in.requestTimeoutMs);
  out.set_backend_timeout_ms(in.backendTimeoutMs);
}

void backendRefTo(const snapshot::L7BackendSpec& bs, pb::BackendRef& b) {
  b.set_name(bs.name);
  b.set_weight(bs.weight);
  b.set_invalid(bs.invalid);
  backendsTo(bs.endpoints, *b.mutable_endpoints());
  if (!bs.filters.empty()) filtersTo(bs.filters, *b.mutable_filters());
}

Result<snapshot::VirtualHostSpec> hostFrom(const pb::VirtualHost& h, const std::string& where) {
  snapshot::VirtualHostSpec vh;
  vh.hostname = h.hostname();
  for (int ri = 0; ri < h.routes_size(); ++ri) {
    const pb::Route& r = h.routes(ri);
    const std::string rwhere = where + ".routes[" + std::to_string(ri) + "] (" + r.name() + ")";
    snapshot::L7RouteSpec rs;
    rs.name = r.name();
    rs.match.pathType = r.match().path_type() == pb::PATH_MATCH_EXACT   ? snapshot::PathMatchType::kExact
                        : r.match().path_type() == pb::PATH_MATCH_REGEX ? snapshot::PathMatchType::kRegex
                                                                        : snapshot::PathMatchType::kPrefix;
    rs.match.path = r.match().path().empty() ? "/" : r.match().path();
    rs.match.method = r.match().method();
    rs.match.headers = valuesFrom(r.match().headers());
    rs.match.query = valuesFrom(r.match().query());
    for (int bi = 0; bi < r.backends_size(); ++bi) {
      auto bs = backendRefFrom(r.backends(bi), rwhere + ".backends[" + std::to_string(bi) + "]");
      if (!bs) return bs.error();
      rs.backends.push_back(std::move(*bs));
    }
    if (r.has_filters()) {
      auto f = filtersFrom(r.filters(), rwhere + ".filters");
      if (!f) return f.error();
      rs.filters = std::move(*f);
    }
    vh.routes.push_back(std::move(rs));
  }
  return vh;
}

Result<snapshot::L7PortSpec> listenerPortFrom(const pb::ListenerPort& in, const std::string& where) {
  snapshot::L7PortSpec out;
  auto vip = address(in.vip(), where + ".vip");
  if (!vip) return vip.error();
  out.vip = *vip;
  auto p = port(in.port(), where + ".port");
  if (!p) return p.error();
  out.port = *p;
  for (int li = 0; li < in.listeners_size(); ++li) {
    const pb::Listener& l = in.listeners(li);
    snapshot::ListenerSpec ls;
    ls.name = l.name();
    ls.hostname = l.hostname();
    switch (l.protocol()) {
      case pb::LISTENER_PROTOCOL_TLS: ls.protocol = snapshot::ListenerProtocol::kTls; break;
      case pb::LISTENER_PROTOCOL_HTTPS: ls.protocol = snapshot::ListenerProtocol::kHttps; break;
      case pb::LISTENER_PROTOCOL_TLS_TERMINATE: ls.protocol = snapshot::ListenerProtocol::kTlsTerminate; break;
      default: ls.protocol = snapshot::ListenerProtocol::kHttp; break;
    }
    for (const auto& c : l.certificates()) ls.certificates.push_back({c.name(), c.certificate_pem(), c.key_pem()});
    ls.proxyProtocol = l.proxy_protocol();
    // The default: HTTP per request (proxy), TLS passthrough relayed, so each side of a
    // connection has its own round trip; splicing only when asked for.
    switch (l.mode()) {
      case pb::LISTENER_MODE_SPLICE: ls.mode = snapshot::L7Mode::kSplice; break;
      case pb::LISTENER_MODE_RELAY: ls.mode = snapshot::L7Mode::kRelay; break;
      case pb::LISTENER_MODE_PROXY: ls.mode = snapshot::L7Mode::kProxy; break;
      default:
        ls.mode = ls.protocol == snapshot::ListenerProtocol::kHttp ? snapshot::L7Mode::kProxy : snapshot::L7Mode::kRelay;
        break;
    }
    for (int hi = 0; hi < l.hosts_size(); ++hi) {
      auto vh = hostFrom(l.hosts(hi), where + ".listeners[" + std::to_string(li) + "].hosts[" + std::to_string(hi) + "]");
      if (!vh) return vh.error();
      ls.hosts.push_back(std::move(*vh));
    }
    out.listeners.push_back(std::move(ls));
  }
  return out;
}

void listenerPortTo(const snapshot::L7PortSpec& in, pb::ListenerPort& out) {
  out.set_vip(in.vip.toString());
  out.set_port(in.port);
  for (const auto& ls : in.listeners) {
    pb::Listener* l = out.add_listeners();
    l->set_name(ls.name);
    l->set_hostname(ls.hostname);
    l->set_protocol(ls.protocol == snapshot::ListenerProtocol::kTls             ? pb::LISTENER_PROTOCOL_TLS
                    : ls.protocol == snapshot::ListenerProtocol::kHttps         ? pb::LISTENER_PROTOCOL_HTTPS
                    : ls.protocol == snapshot::ListenerProtocol::kTlsTerminate ? pb::LISTENER_PROTOCOL_TLS_TERMINATE
                                                                                : pb::LISTENER_PROTOCOL_HTTP);
    // The state read back (porticoctl) names the certificates and shows them; private keys
    // never leave the dataplane.
    for (const auto& c : ls.certificates) {
      pb::Certificate* pc = l->add_certificates();
      pc->set_name(c.name);
      pc->set_certificate_pem(c.certificatePem);
    }
    l->set_proxy_protocol(ls.proxyProtocol);
    l->set_mode(ls.mode == snapshot::L7Mode::kRelay   ? pb::LISTENER_MODE_RELAY
                : ls.mode == snapshot::L7Mode::kProxy ? pb::LISTENER_MODE_PROXY
                                                      : pb::LISTENER_MODE_SPLICE);
    for (const auto& vh : ls.hosts) {
      pb::VirtualHost* h = l->add_hosts();
      h->set_hostname(vh.hostname);
      for (const auto& rs : vh.routes) {
        pb::Route* r = h->add_routes();
        r->set_name(rs.name);
        pb::RouteMatch* m = r->mutable_match();
        m->set_path_type(rs.match.pathType == snapshot::PathMatchType::kExact   ? pb::PATH_MATCH_EXACT
                         : rs.match.pathType == snapshot::PathMatchType::kRegex ? pb::PATH_MATCH_REGEX
                                                                                : pb::PATH_MATCH_PREFIX);
        m->set_path(rs.match.path);
        m->set_method(rs.match.method);
        valuesTo(rs.match.headers, *m->mutable_headers());
        valuesTo(rs.match.query, *m->mutable_query());
        for (const auto& bs : rs.backends) backendRefTo(bs, *r->add_backends());
        if (!rs.filters.empty()) filtersTo(rs.filters, *r->mutable_filters());
      }
    }
  }
}

}  // namespace

Result<std::vector<snapshot::VirtualHostChange>> fromProto(const pb::StateDelta& in) {
  std::vector<snapshot::VirtualHostChange> out;
  for (int i = 0; i < in.changes_size(); ++i) {
    const pb::VirtualHostChange& c = in.changes(i);
    const std::string where = "changes[" + std::to_string(i) + "]";
    snapshot::VirtualHostChange change;
    auto vip = address(c.vip(), where + ".vip");
    if (!vip) return vip.error();
    change.vip = *vip;
    auto p = port(c.port(), where + ".port");
    if (!p) return p.error();
    change.port = *p;
    change.listener = c.listener();
    auto host = hostFrom(c.host(), where + ".host");
    if (!host) return host.error();
    change.host = std::move(*host);
    change.remove = c.remove();
    out.push_back(std::move(change));
  }
  return out;
}

Result<snapshot::DesiredState> fromProto(const pb::DesiredState& in) {
  snapshot::DesiredState out;
  for (int i = 0; i < in.vips_size(); ++i) {
    auto a = address(in.vips(i), "vips[" + std::to_string(i) + "]");
    if (!a) return a.error();
    out.vips.push_back(*a);
  }
  for (int i = 0; i < in.services_size(); ++i) {
    const pb::Service& s = in.services(i);
    const std::string where = "services[" + std::to_string(i) + "] (" + s.name() + ")";
    snapshot::ServiceSpec svc;
    svc.name = s.name();
    auto vip = address(s.vip(), where + ".vip");
    if (!vip) return vip.error();
    svc.vip = *vip;
    auto p = port(s.port(), where + ".port");
    if (!p) return p.error();
    svc.port = *p;
    if (s.protocol() == pb::PROTOCOL_TCP) {
      svc.proto = 6;
    } else if (s.protocol() == pb::PROTOCOL_UDP) {
      svc.proto = 17;
    } else {
      return Error{where + ".protocol", "must be TCP or UDP"};
    }
    if (auto st = backendsFrom(s.backends(), where + ".backends", svc.backends); !st) return st.error();
    out.services.push_back(std::move(svc));
  }
  for (int i = 0; i < in.listener_ports_size(); ++i) {
    auto lp = listenerPortFrom(in.listener_ports(i), "listener_ports[" + std::to_string(i) + "]");
    if (!lp) return lp.error();
    out.l7Ports.push_back(std::move(*lp));
  }
  return out;
}

pb::DesiredState toProto(const snapshot::DesiredState& state, uint64_t version) {
  pb::DesiredState out;
  out.set_version(version);
  for (const auto& v : state.vips) out.add_vips(v.toString());
  for (const auto& s : state.services) {
    pb::Service* svc = out.add_services();
    svc->set_name(s.name);
    svc->set_vip(s.vip.toString());
    svc->set_port(s.port);
    svc->set_protocol(s.proto == 6 ? pb::PROTOCOL_TCP : pb::PROTOCOL_UDP);
    backendsTo(s.backends, *svc->mutable_backends());
  }
  for (const auto& lp : state.l7Ports) listenerPortTo(lp, *out.add_listener_ports());
  return out;
}

}  // namespace portico::dp::api
