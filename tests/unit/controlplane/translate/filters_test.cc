// HTTPRoute filters and timeouts in translation: what is carried to the dataplane, and
// what the spec makes a route refuse (Accepted=False, UnsupportedValue) instead of being
// served without the filter.

#include "controlplane/translate/filters.h"

#include <gtest/gtest.h>

#include "controlplane/source/manifest_parser.h"
#include "controlplane/translate/translation.h"

namespace portico::cp {
namespace {

const char* kBase = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: portico
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: apps}
spec: {ports: [{name: web, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: shadow, namespace: apps}
spec: {ports: [{name: web, port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: shadow-1, namespace: apps, labels: {kubernetes.io/service-name: shadow}}
addressType: IPv4
ports: [{name: web, port: 8080}]
endpoints: [{addresses: [198.51.100.20]}]
---
)";

class Filters : public ::testing::Test {
 protected:
  // An HTTPRoute "apps/r" with one rule of `rule` (YAML, indented as a list item's body).
  Translation run(const std::string& rule) {
    std::vector<Problem> problems;
    state_ = ClusterState{};
    const std::string route =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: apps}\nspec:\n"
        "  parentRefs: [{name: gw, namespace: infra}]\n  rules:\n    - " +
        rule + "\n";
    parseManifests(std::string(kBase) + route, "test.yaml", state_, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.toString();
    return translate(state_);
  }

  static const Condition* accepted(const Translation& t) {
    const ObjectStatus* s = t.status("HTTPRoute", "apps/r");
    return s == nullptr || s->parents.empty() ? nullptr : findCondition(s->parents[0].conditions, "Accepted");
  }

  static const AttachedRule* onlyRule(const Translation& t) {
    const GatewayState* g = t.gateway("infra/gw");
    if (g == nullptr || g->listeners.empty() || g->listeners[0].routes.empty()) return nullptr;
    return &g->listeners[0].routes[0].rules[0];
  }

  void expectRefused(const std::string& rule, const std::string& says) {
    const Translation t = run(rule);
    const Condition* c = accepted(t);
    ASSERT_NE(c, nullptr) << rule;
    EXPECT_EQ(c->status, "False") << rule;
    EXPECT_EQ(c->reason, "UnsupportedValue") << rule;
    EXPECT_NE(c->message.find(says), std::string::npos) << c->message;
    EXPECT_EQ(onlyRule(t), nullptr) << "a refused route takes no traffic";
  }

  ClusterState state_;
};

TEST(Duration, GatewayApiForms) {
  EXPECT_EQ(parseDuration("10s"), 10'000u);
  EXPECT_EQ(parseDuration("500ms"), 500u);
  EXPECT_EQ(parseDuration("1m30s"), 90'000u);
  EXPECT_EQ(parseDuration("1h"), 3'600'000u);
  EXPECT_EQ(parseDuration("0s"), 0u);
  EXPECT_EQ(parseDuration("1h1m1s1ms"), 3'661'001u);
  EXPECT_FALSE(parseDuration(""));
  EXPECT_FALSE(parseDuration("10"));
  EXPECT_FALSE(parseDuration("1.5s"));
  EXPECT_FALSE(parseDuration("-1s"));
  EXPECT_FALSE(parseDuration("123456s"));          // at most five digits a part
  EXPECT_FALSE(parseDuration("1h1m1s1ms1ms"));     // at most four parts
  EXPECT_FALSE(parseDuration("10d"));
}

TEST_F(Filters, EveryCoreFilterIsCarriedToTheRule) {
  const Translation t = run(R"({filters: [
        {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: "1"}], add: [{name: X-B, value: "2"}], remove: [X-C]}},
        {type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-D, value: "4"}]}},
        {type: URLRewrite, urlRewrite: {hostname: in.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}},
        {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}],
      matches: [{path: {type: PathPrefix, value: /v1}}],
      timeouts: {request: 10s, backendRequest: 2s},
      backendRefs: [{name: svc, port: 80, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-E, value: "5"}]}}]}]})");
  ASSERT_NE(accepted(t), nullptr);
  EXPECT_EQ(accepted(t)->status, "True") << accepted(t)->message;
  const AttachedRule* rule = onlyRule(t);
  ASSERT_NE(rule, nullptr);
  ASSERT_EQ(rule->filters.size(), 4u);
  EXPECT_EQ(rule->filters[0].headers.set.at(0).first, "X-A");
  EXPECT_EQ(rule->filters[0].headers.remove.at(0), "X-C");
  EXPECT_EQ(rule->filters[2].hostname, "in.example.com");
  EXPECT_EQ(rule->filters[2].path->type, "ReplacePrefixMatch");
  EXPECT_EQ(rule->filters[2].path->value, "/v2");
  ASSERT_EQ(rule->mirrors.size(), 1u);
  EXPECT_EQ(rule->mirrors[0].ref, "apps/shadow:80");
  EXPECT_EQ(rule->mirrors[0].endpoints.at(0).address, "198.51.100.20");
  EXPECT_EQ(rule->requestTimeoutMs, 10'000u);
  EXPECT_EQ(rule->backendTimeoutMs, 2'000u);
  ASSERT_EQ(rule->backends.size(), 1u);
  EXPECT_EQ(rule->backends[0].filters.at(0).headers.add.at(0).second, "5");
}

TEST_F(Filters, RedirectDefaultsTo302) {
  const Translation t = run("{filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]}");
  ASSERT_NE(onlyRule(t), nullptr);
  EXPECT_EQ(onlyRule(t)->filters.at(0).statusCode, 302u);
  EXPECT_EQ(onlyRule(t)->filters.at(0).scheme, "https");
  EXPECT_TRUE(onlyRule(t)->backends.empty());
}

TEST_F(Filters, AMirrorThatDoesNotResolveSaysSoAndIsLeftOut) {
  const Translation t = run(R"({filters: [{type: RequestMirror, requestMirror: {backendRef: {name: missing, port: 80}}}],
      backendRefs: [{name: svc, port: 80}]})");
  const ObjectStatus* s = t.status("HTTPRoute", "apps/r");
  ASSERT_NE(s, nullptr);
  const Condition* refs = findCondition(s->parents.at(0).conditions, "ResolvedRefs");
  ASSERT_NE(refs, nullptr);
  EXPECT_EQ(refs->status, "False");
  EXPECT_EQ(refs->reason, "BackendNotFound");
  ASSERT_NE(onlyRule(t), nullptr);
  EXPECT_TRUE(onlyRule(t)->mirrors.empty());
}

TEST_F(Filters, WhatTheSpecRefuses) {
  expectRefused("{filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: F, name: f}}]}",
                "filter type ExtensionRef is not supported");
  expectRefused("{filters: [{type: CORS, cors: {allowOrigins: ['*']}}]}", "filter type CORS is not supported");
  expectRefused(R"({filters: [{type: RequestRedirect, requestRedirect: {scheme: https}},
      {type: URLRewrite, urlRewrite: {hostname: a.example.com}}]})",
                "RequestRedirect and URLRewrite cannot both be used");
  expectRefused(R"({filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-A, value: "1"}]}},
      {type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-B, value: "2"}]}}]})",
                "appears twice");
  expectRefused(R"({matches: [{path: {type: Exact, value: /a}}],
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}]})",
                "ReplacePrefixMatch needs every match of the rule to be a PathPrefix");
  expectRefused("{filters: [{type: RequestRedirect, requestRedirect: {statusCode: 305}}]}",
                "statusCode 305 is not 301, 302, 303, 307 or 308");
  expectRefused("{filters: [{type: RequestRedirect, requestRedirect: {scheme: ftp}}]}", "scheme ftp");
  expectRefused("{filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: 'bad name', value: x}]}}]}",
                "not a valid field name");
  expectRefused("{timeouts: {request: 1s, backendRequest: 2s}, backendRefs: [{name: svc, port: 80}]}",
                "backendRequest must not be longer than timeouts.request");
  expectRefused("{timeouts: {request: soon}, backendRefs: [{name: svc, port: 80}]}", "is not a duration");
  expectRefused("{retry: {attempts: 3, codes: [503]}, backendRefs: [{name: svc, port: 80}]}", "retry is not supported");
  expectRefused("{sessionPersistence: {type: Cookie}, backendRefs: [{name: svc, port: 80}]}",
                "sessionPersistence is not supported");
  expectRefused(R"({backendRefs: [{name: svc, port: 80, filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]}]})",
                "not supported on a backendRef");
  std::string many = "{filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {add: [";
  for (int i = 0; i < 40; ++i) many += "{name: X-Field-" + std::to_string(i) + ", value: " + std::string(30, 'v') + "},";
  many += "]}}]}";
  expectRefused(many, "exceed 1024 bytes");
}

}  // namespace
}  // namespace portico::cp
