#include "controlplane/translate/ingress.h"

#include <gtest/gtest.h>

#include <string>

#include "controlplane/ctl/manifest_writer.h"
#include "controlplane/source/manifest_parser.h"
#include "controlplane/translate/addresses.h"
#include "controlplane/translate/request_match.h"
#include "controlplane/translate/translation.h"

namespace portico::cp {
namespace {

// The IngressClass of ours, Services web (port http 80 -> 8080) and api (8080), and their
// endpoints in namespace shop.
constexpr const char* kBase = R"(
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: portico}
spec: {controller: portico.dev/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-a, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [198.51.100.11]}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {ports: [{port: 8080}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-a, namespace: shop, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{port: 8080}]
endpoints: [{addresses: [198.51.100.12]}]
)";

std::string ingress(const std::string& name, const std::string& annotations, const std::string& spec) {
  return "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name +
         "\n  namespace: shop\n  annotations: {" + annotations + "}\nspec:\n" + spec;
}

class IngressConversionTest : public ::testing::Test {
 protected:
  void load(const std::string& text) {
    state_ = {};
    std::vector<Problem> problems;
    parseManifests(std::string(kBase) + text, "m.yaml", state_, problems);
    ASSERT_TRUE(problems.empty()) << problems[0].toString();
    settings_.enabled = true;
    settings_.namePrefix = "ingress.";
    conversion_ = convertIngresses(state_, settings_);
    translation_ = translate(withIngresses(state_, conversion_, settings_));
  }

  // Where a request goes through the served Ingresses: "backend ref", or the status and
  // the redirect's location.
  std::string route(const std::string& host, const std::string& path, uint32_t port = 80) const {
    const GatewayState* gw = translation_.gateway(settings_.gatewayNamespace + "/" + settings_.gatewayName);
    if (gw == nullptr) return "no gateway";
    Request r;
    r.port = port;
    r.host = host;
    r.sni = port == 443 ? std::optional<std::string>(host) : std::nullopt;
    r.path = path;
    const RoutingDecision d = routeRequest(*gw, r);
    if (d.effect.redirectStatus != 0) return d.status + " " + d.effect.location;
    if (d.backends.size() == 1 && d.status == "200") {
      std::string out = d.backends[0]->ref;
      if (d.effect.path != path) out += " path " + d.effect.path;
      if (!d.effect.host.empty() && d.effect.host != host) out += " host " + d.effect.host;
      return out;
    }
    return d.status;
  }

  bool noted(const std::string& part) const {
    for (const auto& n : conversion_.notes) {
      if (n.toString().find(part) != std::string::npos) return true;
    }
    return false;
  }

  ClusterState state_;
  IngressSettings settings_;
  IngressConversion conversion_;
  Translation translation_;
};

TEST_F(IngressConversionTest, OnlyIngressesOfOurClassAreServed) {
  load(ingress("a", "", "  ingressClassName: portico\n  rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n") +
       ingress("b", "kubernetes.io/ingress.class: portico",
               "  rules: [{host: b.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n") +
       ingress("c", "", "  ingressClassName: nginx\n  rules: [{host: c.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n") +
       ingress("d", "", "  rules: [{host: d.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n"));
  EXPECT_EQ(conversion_.ingresses, (std::vector<std::string>{"shop/a", "shop/b"}));
  EXPECT_EQ(route("a.example.com", "/"), "shop/web:80");
  EXPECT_EQ(route("b.example.com", "/x"), "shop/web:80");
  EXPECT_EQ(route("c.example.com", "/"), "404");
  EXPECT_EQ(route("d.example.com", "/"), "404") << "no class, and ours is not the default";

  // Marked the default class, ours takes Ingresses that name none.
  state_.ingressClasses.edit(0).isDefault = true;
  EXPECT_TRUE(isOurIngress(state_.ingresses[3], state_));
  EXPECT_FALSE(isOurIngress(state_.ingresses[2], state_));
}

TEST_F(IngressConversionTest, HostsPathsAndTheDefaultBackendRouteAsIngressDoes) {
  load(ingress("shop", "",
               "  ingressClassName: portico\n"
               "  defaultBackend: {service: {name: api, port: {number: 8080}}}\n"
               "  rules:\n"
               "  - host: shop.example.com\n"
               "    http:\n"
               "      paths:\n"
               "      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}\n"
               "      - {path: /exact, pathType: Exact, backend: {service: {name: api, port: {number: 8080}}}}\n"
               "      - {path: /, pathType: ImplementationSpecific, backend: {service: {name: web, port: {name: http}}}}\n"
               "  - host: '*.example.org'\n"
               "    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n"));
  EXPECT_EQ(route("shop.example.com", "/api/orders"), "shop/api:8080");
  EXPECT_EQ(route("shop.example.com", "/apiary"), "shop/web:80") << "Prefix matches whole path elements";
  EXPECT_EQ(route("shop.example.com", "/exact"), "shop/api:8080");
  EXPECT_EQ(route("shop.example.com", "/exact/more"), "shop/web:80");
  EXPECT_EQ(route("shop.example.com", "/cart"), "shop/web:80") << "the port named http resolved to 80";
  EXPECT_EQ(route("x.example.org", "/"), "shop/web:80");
  // Gateway API's wildcard takes deeper names too, where Ingress's takes one label: said.
  EXPECT_EQ(route("a.b.example.org", "/"), "shop/web:80");
  EXPECT_TRUE(noted("spec.rules[1].host: changed: Gateway API's *.example.org also takes names of more than one label"));
  EXPECT_EQ(route("other.example.net", "/anything"), "shop/api:8080");
  ASSERT_EQ(conversion_.routes.size(), 3u);
  EXPECT_EQ(conversion_.routes[0].meta.name, "ingress.shop-shop-example-com");
  EXPECT_EQ(conversion_.routes[1].meta.name, "ingress.shop-wildcard-example-org");
  EXPECT_EQ(conversion_.routes[2].meta.name, "ingress.shop-default");
  ASSERT_TRUE(conversion_.gateway);
  EXPECT_EQ(conversion_.gateway->listeners.size(), 1u) << "HTTP only without tls";
  // What was made exists only in the control plane: no status is written for it.
  std::set<std::string> made;
  withIngresses(state_, conversion_, settings_, &made);
  EXPECT_EQ(made, (std::set<std::string>{"GatewayClass portico", "Gateway portico-system/ingress",
                                         "HTTPRoute shop/ingress.shop-shop-example-com",
                                         "HTTPRoute shop/ingress.shop-wildcard-example-org",
                                         "HTTPRoute shop/ingress.shop-default"}));
}

TEST_F(IngressConversionTest, TlsHostsGetHttpsListenersAndHttpRedirects) {
  load(ingress("secure", "",
               "  ingressClassName: portico\n"
               "  tls: [{hosts: [secure.example.com], secretName: secure-cert}]\n"
               "  rules:\n"
               "  - host: secure.example.com\n"
               "    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n"
               "  - host: plain.example.com\n"
               "    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}\n") +
       ingress("forced", "nginx.ingress.kubernetes.io/force-ssl-redirect: 'true'",
               "  ingressClassName: portico\n"
               "  rules: [{host: forced.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n") +
       ingress("optout", "nginx.ingress.kubernetes.io/ssl-redirect: 'false'",
               "  ingressClassName: portico\n"
               "  tls: [{hosts: [optout.example.com], secretName: optout-cert}]\n"
               "  rules: [{host: optout.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]}}]\n"));
  ASSERT_TRUE(conversion_.gateway);
  const auto& listeners = conversion_.gateway->listeners;
  ASSERT_EQ(listeners.size(), 3u);
  EXPECT_EQ(listeners[1].name, "https-optout-example-com") << "Ingresses in age order, then by name";
  EXPECT_EQ(listeners[2].name, "https-secure-example-com");
  EXPECT_EQ(listeners[2].protocol, "HTTPS");
  EXPECT_EQ(listeners[2].port, 443u);
  EXPECT_EQ(listeners[2].hostname, "secure.example.com");
  ASSERT_EQ(listeners[2].certificateRefs.size(), 1u);
  EXPECT_EQ(listeners[2].certificateRefs[0].ns, "shop");
  EXPECT_EQ(listeners[2].certificateRefs[0].name, "secure-cert");
  // The Gateway (portico-system) reads the Secrets in shop with shop's permission.
  ASSERT_EQ(conversion_.grants.size(), 1u);
  EXPECT_EQ(conversion_.grants[0].meta.ns, "shop");
  EXPECT_EQ(conversion_.grants[0].from[0].ns, "portico-system");
  ASSERT_EQ(conversion_.grants[0].to.size(), 2u);

  EXPECT_EQ(route("secure.example.com", "/login"), "308 https://secure.example.com/login");
  EXPECT_EQ(route("plain.example.com", "/"), "shop/web:80") << "a host without a certificate is served over HTTP";
  EXPECT_EQ(route("optout.example.com", "/"), "shop/api:8080") << "ssl-redirect: false";
  EXPECT_EQ(route("forced.example.com", "/x"), "308 https://forced.example.com/x") << "force-ssl-redirect, no certificate";
  EXPECT_TRUE(noted("no HTTPS listener serves forced.example.com: only the redirect is made"));
  EXPECT_TRUE(noted("RequestRedirect to https (308)"));
}

TEST_F(IngressConversionTest, NginxAnnotationsBecomeFiltersOrAreReported) {
  load(R"(
---
apiVersion: v1
kind: ConfigMap
metadata: {name: headers, namespace: shop}
data: {X-Team: storefront}
)" + ingress("annotated",
             "nginx.ingress.kubernetes.io/rewrite-target: /, "
             "nginx.ingress.kubernetes.io/upstream-vhost: internal.shop, "
             "nginx.ingress.kubernetes.io/proxy-set-headers: headers, "
             "nginx.ingress.kubernetes.io/proxy-read-timeout: '30', "
             "nginx.ingress.kubernetes.io/auth-url: 'http://auth/check', "
             "nginx.ingress.kubernetes.io/limit-rps: '5', "
             "nginx.ingress.kubernetes.io/configuration-snippet: 'more_set_headers \"X-Frame-Options: DENY\"; proxy_set_header X-Env prod; rewrite ^ /x;'",
             "  ingressClassName: portico\n"
             "  rules: [{host: a.example.com, http: {paths: [{path: /old, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n") +
       ingress("captures", "nginx.ingress.kubernetes.io/rewrite-target: /$2, nginx.ingress.kubernetes.io/app-root: /app",
               "  ingressClassName: portico\n"
               "  rules: [{host: b.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]}}]\n") +
       ingress("regex", "nginx.ingress.kubernetes.io/use-regex: 'true'",
               "  ingressClassName: portico\n"
               "  rules: [{host: d.example.com, http: {paths: [{path: '/v[0-9]+', pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 8080}}}}]}}]\n") +
       ingress("moved", "nginx.ingress.kubernetes.io/permanent-redirect: 'https://new.example.com/landing'",
               "  ingressClassName: portico\n"
               "  rules: [{host: c.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]}}]\n"));
  EXPECT_EQ(route("a.example.com", "/old/page"), "shop/web:80 path / host internal.shop");
  const HttpRoute& r = conversion_.routes[0];
  ASSERT_EQ(r.rules.size(), 1u);
  const auto& filters = r.rules[0].filters;
  ASSERT_EQ(filters.size(), 3u);
  EXPECT_EQ(filters[0].type, "URLRewrite") << "rewrite-target and upstream-vhost: one filter";
  EXPECT_EQ(filters[1].type, "RequestHeaderModifier");
  EXPECT_EQ(filters[1].headers.set,
            (std::vector<std::pair<std::string, std::string>>{{"X-Env", "prod"}, {"X-Team", "storefront"}}));
  EXPECT_EQ(filters[2].type, "ResponseHeaderModifier");
  EXPECT_EQ(filters[2].headers.set, (std::vector<std::pair<std::string, std::string>>{{"X-Frame-Options", "DENY"}}));
  EXPECT_EQ(r.rules[0].backendRequestTimeout, "30s");
  EXPECT_TRUE(noted("Ingress shop/annotated annotation nginx.ingress.kubernetes.io/auth-url: not carried over: authentication"));
  EXPECT_TRUE(noted("nginx.ingress.kubernetes.io/limit-rps: not carried over: rate limits"));
  EXPECT_TRUE(noted("'rewrite ^ /x;' is nginx configuration, not carried over"));
  EXPECT_TRUE(noted("timeouts.backendRequest 30s"));

  EXPECT_TRUE(noted("'/$2' uses capture groups"));
  EXPECT_EQ(route("b.example.com", "/"), "302 http://b.example.com/app") << "app-root";
  EXPECT_EQ(route("b.example.com", "/x"), "shop/api:8080") << "the captures' rewrite is left out, not guessed";
  EXPECT_EQ(route("c.example.com", "/any"), "301 https://new.example.com/landing");
  // use-regex: a regular expression from the path's start.
  EXPECT_EQ(route("d.example.com", "/v2/items"), "shop/api:8080");
  EXPECT_EQ(route("d.example.com", "/vx"), "404");
  EXPECT_TRUE(noted("a regular expression (use-regex)"));
}

// An HTTPRoute that names the Ingresses' Gateway and claims a host an Ingress serves is
// reported, never left to precedence silently.
TEST_F(IngressConversionTest, AnHttpRouteOnTheIngressGatewayForAnIngressHostIsReported) {
  load(ingress("shop", "", "  ingressClassName: portico\n  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n") +
       R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: intruder, namespace: shop}
spec:
  parentRefs: [{name: ingress, namespace: portico-system}]
  hostnames: [shop.example.com, other.example.com]
  rules: [{backendRefs: [{name: api, port: 8080}]}]
)");
  const auto conflicts = ingressConflicts(translation_, conversion_, settings_);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0],
            "HTTPRoute shop/intruder and the Ingress served as HTTPRoute shop/ingress.shop both serve host shop.example.com "
            "on Gateway portico-system/ingress: Gateway API's precedence decides each request between them");
}

// The Ingresses' Gateway is as old as its oldest Ingress: an operator's older Gateway that
// asks for the same address keeps it, and the refusal names it.
TEST_F(IngressConversionTest, AnOlderGatewayKeepsAnAddressTheIngressesAskFor) {
  settings_.addresses = {"192.0.2.130"};
  load(R"(
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop, creationTimestamp: '2026-06-01T00:00:00Z'}
spec:
  ingressClassName: portico
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: web, namespace: infra, creationTimestamp: '2026-01-01T00:00:00Z'}
spec:
  gatewayClassName: portico
  addresses: [{type: IPAddress, value: 192.0.2.130}]
  listeners: [{name: http, port: 80, protocol: HTTP}]
)");
  ASSERT_TRUE(conversion_.gateway);
  EXPECT_EQ(conversion_.gateway->meta.creationTimestamp, "2026-06-01T00:00:00Z");
  const ClusterState served = withIngresses(state_, conversion_, settings_);
  std::vector<const Gateway*> gateways;
  for (const auto& g : served.gateways) gateways.push_back(&g);
  std::vector<Problem> problems;
  const auto assigned = assignAddresses(gateways, {}, {}, problems);
  EXPECT_EQ(assigned.at("infra/web"), std::vector<std::string>{"192.0.2.130"});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].toString().find("192.0.2.130 is already the address of Gateway infra/web"), std::string::npos)
      << problems[0].toString();
}

// Without addresses, the Ingresses' Gateway takes one from the pool configured (the
// Gateway annotation portico.dev/address-pool), not merely the first pool.
TEST_F(IngressConversionTest, ThePoolConfiguredGivesTheAddress) {
  settings_.pool = "edge";
  load(ingress("shop", "", "  ingressClassName: portico\n  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n"));
  ASSERT_TRUE(conversion_.gateway);
  const ClusterState served = withIngresses(state_, conversion_, settings_);
  std::vector<const Gateway*> gateways;
  for (const auto& g : served.gateways) gateways.push_back(&g);
  std::vector<Problem> problems;
  const std::vector<AddressPool> pools{{"first", {"192.0.2.150"}}, {"edge", {"192.0.2.140"}}};
  const auto assigned = assignAddresses(gateways, pools, {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(assigned.at("portico-system/ingress"), std::vector<std::string>{"192.0.2.140"});
  EXPECT_NE(conversionYaml(conversion_).find("portico.dev/address-pool: edge"), std::string::npos);
}

// Migrating onto a shared Gateway the cluster has (the seed's flex-gateway): the routes
// attach to its listeners, no Gateway or grant is made, and the YAML written reads back
// to the same routes.
TEST_F(IngressConversionTest, MigratesOntoASharedGatewayAndTheYamlReadsBack) {
  settings_.gatewayNamespace = "infra";
  settings_.gatewayName = "flex-gateway";
  load(R"(
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: portico}
spec: {controllerName: portico.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: flex-gateway, namespace: infra}
spec:
  gatewayClassName: portico
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: '*.sjc.example.com', allowedRoutes: {namespaces: {from: All}}}
  - name: https
    port: 443
    protocol: HTTPS
    hostname: '*.sjc.example.com'
    tls: {certificateRefs: [{name: wildcard}]}
    allowedRoutes: {namespaces: {from: All}}
)" + ingress("prometheus", "",
             "  ingressClassName: portico\n"
             "  tls: [{hosts: [prometheus.sjc.example.com], secretName: ignored}]\n"
             "  rules: [{host: prometheus.sjc.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]\n"));
  EXPECT_FALSE(conversion_.gateway);
  EXPECT_TRUE(conversion_.grants.empty());
  ASSERT_EQ(conversion_.routes.size(), 2u);
  EXPECT_EQ(conversion_.routes[0].parentRefs[0].name, "flex-gateway");
  EXPECT_EQ(conversion_.routes[0].parentRefs[0].sectionName, "https");
  EXPECT_EQ(conversion_.routes[1].parentRefs[0].sectionName, "http");
  EXPECT_EQ(route("prometheus.sjc.example.com", "/graph"), "308 https://prometheus.sjc.example.com/graph");

  const std::string yaml = conversionYaml(conversion_);
  ClusterState back;
  std::vector<Problem> problems;
  parseManifests(yaml, "out.yaml", back, problems);
  ASSERT_TRUE(problems.empty()) << problems[0].toString() << "\n" << yaml;
  ASSERT_EQ(back.httpRoutes.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const HttpRoute& a = conversion_.routes[i];
    const HttpRoute& b = back.httpRoutes[i];
    EXPECT_EQ(b.meta.key(), a.meta.key());
    EXPECT_EQ(b.hostnames, a.hostnames);
    ASSERT_EQ(b.parentRefs.size(), a.parentRefs.size());
    EXPECT_EQ(b.parentRefs[0].sectionName, a.parentRefs[0].sectionName);
    ASSERT_EQ(b.rules.size(), a.rules.size());
    EXPECT_EQ(b.rules[0].matches[0].pathType, a.rules[0].matches[0].pathType);
    EXPECT_EQ(b.rules[0].filters.size(), a.rules[0].filters.size());
    EXPECT_EQ(b.rules[0].backendRefs.size(), a.rules[0].backendRefs.size());
  }
  EXPECT_NE(yaml.find("# Ingress shop/prometheus spec.tls: becomes: HTTP requests"), std::string::npos) << yaml;
}

}  // namespace
}  // namespace portico::cp
