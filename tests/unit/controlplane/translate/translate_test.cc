// Gateway API translation, case by case from the spec: listener validation and
// conflicts, route attachment (parentRef, sectionName, port, allowedRoutes, hostnames),
// backend resolution (ReferenceGrant, Service ports, EndpointSlices), and the status
// conditions each outcome writes.

#include "controlplane/translate/translation.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "controlplane/push/desired_state.h"
#include "controlplane/source/manifest_directory.h"
#include "controlplane/source/manifest_parser.h"
#include "tests/common/secret_manifest.h"

namespace portico::cp {
namespace {

using portico::test::readFile;

const char* kClassAndGateway = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, generation: 3}
spec:
  gatewayClassName: portico
  listeners:
    - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: same, port: 8080, protocol: HTTP}
    - name: picky
      port: 8081
      protocol: HTTP
      allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: web}}}}
)";

class Translate : public ::testing::Test {
 protected:
  // The Gateway above plus `more`; fails the test on any parse problem.
  Translation run(const std::string& more, const CertificateMemory& lastGood = {}) {
    std::vector<Problem> problems;
    state_ = ClusterState{};
    parseManifests(std::string(kClassAndGateway) + "---\n" + more, "test.yaml", state_, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.toString();
    return translate(state_, lastGood);
  }

  static std::string route(const std::string& ns, const std::string& name, const std::string& parentRefs,
                           const std::string& hostnames, const std::string& backends = "[{name: svc, port: 80}]") {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name + ", namespace: " +
           ns + ", generation: 7}\nspec:\n  parentRefs: " + parentRefs + "\n  hostnames: " + hostnames +
           "\n  rules: [{backendRefs: " + backends + "}]\n";
  }

  static std::string service(const std::string& ns, const std::string& name) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: " + ns +
           "}\nspec: {ports: [{name: web, port: 80, targetPort: web}]}\n---\n"
           "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: " + name + "-1, namespace: " + ns +
           ", labels: {kubernetes.io/service-name: " + name + "}}\naddressType: IPv4\nports: [{name: web, port: 8080}]\n"
           "endpoints:\n  - {addresses: [198.51.100.11], conditions: {ready: true}}\n"
           "  - {addresses: [198.51.100.12], conditions: {ready: false, serving: true, terminating: true}}\n";
  }

  static const Condition& cond(const Translation& t, const std::string& routeKey, const std::string& type,
                               const std::optional<std::string>& section = "http") {
    const ObjectStatus* s = t.status("HTTPRoute", routeKey);
    EXPECT_NE(s, nullptr) << routeKey;
    static const Condition none{};
    if (s == nullptr) return none;
    const RouteParentStatus* p = s->parent("infra/gw", section);
    EXPECT_NE(p, nullptr) << routeKey;
    if (p == nullptr) return none;
    for (const auto& c : p->conditions) {
      if (c.type == type) return c;
    }
    ADD_FAILURE() << "no " << type;
    return none;
  }

  static const ListenerState& listener(const Translation& t, const std::string& name) {
    const GatewayState* g = t.gateway("infra/gw");
    for (const auto& l : g->listeners) {
      if (l.name == name) return l;
    }
    throw std::runtime_error("no listener " + name);
  }

  ClusterState state_;
};

TEST_F(Translate, RouteAttachesWithIntersectedHostnamesAndResolvedEndpoints) {
  const auto t = run(route("apps", "web", "[{name: gw, namespace: infra, sectionName: http}]", "[www.example.com]") +
                     "---\n" + service("apps", "svc"));
  const Condition& accepted = cond(t, "apps/web", "Accepted");
  EXPECT_EQ(accepted.status, "True");
  EXPECT_EQ(accepted.observedGeneration, 7);
  EXPECT_EQ(cond(t, "apps/web", "ResolvedRefs").status, "True");
  const ListenerState& l = listener(t, "http");
  ASSERT_EQ(l.routes.size(), 1u);
  EXPECT_EQ(l.routes[0].hostnames, std::vector<std::string>{"www.example.com"});
  const auto& backend = l.routes[0].rules.at(0).backends.at(0);
  EXPECT_EQ(backend.ref, "apps/svc:80");
  EXPECT_EQ(backend.outcome, ResolvedBackend::Outcome::kServed);
  // The named targetPort resolves through the slice's port of that name; the endpoint
  // that is terminating is not used while one is ready.
  ASSERT_EQ(backend.endpoints.size(), 1u);
  EXPECT_EQ(backend.endpoints[0].address, "198.51.100.11");
  EXPECT_EQ(backend.endpoints[0].port, 8080u);
  const ObjectStatus* gw = t.status("Gateway", "infra/gw");
  EXPECT_EQ(gw->listeners[0].attachedRoutes, 1u);
  EXPECT_EQ(gw->condition("Accepted")->status, "True");
  EXPECT_EQ(gw->condition("Accepted")->observedGeneration, 3);
  EXPECT_EQ(gw->condition("Programmed")->reason, "Pending");
}

TEST_F(Translate, WildcardListenerNeverTakesTheApex) {
  const auto t = run(route("apps", "apex", "[{name: gw, namespace: infra, sectionName: http}]", "[example.com]"));
  const Condition& c = cond(t, "apps/apex", "Accepted");
  EXPECT_EQ(c.status, "False");
  EXPECT_EQ(c.reason, "NoMatchingListenerHostname");
  EXPECT_TRUE(listener(t, "http").routes.empty());
}

TEST_F(Translate, SectionNameAndPortMustMatchAListener) {
  auto t = run(route("infra", "r", "[{name: gw, sectionName: nope}]", "[]"));
  EXPECT_EQ(cond(t, "infra/r", "Accepted", "nope").reason, "NoMatchingParent");
  t = run(route("infra", "r", "[{name: gw, sectionName: same, port: 9999}]", "[]"));
  EXPECT_EQ(cond(t, "infra/r", "Accepted", "same").reason, "NoMatchingParent");
  t = run(route("infra", "r", "[{name: gw, sectionName: same, port: 8080}]", "[]"));
  EXPECT_EQ(cond(t, "infra/r", "Accepted", "same").status, "True");
}

TEST_F(Translate, AllowedRoutesSameAndSelector) {
  auto t = run(route("apps", "r", "[{name: gw, namespace: infra, sectionName: same}]", "[]"));
  EXPECT_EQ(cond(t, "apps/r", "Accepted", "same").reason, "NotAllowedByListeners");
  t = run(route("apps", "r", "[{name: gw, namespace: infra, sectionName: picky}]", "[]") +
          "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {team: db}}\n");
  EXPECT_EQ(cond(t, "apps/r", "Accepted", "picky").reason, "NotAllowedByListeners");
  t = run(route("apps", "r", "[{name: gw, namespace: infra, sectionName: picky}]", "[]") +
          "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {team: web}}\n");
  EXPECT_EQ(cond(t, "apps/r", "Accepted", "picky").status, "True");
}

TEST_F(Translate, NoSectionNameAttachesToEveryListenerThatAllowsIt) {
  const auto t = run(route("infra", "r", "[{name: gw}]", "[www.example.com]"));
  EXPECT_EQ(listener(t, "http").routes.size(), 1u);
  EXPECT_EQ(listener(t, "same").routes.size(), 1u);
  EXPECT_TRUE(listener(t, "picky").routes.empty());  // infra has no team label
}

TEST_F(Translate, RemovingTheReferenceGrantTurnsTheBackendInvalid) {
  const std::string base = route("apps", "r", "[{name: gw, namespace: infra, sectionName: http}]", "[]",
                                 "[{name: svc, namespace: data, port: 80}]") + "---\n" + service("data", "svc");
  const std::string grant = R"(---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: data}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: apps}]
  to: [{group: "", kind: Service}]
)";
  auto t = run(base + grant);
  EXPECT_EQ(cond(t, "apps/r", "ResolvedRefs").status, "True");
  EXPECT_EQ(listener(t, "http").routes.at(0).rules.at(0).backends.at(0).outcome, ResolvedBackend::Outcome::kServed);
  t = run(base);
  const Condition& refs = cond(t, "apps/r", "ResolvedRefs");
  EXPECT_EQ(refs.status, "False");
  EXPECT_EQ(refs.reason, "RefNotPermitted");
  EXPECT_EQ(cond(t, "apps/r", "Accepted").status, "True");  // still attached: its requests get 500
  EXPECT_EQ(listener(t, "http").routes.at(0).rules.at(0).backends.at(0).outcome, ResolvedBackend::Outcome::kInvalid);
}

TEST_F(Translate, BackendOutcomes) {
  const auto t = run(route("apps", "r", "[{name: gw, namespace: infra, sectionName: http}]", "[]",
                           "[{name: missing, port: 80}, {name: svc, port: 81}, {name: svc, port: 80, weight: 0}, "
                           "{name: empty, port: 80}, {name: x, kind: ConfigMap}]") +
                     "---\n" + service("apps", "svc") +
                     "---\napiVersion: v1\nkind: Service\nmetadata: {name: empty, namespace: apps}\n"
                     "spec: {ports: [{port: 80}]}\n");
  const auto& backends = listener(t, "http").routes.at(0).rules.at(0).backends;
  ASSERT_EQ(backends.size(), 4u);  // the weight-0 backend takes no traffic
  EXPECT_EQ(backends[0].outcome, ResolvedBackend::Outcome::kInvalid);
  EXPECT_EQ(backends[0].reason, "Service apps/missing does not exist");
  EXPECT_EQ(backends[1].reason, "Service apps/svc has no port 81");
  EXPECT_EQ(backends[2].outcome, ResolvedBackend::Outcome::kNoEndpoints);
  EXPECT_EQ(backends[3].reason, "backend kind ConfigMap is not supported");
  EXPECT_EQ(cond(t, "apps/r", "ResolvedRefs").reason, "BackendNotFound");  // the first problem
}

TEST_F(Translate, TerminatingEndpointsServeOnlyWhenNoneIsReady) {
  const auto t = run(route("apps", "r", "[{name: gw, namespace: infra, sectionName: http}]", "[]") + R"(---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: apps}
spec: {ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: s, namespace: apps, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
ports: [{port: 8080}]
endpoints:
  - {addresses: [198.51.100.21], conditions: {ready: false, serving: true, terminating: true}}
  - {addresses: [198.51.100.22], conditions: {ready: false, serving: false, terminating: true}}
)");
  const auto& b = listener(t, "http").routes.at(0).rules.at(0).backends.at(0);
  ASSERT_EQ(b.endpoints.size(), 1u);
  EXPECT_EQ(b.endpoints[0].address, "198.51.100.21");
}

TEST_F(Translate, ListenerConflictsAndUnsupportedProtocols) {
  const auto t = run(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: other, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
    - {name: a, port: 80, protocol: HTTP, hostname: x.example.com}
    - {name: b, port: 80, protocol: HTTP, hostname: x.example.com}
    - {name: c, port: 443, protocol: HTTP}
    - {name: d, port: 443, protocol: TLS, tls: {mode: Passthrough}}
    - {name: e, port: 9000, protocol: SCTP}
    - {name: f, port: 9001, protocol: HTTP, hostname: "Bad_Name"}
    - {name: g, port: 8080, protocol: TCP}
    - {name: h, port: 8080, protocol: HTTP}
    - {name: i, port: 9001, protocol: UDP}
)");
  const ObjectStatus* s = t.status("Gateway", "infra/other");
  auto get = [&](std::size_t i, const char* type) { return *s->listeners.at(i).condition(type); };
  EXPECT_EQ(get(0, "Conflicted").reason, "HostnameConflict");
  EXPECT_EQ(get(1, "Conflicted").status, "True");
  EXPECT_EQ(get(2, "Conflicted").reason, "ProtocolConflict");
  EXPECT_EQ(get(3, "Conflicted").reason, "ProtocolConflict");
  EXPECT_EQ(get(4, "Accepted").reason, "UnsupportedProtocol");
  EXPECT_EQ(get(5, "Accepted").reason, "UnsupportedValue");
  EXPECT_EQ(get(0, "Programmed").status, "False");
  EXPECT_EQ(get(6, "Conflicted").reason, "ProtocolConflict") << "TCP and HTTP on one port";
  EXPECT_EQ(get(8, "Conflicted").status, "False") << "UDP ports are another space than TCP's";
  EXPECT_EQ(get(8, "Accepted").status, "True");
  EXPECT_EQ(s->condition("Accepted")->reason, "Accepted") << "the UDP listener is valid";
}

TEST_F(Translate, TcpAndUdpRoutesBecomeL4ServicesByWeight) {
  const auto t = run(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: l4, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
    - {name: pg, port: 5432, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}
    - {name: dns, port: 53, protocol: UDP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: pg, namespace: app, generation: 2}
spec:
  parentRefs: [{name: l4, namespace: infra, sectionName: pg}]
  rules: [{backendRefs: [{name: svc, port: 80, weight: 3}, {name: one, port: 80, weight: 1}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: dns, namespace: app}
spec:
  parentRefs: [{name: l4, namespace: infra}]
  rules: [{backendRefs: [{name: one, port: 80}]}]
---
)" + route("app", "web", "[{name: l4, namespace: infra, sectionName: pg}]", "[a.example.com]") + "---\n" +
                     service("app", "svc") +
                     "---\napiVersion: v1\nkind: Service\nmetadata: {name: one, namespace: app}\n"
                     "spec: {ports: [{name: web, port: 80, targetPort: 9000}]}\n---\n"
                     "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: one-1, namespace: app, "
                     "labels: {kubernetes.io/service-name: one}}\naddressType: IPv4\nports: [{name: web, port: 9000}]\n"
                     "endpoints: [{addresses: [198.51.100.13]}]\n");
  const ObjectStatus* pg = t.status("TCPRoute", "app/pg");
  ASSERT_NE(pg, nullptr);
  EXPECT_EQ(pg->parent("infra/l4", "pg")->conditions[0].status, "True");
  EXPECT_EQ(pg->parent("infra/l4", "pg")->conditions[0].observedGeneration, 2);
  ASSERT_NE(t.status("UDPRoute", "app/dns"), nullptr);
  EXPECT_EQ(t.status("UDPRoute", "app/dns")->parent("infra/l4", std::nullopt)->conditions[0].status, "True");
  const RouteParentStatus* web = t.status("HTTPRoute", "app/web")->parent("infra/l4", "pg");
  EXPECT_EQ(web->conditions[0].reason, "NotAllowedByListeners") << "an HTTPRoute cannot attach to a TCP listener";

  namespace pb = portico::dataplane::v1;
  const pb::DesiredState d = buildDesiredState(t, {{"infra/l4", {"192.0.2.150"}}});
  std::map<std::string, const pb::Service*> byName;
  for (const auto& svc : d.services()) byName[svc.name()] = &svc;
  ASSERT_EQ(byName.size(), 2u);
  const pb::Service& tcp = *byName.at("Gateway infra/l4 listener pg");
  EXPECT_EQ(tcp.vip(), "192.0.2.150");
  EXPECT_EQ(tcp.port(), 5432u);
  EXPECT_EQ(tcp.protocol(), pb::PROTOCOL_TCP);
  std::map<std::string, std::pair<uint32_t, pb::BackendState>> backends;
  for (const auto& b : tcp.backends()) backends[b.address() + ":" + std::to_string(b.port())] = {b.weight(), b.state()};
  // svc (weight 3) has one ready endpoint and one terminating (draining while another is
  // ready); one (weight 1) has one: 3 to 1.
  EXPECT_EQ(backends.at("198.51.100.11:8080"), std::make_pair(3000u, pb::BACKEND_STATE_ACTIVE));
  EXPECT_EQ(backends.at("198.51.100.12:8080").second, pb::BACKEND_STATE_DRAINING);
  EXPECT_EQ(backends.at("198.51.100.13:9000"), std::make_pair(1000u, pb::BACKEND_STATE_ACTIVE));
  const pb::Service& udp = *byName.at("Gateway infra/l4 listener dns");
  EXPECT_EQ(udp.protocol(), pb::PROTOCOL_UDP);
  ASSERT_EQ(udp.backends_size(), 1);
  EXPECT_EQ(udp.backends(0).address(), "198.51.100.13");
  EXPECT_EQ(d.listener_ports_size(), 0) << "TCP and UDP listeners are not L7 ports";
}

TEST_F(Translate, HttpsCertificatesAreCheckedWithOpenSsl) {
  const std::string dir = PORTICO_SOURCE_ROOT "/tests/unit/controlplane/translate/testdata/";
  auto gateway = [](const std::string& secretNs) {
    return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: tls, namespace: infra}\n"
           "spec:\n  gatewayClassName: portico\n  listeners:\n    - name: https\n      port: 443\n      protocol: HTTPS\n"
           "      tls: {certificateRefs: [{name: cert, namespace: " + secretNs + "}]}\n";
  };
  auto secret = [](const std::string& ns, const std::string& key) { return portico::test::secretManifest(ns, "cert", key); };
  auto refs = [](const Translation& t) { return *t.status("Gateway", "infra/tls")->listeners.at(0).condition("ResolvedRefs"); };
  const Translation good = run(gateway("infra") + secret("infra", "wildcard.key"));
  EXPECT_EQ(refs(good).status, "True");
  // What the dataplane gets to serve the listener with: the Secret's PEM as it was.
  ASSERT_NE(good.gateway("infra/tls"), nullptr);
  const auto& certificates = good.gateway("infra/tls")->listeners.at(0).certificates;
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_EQ(certificates[0].name, "infra/cert");
  EXPECT_EQ(certificates[0].certificatePem, readFile(dir + "wildcard.crt"));
  EXPECT_EQ(certificates[0].keyPem, readFile(dir + "wildcard.key"));
  const auto desired = buildDesiredState(good, {{"infra/tls", {"192.0.2.150"}}});
  ASSERT_EQ(desired.listener_ports_size(), 1);
  const auto& pushed = desired.listener_ports(0).listeners(0);
  EXPECT_EQ(pushed.protocol(), portico::dataplane::v1::LISTENER_PROTOCOL_HTTPS);
  EXPECT_EQ(pushed.mode(), portico::dataplane::v1::LISTENER_MODE_RELAY) << "its ClientHello is read first";
  ASSERT_EQ(pushed.certificates_size(), 1);
  EXPECT_EQ(pushed.certificates(0).key_pem(), readFile(dir + "wildcard.key"));
  const Condition wrongKey = refs(run(gateway("infra") + secret("infra", "other.key")));
  EXPECT_EQ(wrongKey.reason, "InvalidCertificateRef");
  EXPECT_EQ(wrongKey.message, "Secret infra/cert: tls.key does not belong to tls.crt");
  EXPECT_EQ(refs(run(gateway("infra"))).message, "Secret infra/cert does not exist");
  EXPECT_EQ(refs(run(gateway("certs") + secret("certs", "wildcard.key"))).reason, "RefNotPermitted");

  // A bad edit of a Secret that served: the listener keeps its last good certificate and
  // says so; deleting the Secret or withdrawing the grant withdraws the certificate.
  auto listener = [](const Translation& t) { return t.gateway("infra/tls")->listeners.at(0); };
  EXPECT_EQ(good.goodCertificates.at("infra/cert").keyPem, readFile(dir + "wildcard.key"));
  const Translation badEdit = run(gateway("infra") + secret("infra", "other.key"), good.goodCertificates);
  EXPECT_EQ(refs(badEdit).reason, "InvalidCertificateRef");
  EXPECT_EQ(refs(badEdit).message,
            "Secret infra/cert: tls.key does not belong to tls.crt; serving its last good certificate");
  ASSERT_TRUE(listener(badEdit).accepted);
  ASSERT_EQ(listener(badEdit).certificates.size(), 1u);
  EXPECT_EQ(listener(badEdit).certificates[0].keyPem, readFile(dir + "wildcard.key"));
  EXPECT_EQ(badEdit.status("Gateway", "infra/tls")->listeners.at(0).condition("Programmed")->reason, "Pending")
      << "programmed once the dataplanes acknowledge, not Invalid";
  const Translation stillBad = run(gateway("infra") + secret("infra", "other.key"), badEdit.goodCertificates);
  EXPECT_EQ(listener(stillBad).certificates.size(), 1u) << "remembered for as long as the Secret stays bad";
  EXPECT_FALSE(listener(run(gateway("infra"), good.goodCertificates)).accepted) << "a deleted Secret";
  EXPECT_FALSE(listener(run(gateway("certs") + secret("certs", "other.key"), good.goodCertificates)).accepted);
  EXPECT_FALSE(listener(run(gateway("infra") + secret("infra", "other.key"))).accepted) << "never good";
}

// One bad certificateRef among good ones narrows the certificates, not the listener.
TEST_F(Translate, AListenerServesTheCertificateRefsThatAreGood) {
  const Translation t = run(
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: tls, namespace: infra}\n"
      "spec:\n  gatewayClassName: portico\n  listeners:\n    - name: https\n      port: 443\n      protocol: HTTPS\n"
      "      tls: {certificateRefs: [{name: missing}, {name: cert}]}\n" +
      portico::test::secretManifest("infra", "cert"));
  const auto& l = t.gateway("infra/tls")->listeners.at(0);
  EXPECT_TRUE(l.accepted);
  ASSERT_EQ(l.certificates.size(), 1u);
  EXPECT_EQ(l.certificates[0].name, "infra/cert");
  const Condition refs = *t.status("Gateway", "infra/tls")->listeners.at(0).condition("ResolvedRefs");
  EXPECT_EQ(refs.reason, "InvalidCertificateRef");
  EXPECT_EQ(refs.message, "Secret infra/missing does not exist");
}

TEST_F(Translate, AnUnsupportedRouteKindOnlyNarrowsTheListener) {
  const auto t = run(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: kinds, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
    - {name: http, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}, {kind: GRPCRoute}]}}
    - {name: sctp, port: 80, protocol: SCTP}
---
)" + route("infra", "r", "[{name: kinds, sectionName: http}]", "[]"));
  const ObjectStatus* gw = t.status("Gateway", "infra/kinds");
  ASSERT_NE(gw, nullptr);
  auto get = [&](const char* type) { return *gw->listeners.at(0).condition(type); };
  EXPECT_EQ(get("ResolvedRefs").reason, "InvalidRouteKinds");
  EXPECT_EQ(get("Conflicted").status, "False");  // the unsupported SCTP listener takes no port
  const ObjectStatus* r = t.status("HTTPRoute", "infra/r");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->parents.at(0).conditions.at(0).status, "True");
}

TEST_F(Translate, OtherControllersObjectsAreLeftAlone) {
  const auto t = run(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: nginx}
spec: {controllerName: gateway.nginx.org/nginx-gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: theirs, namespace: infra}
spec: {gatewayClassName: nginx, listeners: [{name: http, port: 80, protocol: HTTP}]}
---
)" + route("infra", "r", "[{name: theirs}]", "[]"));
  EXPECT_EQ(t.status("GatewayClass", "nginx"), nullptr);
  EXPECT_EQ(t.status("Gateway", "infra/theirs"), nullptr);
  EXPECT_EQ(t.status("HTTPRoute", "infra/r"), nullptr);
  EXPECT_NE(t.status("GatewayClass", "portico"), nullptr);
}

TEST_F(Translate, ShippedExampleServesPrometheusAndGrafana) {
  std::vector<Problem> problems;
  const ClusterState s = loadManifestDirectory(PORTICO_SOURCE_ROOT "/configs/examples", problems);
  ASSERT_TRUE(problems.empty());
  const Translation t = translate(s);
  const GatewayState* gw = t.gateway("portico-gateway/flex-gateway");
  ASSERT_NE(gw, nullptr);
  ASSERT_EQ(gw->listeners.at(0).routes.size(), 2u);
  for (const auto& r : gw->listeners[0].routes) {
    EXPECT_EQ(r.rules.at(0).backends.at(0).outcome, ResolvedBackend::Outcome::kServed) << r.key;
  }
  const ObjectStatus* prometheus = t.status("HTTPRoute", "monitoring/prometheus-gateway-route");
  ASSERT_NE(prometheus, nullptr);
  EXPECT_EQ(prometheus->parents.at(0).conditions.at(0).status, "True");
}

}  // namespace
}  // namespace portico::cp
