#include "controlplane/push/listener_ports.h"

#include <gtest/gtest.h>

#include <string>

#include "controlplane/push/desired_state.h"
#include "controlplane/source/manifest_parser.h"
#include "tests/common/secret_manifest.h"

namespace portico::cp {
namespace {

namespace pb = portico::dataplane::v1;

constexpr const char* kClass = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
)";

const std::string kManifests = std::string(kClass) + R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: infra
  annotations: {portico.dev/proxy-protocol: v2}
spec:
  gatewayClassName: portico
  listeners:
    - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: exact, port: 80, protocol: HTTP, hostname: "special.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: TLSRoute}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wide, namespace: app, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: http}]
  hostnames: ["*.example.com"]
  rules:
    - backendRefs: [{name: web, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: app, creationTimestamp: "2026-01-02T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: http}]
  hostnames: ["api.example.com"]
  rules:
    - matches: [{path: {type: PathPrefix, value: /v1}}, {path: {type: Exact, value: /health}, method: GET}]
      backendRefs: [{name: web, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: db, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: tls}]
  hostnames: ["db.example.com"]
  rules:
    - backendRefs: [{name: web, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: app
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
  - addresses: [198.51.100.11]
    conditions: {ready: true}
)";

class ListenerPortsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Problem> problems;
    ClusterState state;
    parseManifests(kManifests, "test.yaml", state, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.toString();
    translation_ = translate(state);
    desired_ = buildDesiredState(translation_, {{"infra/gw", {"192.0.2.150"}}});
  }

  const pb::Listener* listener(uint32_t port, const std::string& name) const {
    for (const auto& lp : desired_.listener_ports()) {
      if (lp.port() != port) continue;
      for (const auto& l : lp.listeners()) {
        if (l.name() == name) return &l;
      }
    }
    return nullptr;
  }

  static const pb::VirtualHost* host(const pb::Listener& l, const std::string& name) {
    for (const auto& h : l.hosts()) {
      if (h.hostname() == name) return &h;
    }
    return nullptr;
  }

  Translation translation_;
  pb::DesiredState desired_;
};

TEST_F(ListenerPortsTest, OnePortPerVipAndPortWithItsListeners) {
  ASSERT_EQ(desired_.listener_ports_size(), 2);
  const pb::Listener* http = listener(80, "infra/gw/http");
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->hostname(), "*.example.com");
  EXPECT_TRUE(http->proxy_protocol()) << "the Gateway's annotation";
  ASSERT_NE(listener(80, "infra/gw/exact"), nullptr);
  const pb::Listener* tls = listener(443, "infra/gw/tls");
  ASSERT_NE(tls, nullptr);
  EXPECT_EQ(tls->protocol(), pb::LISTENER_PROTOCOL_TLS);
}

TEST_F(ListenerPortsTest, SpecificHostsFallBackToWildcardRulesInPrecedenceOrder) {
  const pb::Listener* http = listener(80, "infra/gw/http");
  ASSERT_NE(http, nullptr);
  const pb::VirtualHost* api = host(*http, "api.example.com");
  ASSERT_NE(api, nullptr);
  ASSERT_EQ(api->routes_size(), 3);
  EXPECT_EQ(api->routes(0).match().path(), "/health") << "exact path first";
  EXPECT_EQ(api->routes(0).match().method(), "GET");
  EXPECT_EQ(api->routes(1).match().path(), "/v1");
  EXPECT_EQ(api->routes(2).name(), "HTTPRoute app/wide rule 0 match 0") << "then the wildcard route's rule";
  const auto& backend = api->routes(0).backends(0);
  EXPECT_EQ(backend.name(), "app/web:80");
  ASSERT_EQ(backend.endpoints_size(), 1);
  EXPECT_EQ(backend.endpoints(0).address(), "198.51.100.11");
  EXPECT_EQ(backend.endpoints(0).port(), 8080u);

  const pb::VirtualHost* wide = host(*http, "*.example.com");
  ASSERT_NE(wide, nullptr);
  EXPECT_EQ(wide->routes_size(), 1) << "the specific route's rules never apply to other names";
}

TEST_F(ListenerPortsTest, TlsRoutesBySni) {
  const pb::Listener* tls = listener(443, "infra/gw/tls");
  ASSERT_NE(tls, nullptr);
  const pb::VirtualHost* db = host(*tls, "db.example.com");
  ASSERT_NE(db, nullptr);
  ASSERT_EQ(db->routes_size(), 1);
  EXPECT_EQ(db->routes(0).backends(0).endpoints(0).port(), 8080u);
}

// A TLS listener in Terminate mode: pushed with its certificates to be relayed after the
// handshake; a passthrough listener on its port is relayed too (one mode per port), even
// when the Gateway asks for splicing.
TEST(ListenerPorts, TlsTerminateListenersAndTheirPort) {
  const std::string manifests = std::string(kClass) + R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, annotations: {portico.dev/l7-mode: splice}}
spec:
  gatewayClassName: portico
  listeners:
    - {name: pass, port: 443, protocol: TLS, hostname: db.example.com, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}
    - {name: term, port: 443, protocol: TLS, hostname: "*.example.com", tls: {certificateRefs: [{name: cert}]}, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: mq, namespace: app}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: term}]
  hostnames: ["mq.example.com"]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {ports: [{port: 80, targetPort: 8080}]}
)" + test::secretManifest("infra", "cert");
  std::vector<Problem> problems;
  ClusterState state;
  parseManifests(manifests, "test.yaml", state, problems);
  for (const auto& p : problems) ADD_FAILURE() << p.toString();
  const Translation t = translate(state);
  const ObjectStatus* gw = t.status("Gateway", "infra/gw");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(gw->listeners.at(1).condition("Accepted")->status, "True") << "Terminate is the default mode of TLS";
  EXPECT_EQ(gw->listeners.at(1).condition("ResolvedRefs")->status, "True");
  const pb::DesiredState desired = buildDesiredState(t, {{"infra/gw", {"192.0.2.150"}}});
  ASSERT_EQ(desired.listener_ports_size(), 1);
  const auto& port = desired.listener_ports(0);
  ASSERT_EQ(port.listeners_size(), 2);
  const pb::Listener& pass = port.listeners(0);
  const pb::Listener& term = port.listeners(1);
  EXPECT_EQ(pass.protocol(), pb::LISTENER_PROTOCOL_TLS);
  EXPECT_EQ(term.protocol(), pb::LISTENER_PROTOCOL_TLS_TERMINATE);
  ASSERT_EQ(term.certificates_size(), 1);
  EXPECT_EQ(term.certificates(0).name(), "infra/cert");
  EXPECT_EQ(term.mode(), pb::LISTENER_MODE_RELAY);
  EXPECT_EQ(pass.mode(), pb::LISTENER_MODE_RELAY) << "not spliced: the port terminates TLS too";
  ASSERT_EQ(term.hosts_size(), 1);
  EXPECT_EQ(term.hosts(0).hostname(), "mq.example.com");

  // A mode the spec does not name.
  state.gateways.edit(0).listeners.at(1).tlsMode = "Reencrypt";
  const Translation bad = translate(state);
  EXPECT_EQ(bad.status("Gateway", "infra/gw")->listeners.at(1).condition("Accepted")->message,
            "tls.mode 'Reencrypt' is not Terminate or Passthrough");
}

}  // namespace
}  // namespace portico::cp
