#include "controlplane/source/manifest_parser.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <set>
#include <string_view>
#include <tuple>

#include "controlplane/model/base64.h"
#include "controlplane/source/yaml_tree.h"

namespace portico::cp {

namespace {

constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";

// Thrown inside this file only, caught per document: it keeps the readers below
// straight-line while every problem still becomes one Problem naming the field.
struct FieldError {
  std::string field;
  std::string message;
};

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }
std::string at(const std::string& field, std::size_t i) { return field + "[" + std::to_string(i) + "]"; }

yaml::Node child(const yaml::Node& n, const char* key) { return n.isMap() ? n[key] : yaml::Node(); }

std::string str(const yaml::Node& n, const std::string& field) {
  if (!n.isScalar()) throw FieldError{field, "must be a string"};
  return n.scalar();
}

std::string requiredStr(const yaml::Node& parent, const char* key, const std::string& field) {
  const yaml::Node n = child(parent, key);
  if (!n || n.isNull()) throw FieldError{join(field, key), "is required"};
  const std::string v = str(n, join(field, key));
  if (v.empty()) throw FieldError{join(field, key), "must not be empty"};
  return v;
}

std::optional<std::string> optStr(const yaml::Node& parent, const char* key, const std::string& field) {
  const yaml::Node n = child(parent, key);
  if (!n || n.isNull()) return std::nullopt;
  return str(n, join(field, key));
}

uint32_t number(const yaml::Node& n, const std::string& field, uint32_t lo, uint32_t hi) {
  if (!n.isScalar()) throw FieldError{field, "must be a number"};
  const std::optional<long long> read = n.integer();
  if (!read) throw FieldError{field, "'" + n.scalar() + "' is not a number"};
  const long long v = *read;
  if (v < lo || v > hi) {
    throw FieldError{field, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
  }
  return static_cast<uint32_t>(v);
}

std::optional<uint32_t> optNumber(const yaml::Node& parent, const char* key, const std::string& field, uint32_t lo,
                                  uint32_t hi) {
  const yaml::Node n = child(parent, key);
  if (!n || n.isNull()) return std::nullopt;
  return number(n, join(field, key), lo, hi);
}

std::optional<bool> optBool(const yaml::Node& parent, const char* key, const std::string& field) {
  const yaml::Node n = child(parent, key);
  if (!n || n.isNull()) return std::nullopt;
  const std::optional<bool> read = n.boolean();
  if (!read) throw FieldError{join(field, key), "must be true or false"};
  return read;
}

template <typename F>
void eachItem(const yaml::Node& parent, const char* key, const std::string& field, F&& f) {
  const yaml::Node n = child(parent, key);
  if (!n || n.isNull()) return;
  if (!n.isSequence()) throw FieldError{join(field, key), "must be a list"};
  for (std::size_t i = 0; i < n.size(); ++i) f(n[i], at(join(field, key), i));
}

std::map<std::string, std::string> stringMap(const yaml::Node& parent, const char* key, const std::string& field) {
  std::map<std::string, std::string> out;
  const yaml::Node n = child(parent, key);
  if (!n || n.isNull()) return out;
  if (!n.isMap()) throw FieldError{join(field, key), "must be a mapping"};
  for (std::size_t i = 0; i < n.size(); ++i) {
    const std::string name = str(n.key(i), join(field, key) + " key");
    out[name] = str(n.value(i), join(join(field, key), name));
  }
  return out;
}

std::string base64(const std::string& text, const std::string& field) {
  auto decoded = decodeBase64(text);
  if (!decoded) throw FieldError{field, "is not valid base64"};
  return std::move(*decoded);
}

ObjectMeta readMeta(const yaml::Node& doc, bool namespaced, const std::string& source) {
  const yaml::Node m = child(doc, "metadata");
  if (!m || !m.isMap()) throw FieldError{"metadata", "is required"};
  ObjectMeta meta;
  meta.name = requiredStr(m, "name", "metadata");
  meta.ns = namespaced ? optStr(m, "namespace", "metadata").value_or("default") : "";
  const yaml::Node gen = child(m, "generation");
  meta.generation = gen ? number(gen, "metadata.generation", 0, 0x7fffffff) : 1;
  meta.creationTimestamp = optStr(m, "creationTimestamp", "metadata").value_or("");
  meta.labels = stringMap(m, "labels", "metadata");
  meta.annotations = stringMap(m, "annotations", "metadata");
  meta.source = source;
  return meta;
}

std::vector<ParentReference> readParentRefs(const yaml::Node& spec) {
  std::vector<ParentReference> refs;
  eachItem(spec, "parentRefs", "spec", [&](const yaml::Node& n, const std::string& f) {
    ParentReference r;
    r.group = optStr(n, "group", f).value_or(kGatewayGroup);
    r.kind = optStr(n, "kind", f).value_or("Gateway");
    r.ns = optStr(n, "namespace", f);
    r.name = requiredStr(n, "name", f);
    r.sectionName = optStr(n, "sectionName", f);
    r.port = optNumber(n, "port", f, 1, 65535);
    refs.push_back(r);
  });
  return refs;
}

BackendRef readBackendRef(const yaml::Node& n, const std::string& f) {
  BackendRef r;
  r.group = optStr(n, "group", f).value_or("");
  r.kind = optStr(n, "kind", f).value_or("Service");
  r.ns = optStr(n, "namespace", f);
  r.name = requiredStr(n, "name", f);
  r.port = optNumber(n, "port", f, 1, 65535);
  r.weight = optNumber(n, "weight", f, 0, 1000000).value_or(1);
  return r;
}

HttpHeaderFilter readHeaderFilter(const yaml::Node& n, const std::string& f) {
  HttpHeaderFilter h;
  auto pairs = [&](const char* key, std::vector<std::pair<std::string, std::string>>& out) {
    eachItem(n, key, f, [&](const yaml::Node& p, const std::string& pf) {
      out.emplace_back(requiredStr(p, "name", pf), optStr(p, "value", pf).value_or(""));
    });
  };
  pairs("set", h.set);
  pairs("add", h.add);
  eachItem(n, "remove", f, [&](const yaml::Node& r, const std::string& rf) { h.remove.push_back(str(r, rf)); });
  return h;
}

std::optional<HttpPathModifier> readPathModifier(const yaml::Node& parent, const std::string& field) {
  const yaml::Node n = child(parent, "path");
  if (!n || n.isNull()) return std::nullopt;
  const std::string f = join(field, "path");
  HttpPathModifier m;
  m.type = requiredStr(n, "type", f);
  if (m.type == "ReplaceFullPath") {
    m.value = optStr(n, "replaceFullPath", f).value_or("/");
  } else if (m.type == "ReplacePrefixMatch") {
    m.value = optStr(n, "replacePrefixMatch", f).value_or("/");
  }
  return m;
}

// One HTTPRouteFilter; the type's own field holds its settings (Gateway API's union).
HttpRouteFilter readFilter(const yaml::Node& n, const std::string& f) {
  HttpRouteFilter filter;
  filter.type = requiredStr(n, "type", f);
  auto settings = [&](const char* key) {
    const yaml::Node s = child(n, key);
    if (!s || !s.isMap()) throw FieldError{join(f, key), "is required for a " + filter.type + " filter"};
    return s;
  };
  if (filter.type == "RequestHeaderModifier") {
    filter.headers = readHeaderFilter(settings("requestHeaderModifier"), join(f, "requestHeaderModifier"));
  } else if (filter.type == "ResponseHeaderModifier") {
    filter.headers = readHeaderFilter(settings("responseHeaderModifier"), join(f, "responseHeaderModifier"));
  } else if (filter.type == "RequestRedirect") {
    const yaml::Node s = settings("requestRedirect");
    const std::string sf = join(f, "requestRedirect");
    filter.scheme = optStr(s, "scheme", sf);
    filter.hostname = optStr(s, "hostname", sf);
    filter.port = optNumber(s, "port", sf, 1, 65535);
    filter.path = readPathModifier(s, sf);
    filter.statusCode = optNumber(s, "statusCode", sf, 100, 599).value_or(302);
  } else if (filter.type == "URLRewrite") {
    const yaml::Node s = settings("urlRewrite");
    filter.hostname = optStr(s, "hostname", join(f, "urlRewrite"));
    filter.path = readPathModifier(s, join(f, "urlRewrite"));
  } else if (filter.type == "RequestMirror") {
    const yaml::Node s = settings("requestMirror");
    const yaml::Node ref = child(s, "backendRef");
    if (!ref || !ref.isMap()) throw FieldError{join(f, "requestMirror.backendRef"), "is required"};
    filter.mirror = readBackendRef(ref, join(f, "requestMirror.backendRef"));
  }
  return filter;
}

std::vector<HttpRouteFilter> readFilters(const yaml::Node& parent, const std::string& field) {
  std::vector<HttpRouteFilter> out;
  eachItem(parent, "filters", field, [&](const yaml::Node& n, const std::string& f) { out.push_back(readFilter(n, f)); });
  return out;
}

std::vector<BackendRef> readBackendRefs(const yaml::Node& rule, const std::string& field, bool withFilters = false) {
  std::vector<BackendRef> refs;
  eachItem(rule, "backendRefs", field, [&](const yaml::Node& n, const std::string& f) {
    BackendRef r = readBackendRef(n, f);
    if (withFilters) r.filters = readFilters(n, f);
    refs.push_back(r);
  });
  return refs;
}

std::vector<std::string> readHostnames(const yaml::Node& spec) {
  std::vector<std::string> out;
  eachItem(spec, "hostnames", "spec", [&](const yaml::Node& n, const std::string& f) { out.push_back(str(n, f)); });
  return out;
}

Gateway readGateway(const yaml::Node& doc, ObjectMeta meta) {
  Gateway g;
  g.meta = std::move(meta);
  const yaml::Node spec = child(doc, "spec");
  g.gatewayClassName = requiredStr(spec, "gatewayClassName", "spec");
  eachItem(spec, "listeners", "spec", [&](const yaml::Node& n, const std::string& f) {
    Listener l;
    l.name = requiredStr(n, "name", f);
    l.port = number(child(n, "port"), join(f, "port"), 1, 65535);
    l.protocol = requiredStr(n, "protocol", f);
    l.hostname = optStr(n, "hostname", f);
    if (const yaml::Node tls = child(n, "tls")) {
      l.tlsMode = optStr(tls, "mode", join(f, "tls")).value_or("Terminate");
      eachItem(tls, "certificateRefs", join(f, "tls"), [&](const yaml::Node& c, const std::string& cf) {
        SecretObjectReference ref;
        ref.group = optStr(c, "group", cf).value_or("");
        ref.kind = optStr(c, "kind", cf).value_or("Secret");
        ref.ns = optStr(c, "namespace", cf);
        ref.name = requiredStr(c, "name", cf);
        l.certificateRefs.push_back(ref);
      });
    }
    if (const yaml::Node ar = child(n, "allowedRoutes")) {
      const std::string af = join(f, "allowedRoutes");
      if (const yaml::Node ns = child(ar, "namespaces")) {
        l.allowedFrom = optStr(ns, "from", join(af, "namespaces")).value_or("Same");
        if (const yaml::Node sel = child(ns, "selector")) {
          LabelSelector s;
          s.matchLabels = stringMap(sel, "matchLabels", join(af, "namespaces.selector"));
          eachItem(sel, "matchExpressions", join(af, "namespaces.selector"), [&](const yaml::Node& e, const std::string& ef) {
            LabelSelector::Expression x;
            x.key = requiredStr(e, "key", ef);
            x.op = requiredStr(e, "operator", ef);
            eachItem(e, "values", ef, [&](const yaml::Node& v, const std::string& vf) { x.values.push_back(str(v, vf)); });
            s.matchExpressions.push_back(x);
          });
          l.allowedSelector = s;
        }
      }
      eachItem(ar, "kinds", af, [&](const yaml::Node& k, const std::string& kf) {
        RouteGroupKind rgk;
        rgk.group = optStr(k, "group", kf).value_or(kGatewayGroup);
        rgk.kind = requiredStr(k, "kind", kf);
        l.allowedKinds.push_back(rgk);
      });
    }
    g.listeners.push_back(l);
  });
  eachItem(spec, "addresses", "spec", [&](const yaml::Node& n, const std::string& f) {
    GatewayAddress a;
    a.type = optStr(n, "type", f).value_or("IPAddress");
    a.value = requiredStr(n, "value", f);
    g.addresses.push_back(a);
  });
  return g;
}

// Who wrote parent entries into a route's status, so a controller can find entries of its
// own that it no longer stands behind. Read leniently: status is not the user's to get
// right and must never make a route unreadable.
std::vector<std::string> readStatusControllers(const yaml::Node& doc) {
  std::vector<std::string> out;
  const yaml::Node status = child(doc, "status");
  const yaml::Node parents = status ? child(status, "parents") : yaml::Node();
  if (!parents || !parents.isSequence()) return out;
  for (std::size_t i = 0; i < parents.size(); ++i) {
    const yaml::Node name = child(parents[i], "controllerName");
    if (name && name.isScalar()) out.push_back(name.scalar());
  }
  return out;
}

HttpRoute readHttpRoute(const yaml::Node& doc, ObjectMeta meta) {
  HttpRoute r;
  r.meta = std::move(meta);
  const yaml::Node spec = child(doc, "spec");
  r.parentRefs = readParentRefs(spec);
  r.hostnames = readHostnames(spec);
  r.statusControllers = readStatusControllers(doc);
  eachItem(spec, "rules", "spec", [&](const yaml::Node& n, const std::string& f) {
    HttpRouteRule rule;
    eachItem(n, "matches", f, [&](const yaml::Node& m, const std::string& mf) {
      HttpRouteMatch match;
      if (const yaml::Node path = child(m, "path")) {
        match.pathType = optStr(path, "type", join(mf, "path")).value_or("PathPrefix");
        match.pathValue = optStr(path, "value", join(mf, "path")).value_or("/");
      }
      auto valueMatch = [](const yaml::Node& v, const std::string& vf) {
        return HttpValueMatch{optStr(v, "type", vf).value_or("Exact"), requiredStr(v, "name", vf),
                              optStr(v, "value", vf).value_or("")};
      };
      eachItem(m, "headers", mf, [&](const yaml::Node& h, const std::string& hf) { match.headers.push_back(valueMatch(h, hf)); });
      eachItem(m, "queryParams", mf,
               [&](const yaml::Node& q, const std::string& qf) { match.queryParams.push_back(valueMatch(q, qf)); });
      match.method = optStr(m, "method", mf);
      rule.matches.push_back(match);
    });
    rule.backendRefs = readBackendRefs(n, f, true);
    rule.filters = readFilters(n, f);
    for (const char* key : {"retry", "sessionPersistence"}) {
      if (const yaml::Node x = child(n, key); x && !x.isNull()) rule.unsupportedFields.push_back(key);
    }
    if (const yaml::Node t = child(n, "timeouts")) {
      rule.requestTimeout = optStr(t, "request", join(f, "timeouts"));
      rule.backendRequestTimeout = optStr(t, "backendRequest", join(f, "timeouts"));
    }
    r.rules.push_back(rule);
  });
  return r;
}

// A route whose rules are backendRefs alone: TLSRoute, TCPRoute, UDPRoute.
template <typename Route>
Route readBackendRoute(const yaml::Node& doc, ObjectMeta meta) {
  Route r;
  r.meta = std::move(meta);
  const yaml::Node spec = child(doc, "spec");
  r.parentRefs = readParentRefs(spec);
  r.statusControllers = readStatusControllers(doc);
  eachItem(spec, "rules", "spec", [&](const yaml::Node& n, const std::string& f) { r.rules.push_back(readBackendRefs(n, f)); });
  return r;
}

TlsRoute readTlsRoute(const yaml::Node& doc, ObjectMeta meta) {
  TlsRoute r = readBackendRoute<TlsRoute>(doc, std::move(meta));
  r.hostnames = readHostnames(child(doc, "spec"));
  return r;
}

ReferenceGrant readReferenceGrant(const yaml::Node& doc, ObjectMeta meta) {
  ReferenceGrant g;
  g.meta = std::move(meta);
  const yaml::Node spec = child(doc, "spec");
  eachItem(spec, "from", "spec", [&](const yaml::Node& n, const std::string& f) {
    g.from.push_back({optStr(n, "group", f).value_or(""), requiredStr(n, "kind", f), requiredStr(n, "namespace", f)});
  });
  eachItem(spec, "to", "spec", [&](const yaml::Node& n, const std::string& f) {
    g.to.push_back({optStr(n, "group", f).value_or(""), requiredStr(n, "kind", f), optStr(n, "name", f)});
  });
  return g;
}

// status.loadBalancer.ingress[].ip of a Service or an Ingress, read leniently: status is
// not the user's to get right.
std::vector<std::string> statusAddresses(const yaml::Node& doc) {
  std::vector<std::string> out;
  const yaml::Node status = child(doc, "status");
  const yaml::Node lb = status ? child(status, "loadBalancer") : yaml::Node();
  const yaml::Node ingress = lb ? child(lb, "ingress") : yaml::Node();
  if (ingress && ingress.isSequence()) {
    for (std::size_t i = 0; i < ingress.size(); ++i) {
      const yaml::Node ip = child(ingress[i], "ip");
      if (ip && ip.isScalar()) out.push_back(ip.scalar());
    }
  }
  return out;
}

Service readService(const yaml::Node& doc, ObjectMeta meta) {
  Service s;
  s.meta = std::move(meta);
  const yaml::Node spec = child(doc, "spec");
  s.type = optStr(spec, "type", "spec").value_or("ClusterIP");
  s.loadBalancerClass = optStr(spec, "loadBalancerClass", "spec");
  s.loadBalancerIP = optStr(spec, "loadBalancerIP", "spec");
  s.externalTrafficPolicy = optStr(spec, "externalTrafficPolicy", "spec").value_or("Cluster");
  s.ipFamilyPolicy = optStr(spec, "ipFamilyPolicy", "spec").value_or("SingleStack");
  eachItem(spec, "ipFamilies", "spec", [&](const yaml::Node& n, const std::string& f) { s.ipFamilies.push_back(str(n, f)); });
  s.statusAddresses = statusAddresses(doc);
  eachItem(spec, "ports", "spec", [&](const yaml::Node& n, const std::string& f) {
    ServicePort p;
    p.name = optStr(n, "name", f).value_or("");
    p.port = number(child(n, "port"), join(f, "port"), 1, 65535);
    p.protocol = optStr(n, "protocol", f).value_or("TCP");
    if (const yaml::Node t = child(n, "targetPort"); t && !t.isNull()) {
      if (t.integer()) {
        p.targetPortNumber = number(t, join(f, "targetPort"), 1, 65535);
      } else {
        p.targetPortName = str(t, join(f, "targetPort"));
      }
    } else {
      p.targetPortNumber = p.port;  // the API's default
    }
    s.ports.push_back(p);
  });
  return s;
}

EndpointSlice readEndpointSlice(const yaml::Node& doc, ObjectMeta meta) {
  EndpointSlice e;
  e.meta = std::move(meta);
  const auto svc = e.meta.labels.find("kubernetes.io/service-name");
  if (svc == e.meta.labels.end()) throw FieldError{"metadata.labels", "needs kubernetes.io/service-name"};
  e.serviceName = svc->second;
  e.addressType = requiredStr(doc, "addressType", "");
  eachItem(doc, "ports", "", [&](const yaml::Node& n, const std::string& f) {
    e.ports.push_back({optStr(n, "name", f).value_or(""), optNumber(n, "port", f, 1, 65535),
                       optStr(n, "protocol", f).value_or("TCP")});
  });
  eachItem(doc, "endpoints", "", [&](const yaml::Node& n, const std::string& f) {
    EndpointSlice::Endpoint ep;
    eachItem(n, "addresses", f, [&](const yaml::Node& a, const std::string& af) { ep.addresses.push_back(str(a, af)); });
    if (const yaml::Node c = child(n, "conditions")) {
      ep.ready = optBool(c, "ready", join(f, "conditions"));
      ep.serving = optBool(c, "serving", join(f, "conditions"));
      ep.terminating = optBool(c, "terminating", join(f, "conditions"));
    }
    e.endpoints.push_back(ep);
  });
  return e;
}

Secret readSecret(const yaml::Node& doc, ObjectMeta meta) {
  Secret s;
  s.meta = std::move(meta);
  s.type = optStr(doc, "type", "").value_or("Opaque");
  const yaml::Node data = child(doc, "data");
  if (const yaml::Node crt = child(data, "tls.crt")) s.certificatePem = base64(str(crt, "data.tls.crt"), "data.tls.crt");
  if (const yaml::Node key = child(data, "tls.key")) s.keyPem = base64(str(key, "data.tls.key"), "data.tls.key");
  return s;
}

IngressBackend readIngressBackend(const yaml::Node& n, const std::string& f) {
  if (!n || !n.isMap()) throw FieldError{f, "is required (a service or a resource)"};
  IngressBackend b;
  if (const yaml::Node svc = child(n, "service")) {
    b.service = requiredStr(svc, "name", join(f, "service"));
    const yaml::Node port = child(svc, "port");
    if (!port) throw FieldError{join(f, "service.port"), "is required"};
    b.portNumber = optNumber(port, "number", join(f, "service.port"), 1, 65535);
    b.portName = optStr(port, "name", join(f, "service.port"));
    if (!b.portNumber && !b.portName) throw FieldError{join(f, "service.port"), "needs a number or a name"};
  } else if (const yaml::Node res = child(n, "resource")) {
    b.resource = requiredStr(res, "kind", join(f, "resource")) + " " + requiredStr(res, "name", join(f, "resource"));
  } else {
    throw FieldError{f, "needs a service or a resource"};
  }
  return b;
}

Ingress readIngress(const yaml::Node& doc, ObjectMeta meta) {
  Ingress in;
  in.meta = std::move(meta);
  const yaml::Node spec = child(doc, "spec");
  in.ingressClassName = optStr(spec, "ingressClassName", "spec");
  if (const yaml::Node d = child(spec, "defaultBackend"); d && !d.isNull()) {
    in.defaultBackend = readIngressBackend(d, "spec.defaultBackend");
  }
  eachItem(spec, "rules", "spec", [&](const yaml::Node& r, const std::string& f) {
    IngressRule rule;
    rule.host = optStr(r, "host", f);
    const yaml::Node http = child(r, "http");
    if (http) eachItem(http, "paths", join(f, "http"), [&](const yaml::Node& p, const std::string& pf) {
      IngressPath path;
      path.path = optStr(p, "path", pf).value_or("/");
      path.pathType = requiredStr(p, "pathType", pf);
      if (path.pathType != "Exact" && path.pathType != "Prefix" && path.pathType != "ImplementationSpecific") {
        throw FieldError{join(pf, "pathType"), "'" + path.pathType + "' is not Exact, Prefix or ImplementationSpecific"};
      }
      path.backend = readIngressBackend(child(p, "backend"), join(pf, "backend"));
      rule.paths.push_back(std::move(path));
    });
    in.rules.push_back(std::move(rule));
  });
  eachItem(spec, "tls", "spec", [&](const yaml::Node& t, const std::string& f) {
    IngressTls tls;
    eachItem(t, "hosts", f, [&](const yaml::Node& h, const std::string& hf) { tls.hosts.push_back(str(h, hf)); });
    tls.secretName = optStr(t, "secretName", f).value_or("");
    in.tls.push_back(std::move(tls));
  });
  in.statusAddresses = statusAddresses(doc);
  return in;
}

IngressClass readIngressClass(const yaml::Node& doc, ObjectMeta meta) {
  IngressClass c;
  c.meta = std::move(meta);
  c.controller = requiredStr(child(doc, "spec"), "controller", "spec");
  const auto d = c.meta.annotations.find("ingressclass.kubernetes.io/is-default-class");
  c.isDefault = d != c.meta.annotations.end() && d->second == "true";
  return c;
}

// Which apiVersions each kind is read from (v1 first; older versions where clusters may
// still serve only those).
bool knownVersion(const std::string& kind, const std::string& apiVersion) {
  static const std::map<std::string, std::set<std::string>> versions = {
      {"GatewayClass", {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"}},
      {"Gateway", {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"}},
      {"HTTPRoute", {"gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"}},
      {"TLSRoute", {"gateway.networking.k8s.io/v1alpha2", "gateway.networking.k8s.io/v1alpha3", "gateway.networking.k8s.io/v1"}},
      {"TCPRoute", {"gateway.networking.k8s.io/v1alpha2"}},
      {"UDPRoute", {"gateway.networking.k8s.io/v1alpha2"}},
      {"ReferenceGrant", {"gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1alpha2", "gateway.networking.k8s.io/v1"}},
      {"Service", {"v1"}},
      {"Namespace", {"v1"}},
      {"Secret", {"v1"}},
      {"EndpointSlice", {"discovery.k8s.io/v1"}},
      {"Ingress", {"networking.k8s.io/v1"}},
      {"IngressClass", {"networking.k8s.io/v1"}},
      {"ConfigMap", {"v1"}},
  };
  const auto it = versions.find(kind);
  return it != versions.end() && it->second.count(apiVersion) > 0;
}

std::string duplicateOf(const std::string& source) { return "duplicate of the one in " + source + "; this one is ignored"; }

template <typename T>
void addUnique(SharedObjects<T>& list, T&& object, const std::string& kind,
               std::unordered_map<std::string, std::string>& seen, std::vector<Problem>& problems) {
  const std::string id = kind + " " + object.meta.key();
  const auto [it, fresh] = seen.emplace(id, object.meta.source);
  if (!fresh) {
    problems.push_back({object.meta.source, id, "", duplicateOf(it->second)});
    return;
  }
  list.push_back(std::move(object));
}

// `seen`: "Kind namespace/name" -> where it was read, for the duplicates within one text.
using Seen = std::unordered_map<std::string, std::string>;

void parseDocument(const yaml::Node& doc, const std::string& source, ClusterState& into, Seen& seen,
                   std::vector<Problem>& problems,
                   bool inList = false) {
  if (!doc || doc.isNull()) return;  // an empty document between separators
  if (!doc.isMap()) {
    problems.push_back({source, "", "", "is not a Kubernetes object (expected a mapping)"});
    return;
  }
  std::string kind, apiVersion, object;
  try {
    kind = requiredStr(doc, "kind", "");
    apiVersion = requiredStr(doc, "apiVersion", "");
    if (kind == "List") {
      // Kubernetes never nests Lists; refusing to keeps a self-referencing YAML alias
      // from recursing forever.
      if (inList) throw FieldError{"kind", "a List inside a List is not read"};
      eachItem(doc, "items", "", [&](const yaml::Node& item, const std::string& f) {
        parseDocument(item, source + " " + f, into, seen, problems, true);
      });
      return;
    }
    if (!knownVersion(kind, apiVersion)) {
      problems.push_back({source, kind, "apiVersion", "'" + apiVersion + "' " + kind +
                                                          " objects are not read (unknown kind or version); ignored"});
      return;
    }
    const bool namespaced = kind != "GatewayClass" && kind != "Namespace" && kind != "IngressClass";
    ObjectMeta meta = readMeta(doc, namespaced, source);
    object = kind + " " + meta.key();
    if (kind == "GatewayClass") {
      addUnique(into.gatewayClasses, GatewayClass{std::move(meta), requiredStr(child(doc, "spec"), "controllerName", "spec")}, kind, seen, problems);
    } else if (kind == "Gateway") {
      addUnique(into.gateways, readGateway(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "HTTPRoute") {
      addUnique(into.httpRoutes, readHttpRoute(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "TLSRoute") {
      addUnique(into.tlsRoutes, readTlsRoute(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "TCPRoute") {
      addUnique(into.tcpRoutes, readBackendRoute<L4Route>(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "UDPRoute") {
      addUnique(into.udpRoutes, readBackendRoute<L4Route>(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "ReferenceGrant") {
      addUnique(into.referenceGrants, readReferenceGrant(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "Service") {
      addUnique(into.services, readService(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "EndpointSlice") {
      addUnique(into.endpointSlices, readEndpointSlice(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "Namespace") {
      addUnique(into.namespaces, Namespace{std::move(meta)}, kind, seen, problems);
    } else if (kind == "Secret") {
      addUnique(into.secrets, readSecret(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "Ingress") {
      addUnique(into.ingresses, readIngress(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "IngressClass") {
      addUnique(into.ingressClasses, readIngressClass(doc, std::move(meta)), kind, seen, problems);
    } else if (kind == "ConfigMap") {
      addUnique(into.configMaps, ConfigMap{std::move(meta), stringMap(doc, "data", "")}, kind, seen, problems);
    }
  } catch (const FieldError& e) {
    problems.push_back({source, object.empty() ? kind : object, e.field, e.message + "; the object is ignored"});
  }
}

// A line that starts (---) or ends (...) a document: a marker at the start of a line
// can be nothing else in YAML, not even inside a block scalar.
bool documentMarker(std::string_view line, std::string_view marker) {
  return line.substr(0, 3) == marker && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// Whether a line holds anything of a document (not blank, a comment or a directive).
bool contentLine(std::string_view line) {
  const auto first = line.find_first_not_of(" \t\r");
  return first != std::string_view::npos && line[first] != '#' && !(first == 0 && line[0] == '%');
}


struct DocumentRange {
  std::size_t start, end, line;  // bytes of the text, and the line the range starts on
};

// Where each document of a stream lies, by its markers alone. Each is then read on its
// own, as Kubernetes' tools split a stream, so a document after "..." needs no "---".
std::vector<DocumentRange> documentRanges(const std::string& text) {
  std::vector<DocumentRange> ranges;
  std::size_t start = 0, startLine = 0, line = 0;
  bool content = false;
  const auto finish = [&](std::size_t end) { ranges.push_back({start, end, startLine}); };
  for (std::size_t pos = 0; pos <= text.size(); ++line) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    const std::string_view l(text.data() + pos, eol - pos);
    if (documentMarker(l, "---")) {
      if (content) finish(pos);
      start = pos, startLine = line;
      content = contentLine(l.substr(3));  // "--- value": the rest of the line is the document's
    } else if (documentMarker(l, "...")) {
      if (content) finish(pos);
      start = std::min(eol + 1, text.size()), startLine = line + 1, content = false;
    } else {
      content = content || contentLine(l);
    }
    pos = eol + 1;
  }
  if (content) finish(text.size());
  return ranges;
}

// Keeps the first object of each namespace/name in `list`, reporting the others: an
// open-addressed table of indices, so that merging 30 000 objects allocates no strings.
template <typename T>
void dropDuplicatesOf(SharedObjects<T>& list, const char* kind, std::vector<Problem>& problems) {
  constexpr uint32_t kEmpty = UINT32_MAX;
  std::vector<uint32_t> table(std::bit_ceil(list.size() * 2 + 1), kEmpty);
  const std::size_t mask = table.size() - 1;
  const auto hashOf = [](const ObjectMeta& m) {
    return std::hash<std::string_view>{}(m.ns) * 31 + std::hash<std::string_view>{}(m.name);
  };
  std::vector<bool> dropped(list.size());
  bool any = false;
  for (uint32_t i = 0; i < list.size(); ++i) {
    const ObjectMeta& m = list[i].meta;
    for (std::size_t slot = hashOf(m) & mask;; slot = (slot + 1) & mask) {
      if (table[slot] == kEmpty) {
        table[slot] = i;
        break;
      }
      const ObjectMeta& kept = list[table[slot]].meta;
      if (kept.ns == m.ns && kept.name == m.name) {
        problems.push_back({m.source, std::string(kind) + " " + m.key(), "", duplicateOf(kept.source)});
        dropped[i] = any = true;
        break;
      }
    }
  }
  if (any) list.eraseIf([&](std::size_t i) { return dropped[i]; });
}

}  // namespace

void appendObjects(const ClusterState& from, ClusterState& into) {
  forEachKind([&](const char*, auto member) {
    const auto& list = from.*member;
    // No reserve: called once per file, an exact reserve would move every pointer each time.
    for (std::size_t i = 0; i < list.size(); ++i) (into.*member).push_back(list.shared(i));
  });
}

void dropDuplicates(ClusterState& state, std::vector<Problem>& problems) {
  forEachKind([&](const char* kind, auto member) { dropDuplicatesOf(state.*member, kind, problems); });
}

void parseManifests(const std::string& text, const std::string& source, ClusterState& into,
                    std::vector<Problem>& problems) {
  // A file is read whole or not at all: its objects go into `into` only once every
  // document of it has been read.
  ClusterState file;
  std::vector<Problem> fileProblems;
  Seen seen;
  const std::vector<DocumentRange> ranges = documentRanges(text);
  yaml::Document doc;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    try {
      yaml::Stream stream(std::string_view(text).substr(ranges[i].start, ranges[i].end - ranges[i].start));
      if (!stream.next(doc)) continue;
    } catch (const yaml::ParseError& e) {
      problems.push_back({source, "", "", "line " + std::to_string(ranges[i].line + e.line + 1) + ", column " +
                                              std::to_string(e.column + 1) + ": " + e.message +
                                              "; nothing in this file is read"});
      return;
    }
    parseDocument(doc.root(), ranges.size() > 1 ? source + " (document " + std::to_string(i + 1) + ")" : source, file,
                  seen, fileProblems);
  }
  problems.insert(problems.end(), std::make_move_iterator(fileProblems.begin()),
                  std::make_move_iterator(fileProblems.end()));
  appendObjects(file, into);
  dropDuplicates(into, problems);
}

}  // namespace portico::cp
