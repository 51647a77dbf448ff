#include "controlplane/push/listener_ports.h"

#include <gtest/gtest.h>

#include "controlplane/push/desired_state.h"
#include "controlplane/source/manifest_parser.h"

namespace portico::cp {
namespace {

namespace pb = portico::dataplane::v1;

constexpr const char* kManifests = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
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

}  // namespace
}  // namespace portico::cp
