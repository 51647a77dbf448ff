// porticoctl explain and the dataplane must give every request the same answer. One
// Gateway (listeners by exact, wildcard and no hostname on port 80; TLS passthrough on
// 443) with routes that split hosts by path, method, header and query, weights, invalid
// and endpoint-less backends and redirects is translated, pushed as the control plane
// pushes it (proto), compiled as the dataplane compiles it; then thousands of generated
// requests are routed by explain's routeRequest and by the dataplane's routeHttp /
// routeTls. The outcome must agree, a forwarded request must land on an endpoint of a
// backendRef explain names, and a redirect's Location and a rewritten path must be the
// same (explain computes them on its own, the proxy with dataplane/http/url_rewrite).

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

#include "controlplane/push/desired_state.h"
#include "controlplane/source/manifest_parser.h"
#include "controlplane/translate/request_match.h"
#include "dataplane/api/convert.h"
#include "dataplane/http/url_rewrite.h"
#include "dataplane/l7/route_select.h"
#include "dataplane/snapshot/compiler.h"
#include "tests/common/frames.h"

namespace portico {
namespace {

const char* kManifests = R"(
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
  addresses: [{value: 198.51.100.100}]
  listeners:
    - {name: any, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
    - {name: wild, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
    - {name: www, port: 80, protocol: HTTP, hostname: www.example.com, allowedRoutes: {namespaces: {from: All}}}
    - {name: tls, port: 443, protocol: TLS, tls: {mode: Passthrough}, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: www, namespace: apps, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: www}]
  hostnames: [www.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /api}}]
      backendRefs: [{name: a, port: 80, weight: 3}, {name: b, port: 80, weight: 1}]
    - matches: [{path: {type: Exact, value: /login}, method: POST}]
      backendRefs: [{name: c, port: 80}]
    - matches: [{headers: [{name: x-env, value: canary}]}]
      backendRefs: [{name: b, port: 80}]
    - matches: [{queryParams: [{name: v, value: "2"}]}]
      backendRefs: [{name: c, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /old}}]
      filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}}]
    - matches: [{path: {type: Exact, value: /broken}}]
      backendRefs: [{name: missing, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /v1/}}]
      filters: [{type: URLRewrite, urlRewrite: {hostname: in.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}]
      backendRefs: [{name: c, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /moved}}]
      filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: new.example.com, statusCode: 302}}]
    - backendRefs: [{name: a, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wild, namespace: apps, creationTimestamp: "2026-01-02T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: wild}]
  hostnames: ["*.example.com", "shop.example.com"]
  rules:
    - matches: [{path: {type: PathPrefix, value: /static}}]
      backendRefs: [{name: empty, port: 80}]
    - matches: [{path: {type: RegularExpression, value: "/items/[0-9]+"}}]
      backendRefs: [{name: missing, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs: [{name: b, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: deep, namespace: apps, creationTimestamp: "2026-01-03T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: wild}]
  hostnames: ["*.eu.example.com"]
  rules: [{matches: [{path: {type: PathPrefix, value: /eu}}], backendRefs: [{name: c, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: rest, namespace: apps, creationTimestamp: "2026-01-04T00:00:00Z"}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: any}]
  rules:
    - matches: [{path: {type: Exact, value: /health}}]
      backendRefs: [{name: c, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /app}, headers: [{name: x-env, type: RegularExpression, value: "can.*"}]}]
      backendRefs: [{name: a, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: db, namespace: apps}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: tls}]
  hostnames: ["*.db.example.com", "pg.example.com"]
  rules: [{backendRefs: [{name: a, port: 80}]}]
---
)";

std::string service(const std::string& name, const std::vector<std::string>& endpoints) {
  std::string out = "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                    ", namespace: apps}\nspec: {ports: [{name: web, port: 80, targetPort: 8080}]}\n---\n";
  if (endpoints.empty()) return out;
  out += "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: " + name +
         "-1, namespace: apps, labels: {kubernetes.io/service-name: " + name +
         "}}\naddressType: IPv4\nports: [{name: web, port: 8080}]\nendpoints:\n";
  for (const auto& e : endpoints) out += "  - addresses: [" + e + "]\n";
  return out + "---\n";
}

class Agreement : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string text = std::string(kManifests) + service("a", {"198.51.100.11", "198.51.100.12"}) +
                             service("b", {"198.51.100.21"}) + service("c", {"198.51.100.31", "198.51.100.32"}) +
                             service("empty", {});
    std::vector<cp::Problem> problems;
    parseManifests(text, "agreement.yaml", state_, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.toString();
    translation_ = cp::translate(state_);
    gateway_ = translation_.gateway("infra/gw");
    ASSERT_NE(gateway_, nullptr);
    const auto pushed = cp::buildDesiredState(translation_, {{"infra/gw", {"198.51.100.100"}}});
    auto desired = dp::api::fromProto(pushed);
    ASSERT_TRUE(desired.ok()) << desired.error().toString();
    dp::snapshot::PortRoute p;
    p.addresses.ipv4 = htonl(test::v4("198.51.100.2"));
    p.ipv4Prefix = 24;
    dp::snapshot::Compiler compiler({p}, neighbors_, 251);
    auto snap = compiler.compile(*desired, 1);
    ASSERT_TRUE(snap.ok()) << snap.error().toString();
    snap_ = std::move(*snap);
  }

  const dp::snapshot::L7Port* port(uint16_t number) const {
    for (const auto& p : snap_->l7Ports) {
      if (p.portBe == htons(number)) return &p;
    }
    return nullptr;
  }

  // What explain says and what the dataplane did agree; `why` says otherwise.
  bool agree(const cp::RoutingDecision& d, const dp::l7::RouteChoice& c, std::string& why) const {
    using dp::l7::Outcome;
    const std::string got = c.outcome == Outcome::kForward ? "forward to " + snap_->backends[c.backendId].address.toString()
                            : c.outcome == Outcome::kNotFound       ? "404/reject"
                            : c.outcome == Outcome::kInvalidBackend ? "500"
                            : c.outcome == Outcome::kUnavailable    ? "503"
                                                                    : "redirect";
    why = "explain: " + d.status + " (" + d.reason + "); dataplane: " + got;
    if (d.status == "200" || d.status == "forward") {
      if (c.outcome != Outcome::kForward) return false;
      const std::string address = snap_->backends[c.backendId].address.toString();
      for (const auto* b : d.backends) {
        for (const auto& e : b->endpoints) {
          if (e.address == address) return true;
        }
      }
      return false;
    }
    if (d.status == "404" || d.status == "reject") return c.outcome == Outcome::kNotFound || (d.status == "reject" && c.outcome != Outcome::kForward);
    if (d.status == "500") return c.outcome == Outcome::kInvalidBackend;
    if (d.status == "503") return c.outcome == Outcome::kUnavailable;
    if (d.status == "302") return c.outcome == Outcome::kRedirect;
    return false;
  }

  cp::ClusterState state_;
  cp::Translation translation_;
  const cp::GatewayState* gateway_ = nullptr;
  dp::arp::NeighborCache neighbors_;
  std::shared_ptr<const dp::snapshot::Snapshot> snap_;
};

TEST_F(Agreement, GeneratedHttpRequests) {
  const std::vector<std::string> hosts = {"www.example.com", "WWW.example.com:80", "shop.example.com", "a.example.com",
                                          "x.y.example.com", "a.eu.example.com", "b.c.eu.example.com", "example.com",
                                          "other.net", "eu.example.com"};
  const std::vector<std::string> paths = {"/",       "/api",       "/api/v1", "/apix",   "/login",  "/login/x",
                                          "/old/a",  "/static/x",  "/items/42", "/items/x", "/eu/x",  "/health",
                                          "/app/1",  "/health/", "/broken", "/v1",   "/v1/x/y",  "/moved/z"};
  std::mt19937 rng(20261206);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  std::set<std::string> outcomes;
  int rewrites = 0;
  for (int n = 0; n < 5000; ++n) {
    cp::Request r;
    r.port = 80;
    r.host = pick(hosts);
    r.path = pick(paths);
    r.method = rng() % 3 == 0 ? "POST" : "GET";
    std::string extra;
    if (rng() % 3 == 0) {
      r.headers.emplace_back("X-Env", "canary");
      extra += "X-Env: canary\r\n";
    }
    std::string target = r.path;
    if (rng() % 3 == 0) {
      r.query.emplace_back("v", "2");
      target += "?v=2";
    }
    const uint64_t hash = (static_cast<uint64_t>(rng()) << 32) | rng();
    std::string head = r.method + " " + target + " HTTP/1.1\r\nHost: " + *r.host + "\r\n" + extra + "\r\n";
    dp::l7::HttpRequestHead parsed;
    ASSERT_EQ(dp::l7::parseRequestHead({reinterpret_cast<uint8_t*>(head.data()), head.size()}, 16384, parsed).status,
              dp::l7::ParseStatus::kComplete);
    const cp::RoutingDecision d = cp::routeRequest(*gateway_, r);
    const dp::l7::RouteChoice c = dp::l7::routeHttp(*port(80), parsed, snap_->scratch->forWorker(0), hash);
    std::string why;
    ASSERT_TRUE(agree(d, c, why)) << head << why;
    outcomes.insert(d.status);
    // What the filters make of the request: the dataplane's own path rewrite and Location.
    char path[256], location[512];
    if (c.outcome == dp::l7::Outcome::kRedirect) {
      const auto& redirect = *c.filters->redirect;
      const std::string_view p =
          dp::http::rewritePath(parsed.path, redirect.pathType, redirect.path, c.route->match.path, path);
      const uint32_t n = dp::http::writeLocation(redirect, "http", parsed.host(), 80, p, parsed.query, location);
      ASSERT_EQ(std::string(location, n), d.effect.location) << head;
    } else if (c.filters != nullptr && c.filters->rewrite) {
      const auto& rewrite = *c.filters->rewrite;
      ASSERT_EQ(std::string(dp::http::rewritePath(parsed.path, rewrite.pathType, rewrite.path, c.route->match.path, path)),
                d.effect.path)
          << head;
      ASSERT_EQ(rewrite.hostname, d.effect.host) << head;
      rewrites++;
    }
  }
  // The generated requests reach every outcome, or the test proves less than it says.
  EXPECT_EQ(outcomes, (std::set<std::string>{"200", "302", "404", "500", "503"}));
  EXPECT_GT(rewrites, 0);
}

TEST_F(Agreement, GeneratedTlsServerNames) {
  const std::vector<std::string> names = {"pg.example.com", "a.db.example.com", "x.y.db.example.com", "db.example.com",
                                          "PG.example.com", "mysql.example.com", ""};
  std::mt19937 rng(7);
  std::set<std::string> outcomes;
  for (int n = 0; n < 500; ++n) {
    cp::Request r;
    r.port = 443;
    const std::string name = names[rng() % names.size()];
    r.sni = name;
    const cp::RoutingDecision d = cp::routeRequest(*gateway_, r);
    std::string lowered = name;
    for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const dp::l7::RouteChoice c = dp::l7::routeTls(*port(443), lowered, rng());
    std::string why;
    ASSERT_TRUE(agree(d, c, why)) << "SNI '" << name << "': " << why;
    outcomes.insert(d.status);
  }
  EXPECT_EQ(outcomes, (std::set<std::string>{"forward", "reject"}));
}

}  // namespace
}  // namespace portico
