#include "controlplane/translate/translation.h"

#include <algorithm>
#include <map>
#include <set>

#include "controlplane/translate/certificate.h"
#include "controlplane/translate/filters.h"
#include "controlplane/translate/hostname.h"

namespace portico::cp {

namespace {

constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";

Condition condition(const std::string& type, bool ok, const std::string& reason, const std::string& message,
                    int64_t generation) {
  return Condition{type, ok ? "True" : "False", reason, message, generation};
}

// Lookups over the whole state, built once per translation.
struct Index {
  std::map<std::string, const Service*> services;
  std::map<std::string, std::vector<const EndpointSlice*>> slicesByService;  // "ns/service"
  std::map<std::string, const Namespace*> namespaces;
  std::map<std::string, const Secret*> secrets;
  const ClusterState& state;

  explicit Index(const ClusterState& s) : state(s) {
    for (const auto& x : s.services) services[x.meta.key()] = &x;
    for (const auto& x : s.endpointSlices) slicesByService[x.meta.ns + "/" + x.serviceName].push_back(&x);
    for (const auto& x : s.namespaces) namespaces[x.meta.name] = &x;
    for (const auto& x : s.secrets) secrets[x.meta.key()] = &x;
  }

  // May an object of fromKind in fromNs refer to toKind/toName in toNs? Same namespace
  // always; across namespaces only through a ReferenceGrant in the target namespace.
  bool referenceAllowed(const std::string& fromGroup, const std::string& fromKind, const std::string& fromNs,
                        const std::string& toGroup, const std::string& toKind, const std::string& toNs,
                        const std::string& toName) const {
    if (fromNs == toNs) return true;
    for (const auto& g : state.referenceGrants) {
      if (g.meta.ns != toNs) continue;
      const bool from = std::any_of(g.from.begin(), g.from.end(), [&](const ReferenceGrant::From& f) {
        return f.group == fromGroup && f.kind == fromKind && f.ns == fromNs;
      });
      const bool to = std::any_of(g.to.begin(), g.to.end(), [&](const ReferenceGrant::To& t) {
        return t.group == toGroup && t.kind == toKind && (!t.name || *t.name == toName);
      });
      if (from && to) return true;
    }
    return false;
  }
};

bool selectorMatches(const LabelSelector& sel, const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : sel.matchLabels) {
    const auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& e : sel.matchExpressions) {
    const auto it = labels.find(e.key);
    const bool has = it != labels.end();
    const bool in = has && std::find(e.values.begin(), e.values.end(), it->second) != e.values.end();
    if ((e.op == "In" && !in) || (e.op == "NotIn" && in) || (e.op == "Exists" && !has) ||
        (e.op == "DoesNotExist" && has)) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> kindsFor(const std::string& protocol) {
  if (protocol == "HTTP" || protocol == "HTTPS") return {"HTTPRoute"};
  if (protocol == "TLS") return {"TLSRoute"};
  if (protocol == "TCP") return {"TCPRoute"};
  if (protocol == "UDP") return {"UDPRoute"};
  return {};
}

// Listeners on one port share a protocol family: HTTP alone, TCP alone, or HTTPS and TLS
// (both start with a ClientHello and are told apart by SNI). UDP ports are another space:
// a UDP listener shares its number with any TCP one.
std::string family(const std::string& protocol) {
  return protocol == "HTTP" || protocol == "TCP" || protocol == "UDP" ? protocol : "TLS";
}
bool samePortSpace(const std::string& a, const std::string& b) { return (a == "UDP") == (b == "UDP"); }

struct ListenerWork {
  ListenerState state;
  ListenerStatus status;
  const Listener* spec = nullptr;
  std::vector<std::string> kinds;  // route kinds it accepts
  std::set<std::pair<std::string, std::string>> attached;  // (kind, key) of its routes
};

void validateListeners(const Gateway& gw, const Index& index, const CertificateMemory& lastGood,
                       CertificateMemory& served, std::vector<ListenerWork>& out) {
  const int64_t gen = gw.meta.generation;
  for (const auto& l : gw.listeners) {
    ListenerWork w;
    w.spec = &l;
    w.state = ListenerState{l.name, l.port, l.protocol, l.hostname, l.tlsMode, true, {}, {}};
    w.status.name = l.name;
    std::string acceptedReason = "Accepted", acceptedMessage = "listener accepted";
    std::string refsReason = "ResolvedRefs", refsMessage = "all references resolved";
    bool accepted = true, refsOk = true;

    const std::vector<std::string> supported = kindsFor(l.protocol);
    if (supported.empty()) {
      accepted = false;
      acceptedReason = "UnsupportedProtocol";
      acceptedMessage = "protocol " + l.protocol + " is not supported (HTTP, HTTPS, TLS, TCP, UDP)";
    } else if (l.hostname && !hostnameProblem(*l.hostname).empty()) {
      accepted = false;
      acceptedReason = "UnsupportedValue";
      acceptedMessage = "hostname '" + *l.hostname + "' " + hostnameProblem(*l.hostname);
    } else if (l.protocol == "TLS" && !l.tlsMode.empty() && l.tlsMode != "Passthrough" && l.tlsMode != "Terminate") {
      accepted = false;
      acceptedReason = "UnsupportedValue";
      acceptedMessage = "tls.mode '" + l.tlsMode + "' is not Terminate or Passthrough";
    } else if (l.protocol == "HTTPS" && l.tlsMode == "Passthrough") {
      accepted = false;
      acceptedReason = "UnsupportedValue";
      acceptedMessage = "HTTPS listeners terminate TLS: use a TLS listener for passthrough";
    }
    if (l.allowedKinds.empty()) {
      w.kinds = supported;
    } else {
      for (const auto& k : l.allowedKinds) {
        if (k.group == kGatewayGroup && std::find(supported.begin(), supported.end(), k.kind) != supported.end()) {
          w.kinds.push_back(k.kind);
        } else {
          refsOk = false;
          refsReason = "InvalidRouteKinds";
          refsMessage = "route kind " + k.kind + " cannot attach to a " + l.protocol + " listener";
        }
      }
    }
    w.status.supportedKinds = w.kinds;
    // HTTPS, and TLS in Terminate mode (the default mode): the gateway holds the keys.
    const bool terminates = l.protocol == "HTTPS" || (l.protocol == "TLS" && l.tlsMode != "Passthrough");
    if (terminates && accepted) {
      if (l.certificateRefs.empty()) {
        refsOk = false;
        refsReason = "InvalidCertificateRef";
        refsMessage = "a listener that terminates TLS needs tls.certificateRefs";
      }
      for (const auto& ref : l.certificateRefs) {
        const std::string ns = ref.ns.value_or(gw.meta.ns);
        const std::string key = ns + "/" + ref.name;
        const auto secret = index.secrets.find(key);
        std::string problem;
        if (ref.group != "" || ref.kind != "Secret") {
          problem = "certificateRef " + ref.kind + " " + key + " is not a Secret";
        } else if (!index.referenceAllowed(kGatewayGroup, "Gateway", gw.meta.ns, "", "Secret", ns, ref.name)) {
          refsOk = false;
          refsReason = "RefNotPermitted";
          refsMessage = "no ReferenceGrant in " + ns + " lets Gateways of " + gw.meta.ns + " use Secret " + ref.name;
          continue;
        } else if (secret == index.secrets.end()) {
          problem = "Secret " + key + " does not exist";
        } else {
          problem = certificateProblem(secret->second->certificatePem, secret->second->keyPem);
          const auto last = lastGood.find(key);
          if (problem.empty()) {
            w.state.certificates.push_back({key, secret->second->certificatePem, secret->second->keyPem});
            served[key] = w.state.certificates.back();
          } else if (last != lastGood.end()) {
            // A bad edit of a Secret that served: new handshakes keep getting what it held.
            problem = "Secret " + key + ": " + problem + "; serving its last good certificate";
            w.state.certificates.push_back(last->second);
            served[key] = last->second;
          } else {
            problem = "Secret " + key + ": " + problem;
          }
        }
        if (!problem.empty()) {
          refsOk = false;
          refsReason = "InvalidCertificateRef";
          refsMessage = problem;
        }
      }
    }
    // A bad entry in allowedRoutes.kinds only narrows the kinds, and a bad certificateRef
    // the certificates (ResolvedRefs says which); without any certificate a listener that
    // terminates TLS cannot serve.
    w.state.accepted = accepted && !(terminates && w.state.certificates.empty());
    w.status.conditions.push_back(condition("Accepted", accepted, acceptedReason, acceptedMessage, gen));
    w.status.conditions.push_back(condition("ResolvedRefs", refsOk, refsReason, refsMessage, gen));
    out.push_back(std::move(w));
  }

  // Conflicts among listeners on one port: mixed protocol families, or one hostname twice.
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::string reason, message;
    for (std::size_t j = 0; j < out.size(); ++j) {
      // Listeners of an unsupported protocol take no port, so they conflict with none.
      if (i == j || out[i].spec->port != out[j].spec->port || kindsFor(out[j].spec->protocol).empty() ||
          kindsFor(out[i].spec->protocol).empty() || !samePortSpace(out[i].spec->protocol, out[j].spec->protocol)) {
        continue;
      }
      if (family(out[i].spec->protocol) != family(out[j].spec->protocol)) {
        reason = "ProtocolConflict";
        message = "listener " + out[j].spec->name + " uses port " + std::to_string(out[i].spec->port) + " with " +
                  out[j].spec->protocol;
      } else if (out[i].spec->hostname == out[j].spec->hostname && reason.empty()) {
        reason = "HostnameConflict";
        message = "listener " + out[j].spec->name + " has the same port and hostname";
      }
    }
    const bool conflicted = !reason.empty();
    if (conflicted) out[i].state.accepted = false;
    out[i].status.conditions.push_back(condition("Conflicted", conflicted, conflicted ? reason : "NoConflicts",
                                                 conflicted ? message : "no conflicts", gen));
    const bool programmed = out[i].state.accepted;
    out[i].status.conditions.push_back(condition(
        "Programmed", programmed, programmed ? "Pending" : "Invalid",
        programmed ? "waiting for the dataplanes to acknowledge" : "not programmed: see Accepted, ResolvedRefs, Conflicted",
        gen));
    if (programmed) out[i].status.conditions.back().status = "Unknown";
  }
}

ResolvedBackend resolveBackend(const Index& index, const std::string& routeKind, const std::string& routeNs,
                               const BackendRef& ref, std::string& refsReason, std::string& refsMessage) {
  ResolvedBackend out;
  const std::string ns = ref.ns.value_or(routeNs);
  out.ref = ns + "/" + ref.name + (ref.port ? ":" + std::to_string(*ref.port) : "");
  out.weight = ref.weight;
  auto invalid = [&](const std::string& reason, const std::string& message) {
    out.outcome = ResolvedBackend::Outcome::kInvalid;
    out.reason = message;
    if (refsReason.empty()) {
      refsReason = reason;
      refsMessage = message;
    }
    return out;
  };
  if (ref.group != "" || ref.kind != "Service") return invalid("InvalidKind", "backend kind " + ref.kind + " is not supported");
  if (!index.referenceAllowed(kGatewayGroup, routeKind, routeNs, "", "Service", ns, ref.name)) {
    return invalid("RefNotPermitted", "no ReferenceGrant in " + ns + " lets " + routeKind + "s of " + routeNs +
                                          " use Service " + ref.name);
  }
  const auto svc = index.services.find(ns + "/" + ref.name);
  if (svc == index.services.end()) return invalid("BackendNotFound", "Service " + ns + "/" + ref.name + " does not exist");
  if (!ref.port) return invalid("UnsupportedValue", "backendRef to Service " + ns + "/" + ref.name + " needs a port");
  const auto& ports = svc->second->ports;
  const auto sp = std::find_if(ports.begin(), ports.end(), [&](const ServicePort& p) { return p.port == *ref.port; });
  if (sp == ports.end()) {
    return invalid("BackendNotFound", "Service " + ns + "/" + ref.name + " has no port " + std::to_string(*ref.port));
  }

  // Endpoints: the slices' port of the Service port's name gives the target port; ready
  // endpoints serve, and only when none is ready do serving-but-terminating ones.
  std::vector<Endpoint> ready, terminating, others;
  const auto slices = index.slicesByService.find(ns + "/" + ref.name);
  if (slices != index.slicesByService.end()) {
    for (const EndpointSlice* slice : slices->second) {
      std::optional<uint32_t> port;
      for (const auto& p : slice->ports) {
        if (p.name == sp->name && p.protocol == sp->protocol) port = p.port;
      }
      if (!port) port = sp->targetPortNumber;
      if (!port) continue;
      for (const auto& ep : slice->endpoints) {
        const bool isReady = ep.ready.value_or(true);
        const bool serving = ep.serving.value_or(isReady);
        const bool term = ep.terminating.value_or(false);
        for (const auto& a : ep.addresses) {
          if (isReady) ready.push_back({a, *port});
          else if (serving && term) terminating.push_back({a, *port});
          else others.push_back({a, *port});
        }
      }
    }
  }
  out.endpoints = ready.empty() ? terminating : ready;
  out.draining = std::move(others);
  if (!ready.empty()) out.draining.insert(out.draining.end(), terminating.begin(), terminating.end());
  if (out.endpoints.empty()) {
    out.outcome = ResolvedBackend::Outcome::kNoEndpoints;
    out.reason = "Service " + ns + "/" + ref.name + " has no ready endpoints";
  }
  return out;
}

struct RouteView {
  std::string kind;
  const ObjectMeta* meta;
  const std::vector<ParentReference>* parentRefs;
  const std::vector<std::string>* hostnames;
  const HttpRoute* http = nullptr;
  const std::vector<std::vector<BackendRef>>* refRules = nullptr;  // TLS, TCP and UDP routes: each rule's backendRefs
};

// The rules of a route with their backends resolved; weight 0 takes no traffic.
// `unsupported` gets why the route cannot be accepted (a filter or timeout the spec makes
// it refuse), empty when it can.
std::vector<AttachedRule> resolveRules(const Index& index, const RouteView& route, std::string& refsReason,
                                       std::string& refsMessage, std::string& unsupported) {
  std::vector<AttachedRule> rules;
  auto resolveAll = [&](const std::vector<BackendRef>& refs) {
    std::vector<ResolvedBackend> out;
    for (const auto& ref : refs) {
      ResolvedBackend b = resolveBackend(index, route.kind, route.meta->ns, ref, refsReason, refsMessage);
      b.filters = ref.filters;
      if (b.weight > 0) out.push_back(std::move(b));
    }
    return out;
  };
  if (route.http != nullptr) {
    for (std::size_t i = 0; i < route.http->rules.size(); ++i) {
      const HttpRouteRule& rule = route.http->rules[i];
      AttachedRule a;
      a.matches = rule.matches.empty() ? std::vector<HttpRouteMatch>{HttpRouteMatch{}} : rule.matches;
      a.backends = resolveAll(rule.backendRefs);
      if (const std::string p = ruleFilterProblem(rule, "rule " + std::to_string(i)); !p.empty()) {
        if (unsupported.empty()) unsupported = p;
      }
      a.filters = rule.filters;
      for (const auto& f : rule.filters) {
        if (!f.mirror) continue;
        ResolvedBackend m = resolveBackend(index, route.kind, route.meta->ns, *f.mirror, refsReason, refsMessage);
        if (m.outcome == ResolvedBackend::Outcome::kServed) a.mirrors.push_back(std::move(m));
      }
      if (rule.requestTimeout) a.requestTimeoutMs = parseDuration(*rule.requestTimeout).value_or(0);
      if (rule.backendRequestTimeout) a.backendTimeoutMs = parseDuration(*rule.backendRequestTimeout).value_or(0);
      rules.push_back(std::move(a));
    }
  } else {
    for (const auto& refs : *route.refRules) {
      AttachedRule a;
      a.backends = resolveAll(refs);
      rules.push_back(std::move(a));
    }
  }
  return rules;
}

}  // namespace

const Condition* findCondition(const std::vector<Condition>& conditions, const std::string& type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

const Condition* ObjectStatus::condition(const std::string& type) const { return findCondition(conditions, type); }

const RouteParentStatus* ObjectStatus::parent(const std::string& gatewayKey,
                                              const std::optional<std::string>& section) const {
  for (const auto& p : parents) {
    if (p.parentRef.ns.value_or("") + "/" + p.parentRef.name == gatewayKey && p.parentRef.sectionName == section) return &p;
  }
  return nullptr;
}

const ObjectStatus* Translation::status(const std::string& kind, const std::string& key) const {
  for (const auto& s : statuses) {
    if (s.kind == kind && s.key == key) return &s;
  }
  return nullptr;
}

const GatewayState* Translation::gateway(const std::string& key) const {
  for (const auto& g : gateways) {
    if (g.key == key) return &g;
  }
  return nullptr;
}

Translation translate(const ClusterState& state, const CertificateMemory& lastGood) {
  Translation out;
  const Index index(state);

  std::set<std::string> ourClasses;
  for (const auto& gc : state.gatewayClasses) {
    if (gc.controllerName != kControllerName) continue;  // another controller's: not ours to touch
    ourClasses.insert(gc.meta.name);
    out.statuses.push_back({"GatewayClass", gc.meta.name,
                            {condition("Accepted", true, "Accepted", "handled by " + std::string(kControllerName),
                                       gc.meta.generation)},
                            {},
                            {}});
  }

  // Gateways of our classes, their listeners validated.
  std::map<std::string, std::vector<ListenerWork>> listeners;
  std::map<std::string, const Gateway*> gateways;
  for (const auto& gw : state.gateways) {
    if (!ourClasses.count(gw.gatewayClassName)) continue;
    gateways[gw.meta.key()] = &gw;
    validateListeners(gw, index, lastGood, out.goodCertificates, listeners[gw.meta.key()]);
  }

  // Routes attach to listeners through their parentRefs.
  std::vector<RouteView> routes;
  static const std::vector<std::string> kNoHostnames;
  for (const auto& r : state.httpRoutes) routes.push_back({"HTTPRoute", &r.meta, &r.parentRefs, &r.hostnames, &r, nullptr});
  for (const auto& r : state.tlsRoutes) routes.push_back({"TLSRoute", &r.meta, &r.parentRefs, &r.hostnames, nullptr, &r.rules});
  for (const auto& r : state.tcpRoutes) routes.push_back({"TCPRoute", &r.meta, &r.parentRefs, &kNoHostnames, nullptr, &r.rules});
  for (const auto& r : state.udpRoutes) routes.push_back({"UDPRoute", &r.meta, &r.parentRefs, &kNoHostnames, nullptr, &r.rules});
  for (const RouteView& route : routes) {
    ObjectStatus status{route.kind, route.meta->key(), {}, {}, {}};
    std::string refsReason, refsMessage, unsupported;
    const std::vector<AttachedRule> rules = resolveRules(index, route, refsReason, refsMessage, unsupported);
    const int64_t gen = route.meta->generation;
    auto refsCondition = [&] {
      return condition("ResolvedRefs", refsReason.empty(), refsReason.empty() ? "ResolvedRefs" : refsReason,
                       refsReason.empty() ? "all backendRefs resolved" : refsMessage, gen);
    };

    std::vector<std::string> validHostnames;
    std::string badHostname;
    for (const auto& h : *route.hostnames) {
      if (hostnameProblem(h).empty()) validHostnames.push_back(h);
      else badHostname = "hostname '" + h + "' " + hostnameProblem(h);
    }

    for (const auto& ref : *route.parentRefs) {
      if (ref.group != kGatewayGroup || ref.kind != "Gateway") continue;
      const std::string gwKey = ref.ns.value_or(route.meta->ns) + "/" + ref.name;
      const auto gw = gateways.find(gwKey);
      if (gw == gateways.end()) continue;  // not a Gateway of ours
      RouteParentStatus ps;
      ps.parentRef = ref;
      ps.parentRef.ns = ref.ns.value_or(route.meta->ns);

      std::string reason = "NoMatchingParent", message = "no listener matches the parentRef's sectionName and port";
      bool attached = false;
      if (!unsupported.empty()) {
        // A filter the route needs and we cannot apply: the route is refused whole rather
        // than served without it (Gateway API: a filter is never skipped).
        ps.conditions.push_back(condition("Accepted", false, "UnsupportedValue", unsupported, gen));
        ps.conditions.push_back(refsCondition());
        status.parents.push_back(std::move(ps));
        continue;
      }
      for (auto& w : listeners[gwKey]) {
        if ((ref.sectionName && *ref.sectionName != w.spec->name) || (ref.port && *ref.port != w.spec->port)) continue;
        if (!w.state.accepted) {
          reason = "NotAllowedByListeners";
          message = "listener " + w.spec->name + " is not accepted";
          continue;
        }
        const bool kindOk = std::find(w.kinds.begin(), w.kinds.end(), route.kind) != w.kinds.end();
        bool nsOk = w.spec->allowedFrom == "All" || (w.spec->allowedFrom == "Same" && route.meta->ns == gw->second->meta.ns);
        if (w.spec->allowedFrom == "Selector" && w.spec->allowedSelector) {
          const auto ns = index.namespaces.find(route.meta->ns);
          nsOk = ns != index.namespaces.end() && selectorMatches(*w.spec->allowedSelector, ns->second->meta.labels);
        }
        if (!kindOk || !nsOk) {
          reason = "NotAllowedByListeners";
          message = !kindOk ? route.kind + "s may not attach to listener " + w.spec->name
                            : "listener " + w.spec->name + " does not allow routes from namespace " + route.meta->ns;
          continue;
        }
        // Two parentRefs naming the same listener attach the route once.
        if (w.attached.count({route.kind, route.meta->key()}) != 0) {
          attached = true;
          continue;
        }
        std::vector<std::string> hostnames = intersectHostnames(w.spec->hostname, validHostnames);
        if (!route.hostnames->empty() && validHostnames.empty()) hostnames.clear();
        if (hostnames.empty()) {
          reason = "NoMatchingListenerHostname";
          message = "no hostname of the route intersects listener " + w.spec->name + "'s";
          continue;
        }
        w.state.routes.push_back({route.kind, route.meta->key(), route.meta->creationTimestamp, hostnames, rules});
        w.attached.emplace(route.kind, route.meta->key());
        ++w.status.attachedRoutes;
        attached = true;
      }
      if (attached) {
        reason = "Accepted";
        message = badHostname.empty() ? "route attached" : "route attached; ignored " + badHostname;
      }
      ps.conditions.push_back(condition("Accepted", attached, reason, message, gen));
      ps.conditions.push_back(refsCondition());
      status.parents.push_back(std::move(ps));
    }
    if (!status.parents.empty()) out.statuses.push_back(std::move(status));
  }

  for (const auto& [key, gw] : gateways) {
    GatewayState gs;
    gs.key = key;
    const auto proxy = gw->meta.annotations.find(kProxyProtocolAnnotation);
    gs.proxyProtocol = proxy != gw->meta.annotations.end() && proxy->second == "v2";
    std::string modeNote;
    if (const auto mode = gw->meta.annotations.find(kL7ModeAnnotation); mode != gw->meta.annotations.end()) {
      if (mode->second == "relay") {
        gs.mode = L7Mode::kRelay;
      } else if (mode->second == "splice") {
        gs.mode = L7Mode::kSplice;
      } else if (mode->second == "proxy") {
        gs.mode = L7Mode::kProxy;
      } else {
        modeNote = std::string("; annotation ") + kL7ModeAnnotation + ": '" + mode->second +
                   "' is not proxy, relay or splice, the default is used";
      }
    }
    for (const auto& a : gw->addresses) gs.addresses.push_back(a.value);
    ObjectStatus st{"Gateway", key, {}, {}, {}};
    bool anyAccepted = false;
    for (auto& w : listeners[key]) {
      anyAccepted = anyAccepted || w.state.accepted;
      gs.listeners.push_back(std::move(w.state));
      st.listeners.push_back(std::move(w.status));
    }
    const int64_t gen = gw->meta.generation;
    st.conditions.push_back(condition("Accepted", anyAccepted, anyAccepted ? "Accepted" : "ListenersNotValid",
                                      (anyAccepted ? "gateway accepted" : "no listener is valid") + modeNote, gen));
    st.conditions.push_back(Condition{"Programmed", "Unknown", "Pending", "waiting for the dataplanes to acknowledge", gen});
    out.gateways.push_back(std::move(gs));
    out.statuses.push_back(std::move(st));
  }
  return out;
}

}  // namespace portico::cp
