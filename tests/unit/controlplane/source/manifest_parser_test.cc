#include "controlplane/source/manifest_directory.h"
#include "controlplane/source/manifest_parser.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

std::vector<std::string> messages(const std::vector<Problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.toString());
  return out;
}

TEST(ManifestParser, ShippedExampleReadsCleanly) {
  std::vector<Problem> problems;
  const ClusterState s = loadManifestDirectory(PORTICO_SOURCE_ROOT "/configs/examples", problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(messages(problems));
  ASSERT_EQ(s.gateways.size(), 1u);
  const Gateway& g = s.gateways[0];
  EXPECT_EQ(g.meta.key(), "portico-gateway/flex-gateway");
  ASSERT_EQ(g.listeners.size(), 1u);
  EXPECT_EQ(g.listeners[0].hostname, "*.sjc.example.com");
  EXPECT_EQ(g.listeners[0].allowedFrom, "All");
  ASSERT_EQ(s.httpRoutes.size(), 2u);
  EXPECT_EQ(s.gatewayClasses[0].controllerName, "portico.dev/gateway-controller");
  EXPECT_EQ(s.referenceGrants.size(), 1u);
  EXPECT_EQ(s.endpointSlices.size(), 2u);
  EXPECT_EQ(s.namespaces.size(), 3u);
  const auto grafana = std::find_if(s.services.begin(), s.services.end(), [](const Service& x) { return x.meta.name == "grafana"; });
  ASSERT_NE(grafana, s.services.end());
  EXPECT_EQ(grafana->ports[0].targetPortName, "http");
}

TEST(ManifestParser, RouteFieldsAndDefaults) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: apps, generation: 4, creationTimestamp: "2026-01-02T03:04:05Z"}
spec:
  parentRefs: [{name: gw, port: 443}]
  rules:
    - matches:
        - path: {type: Exact, value: /login}
          method: POST
          headers: [{name: x-env, value: canary}]
          queryParams: [{type: RegularExpression, name: v, value: "^2"}]
      backendRefs: [{name: a, port: 80, weight: 3}, {name: b, namespace: other, port: 81, weight: 0}]
    - backendRefs: [{name: c, port: 80}]
)",
                 "r.yaml", s, problems);
  ASSERT_TRUE(problems.empty()) << ::testing::PrintToString(messages(problems));
  const HttpRoute& r = s.httpRoutes.at(0);
  EXPECT_EQ(r.meta.generation, 4);
  EXPECT_EQ(r.parentRefs[0].kind, "Gateway");
  EXPECT_FALSE(r.parentRefs[0].ns.has_value());
  EXPECT_EQ(r.parentRefs[0].port, 443u);
  const auto& m = r.rules[0].matches[0];
  EXPECT_EQ(m.pathType, "Exact");
  EXPECT_EQ(m.method, "POST");
  EXPECT_EQ(m.headers[0].type, "Exact");
  EXPECT_EQ(m.queryParams[0].type, "RegularExpression");
  EXPECT_EQ(r.rules[0].backendRefs[1].weight, 0u);
  EXPECT_EQ(r.rules[0].backendRefs[1].ns, "other");
  EXPECT_TRUE(r.rules[1].matches.empty());
}

// The controllers named in a route's status are kept (to find stale entries of ours); a
// status of the wrong shape is ignored, never an error.
TEST(ManifestParser, RouteStatusControllersAreReadLeniently) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: apps}
spec: {parentRefs: [{name: gw}]}
status:
  parents:
  - {parentRef: {name: gw}, controllerName: portico.dev/gateway-controller}
  - {parentRef: {name: x}, controllerName: example.com/other}
  - {parentRef: {name: y}}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: b, namespace: apps}
spec: {parentRefs: [{name: gw}]}
status: {parents: "not a list"}
)",
                 "r.yaml", s, problems);
  ASSERT_TRUE(problems.empty()) << ::testing::PrintToString(messages(problems));
  ASSERT_EQ(s.httpRoutes.size(), 1u);
  EXPECT_EQ(s.httpRoutes[0].statusControllers, (std::vector<std::string>{"portico.dev/gateway-controller", "example.com/other"}));
  ASSERT_EQ(s.tlsRoutes.size(), 1u);
  EXPECT_TRUE(s.tlsRoutes[0].statusControllers.empty());
}

TEST(ManifestParser, SecretsAreDecoded) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests(R"(
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: gw}
type: kubernetes.io/tls
data:
  tls.crt: LS0tLS1CRUdJTg==
  tls.key: a2V5
)",
                 "s.yaml", s, problems);
  ASSERT_TRUE(problems.empty()) << ::testing::PrintToString(messages(problems));
  EXPECT_EQ(s.secrets[0].certificatePem, "-----BEGIN");
  EXPECT_EQ(s.secrets[0].keyPem, "key");
}

TEST(ManifestParser, BadInputIsNamedAndTheRestIsKept) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: good, namespace: gw}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: noport, namespace: gw}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: eighty, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {namespace: gw}
spec: {}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g, namespace: gw}
---
apiVersion: gateway.networking.k8s.io/v2
kind: Gateway
metadata: {name: future, namespace: gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: good, namespace: gw}
spec: {gatewayClassName: portico}
---
- not
- an object
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: gw}
data: {tls.crt: "not base64!"}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: e, namespace: gw}
addressType: IPv4
)",
                 "f.yaml", s, problems);
  EXPECT_EQ(messages(problems), (std::vector<std::string>{
      "f.yaml (document 2): Gateway gw/noport: spec.listeners[0].port: 'eighty' is not a number; the object is ignored",
      "f.yaml (document 3): HTTPRoute: metadata.name: is required; the object is ignored",
      "f.yaml (document 4): GRPCRoute: apiVersion: 'gateway.networking.k8s.io/v1' GRPCRoute objects are not read (unknown kind or version); ignored",
      "f.yaml (document 5): Gateway: apiVersion: 'gateway.networking.k8s.io/v2' Gateway objects are not read (unknown kind or version); ignored",
      "f.yaml (document 6): Gateway gw/good: duplicate of the one in f.yaml (document 1); this one is ignored",
      "f.yaml (document 7): is not a Kubernetes object (expected a mapping)",
      "f.yaml (document 8): Secret gw/s: data.tls.crt: is not valid base64; the object is ignored",
      "f.yaml (document 9): EndpointSlice gw/e: metadata.labels: needs kubernetes.io/service-name; the object is ignored",
  }));
  ASSERT_EQ(s.gateways.size(), 1u);
  EXPECT_EQ(s.gateways[0].meta.name, "good");
}

TEST(ManifestParser, ListsAreReadButNeverNested) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests(R"(
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: a}}
  - &self {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Namespace, metadata: {name: b}}]}
)",
                 "l.yaml", s, problems);
  ASSERT_EQ(s.namespaces.size(), 1u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(), "l.yaml items[1]: List: kind: a List inside a List is not read; the object is ignored");
}

TEST(ManifestParser, MalformedYamlNamesLineAndColumn) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests("kind: Gateway\nmetadata: {name: x\n", "bad.yaml", s, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(), "bad.yaml: line 3, column 1: while parsing a flow mapping: did not find expected ',' or '}'; nothing in this file is read");
}

// yaml-cpp 0.7's LoadAll never returned on these (found by the k8s_objects fuzz target);
// each is refused, the line counted from the start of the file.
TEST(ManifestParser, TextThatReadsAsNothingIsRefused) {
  for (const char* text : {",{", ", [{\"a\": 1}]", "kind: Namespace\nmetadata: {name: a}\n---\n,\n"}) {
    std::vector<Problem> problems;
    ClusterState s;
    parseManifests(text, "bad.yaml", s, problems);
    ASSERT_EQ(problems.size(), 1u) << text;
    EXPECT_NE(problems[0].message.find("did not find expected node content; nothing in this file is read"),
              std::string::npos) << text;
    EXPECT_TRUE(s.namespaces.empty());
  }
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests("a: 1\n---\nkind: Gateway\nmetadata: {name: x\n", "bad.yaml", s, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(), "bad.yaml: line 5, column 1: while parsing a flow mapping: did not find expected ',' or '}'; nothing in this file is read");
}

// Documents split by "---" and ended by "...", a value on the marker's line, null
// documents and comments between them, as LoadAll read them.
TEST(ManifestParser, EveryDocumentOfAStreamIsRead) {
  std::vector<Problem> problems;
  ClusterState s;
  parseManifests(R"(# leading comment
%YAML 1.2
---
apiVersion: v1
kind: Namespace
metadata: {name: one}
...
apiVersion: v1
kind: Namespace
metadata: {name: two}
--- null
---
# only a comment
--- {apiVersion: v1, kind: Namespace, metadata: {name: three}}
---
apiVersion: v1
kind: Namespace
metadata:
  name: four
  annotations:
    text: |
      --- inside a block scalar, indented: not a marker
)",
                 "s.yaml", s, problems);
  EXPECT_TRUE(problems.empty()) << problems[0].toString();
  EXPECT_EQ(s.namespaces.size(), 4u);
}

}  // namespace
}  // namespace portico::cp
