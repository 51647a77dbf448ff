// Routing one request: listener choice and isolation, HTTPRoute precedence down to rule
// order, and what the client gets (200, 404, 421, 500, 503; forward or reject for TLS).

#include "controlplane/translate/request_match.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

ResolvedBackend served(const std::string& ref, uint32_t weight = 1) {
  return ResolvedBackend{ref, weight, ResolvedBackend::Outcome::kServed, "", {{"198.51.100.11", 8080}}};
}

HttpRouteMatch match(const std::string& type, const std::string& path) {
  HttpRouteMatch m;
  m.pathType = type;
  m.pathValue = path;
  return m;
}

AttachedRoute route(const std::string& key, std::vector<std::string> hostnames, std::vector<AttachedRule> rules,
                    const std::string& created = "2026-01-01T00:00:00Z") {
  return AttachedRoute{"HTTPRoute", key, created, std::move(hostnames), std::move(rules)};
}

AttachedRule rule(std::vector<HttpRouteMatch> matches, const std::string& backend) {
  return AttachedRule{std::move(matches), {served(backend)}};
}

GatewayState gateway(std::vector<ListenerState> listeners) { return GatewayState{"infra/gw", {}, std::move(listeners)}; }

ListenerState http(const std::string& name, std::optional<std::string> hostname, std::vector<AttachedRoute> routes,
                   uint32_t port = 80, const std::string& protocol = "HTTP") {
  return ListenerState{name, port, protocol, std::move(hostname), "", true, std::move(routes)};
}

Request get(const std::string& host, const std::string& path = "/") {
  Request r;
  r.port = 80;
  r.host = host;
  r.path = path;
  return r;
}

std::string backendOf(const RoutingDecision& d) { return d.backends.size() == 1 ? d.backends[0]->ref : "(none)"; }

TEST(PathMatch, PrefixComparesWholeElements) {
  EXPECT_TRUE(pathMatches(match("PathPrefix", "/foo"), "/foo"));
  EXPECT_TRUE(pathMatches(match("PathPrefix", "/foo"), "/foo/bar"));
  EXPECT_TRUE(pathMatches(match("PathPrefix", "/foo/"), "/foo"));
  EXPECT_FALSE(pathMatches(match("PathPrefix", "/foo"), "/foobar"));
  EXPECT_TRUE(pathMatches(match("PathPrefix", "/"), "/anything"));
  EXPECT_TRUE(pathMatches(match("Exact", "/login"), "/login"));
  EXPECT_FALSE(pathMatches(match("Exact", "/login"), "/login/"));
  EXPECT_TRUE(pathMatches(match("RegularExpression", "/v[0-9]+/.*"), "/v2/items"));
  EXPECT_FALSE(pathMatches(match("RegularExpression", "/v[0-9]+"), "/v2/items"));  // whole path
}

TEST(Precedence, PreciseHostnameBeatsWildcardBeatsAny) {
  const auto gw = gateway({http("http", std::nullopt,
                                {route("a/any", {""}, {rule({match("PathPrefix", "/")}, "a/any:80")}),
                                 route("a/wild", {"*.example.com"}, {rule({match("PathPrefix", "/")}, "a/wild:80")}),
                                 route("a/www", {"www.example.com"}, {rule({match("PathPrefix", "/")}, "a/www:80")})})});
  EXPECT_EQ(backendOf(routeRequest(gw, get("www.example.com"))), "a/www:80");
  EXPECT_EQ(backendOf(routeRequest(gw, get("api.example.com"))), "a/wild:80");
  EXPECT_EQ(backendOf(routeRequest(gw, get("other.net"))), "a/any:80");
  EXPECT_EQ(backendOf(routeRequest(gw, get("www.example.com:8080"))), "a/www:80");  // the Host port is ignored
}

TEST(Precedence, ExactPathThenLongestPrefixThenMethodHeadersQuery) {
  HttpRouteMatch post = match("PathPrefix", "/api");
  post.method = "POST";
  HttpRouteMatch twoHeaders = match("PathPrefix", "/api");
  twoHeaders.headers = {{"Exact", "x-a", "1"}, {"Exact", "x-b", "2"}};
  HttpRouteMatch oneHeader = match("PathPrefix", "/api");
  oneHeader.headers = {{"Exact", "X-A", "1"}};
  HttpRouteMatch query = match("PathPrefix", "/api");
  query.queryParams = {{"Exact", "v", "2"}};
  const auto gw = gateway({http("http", std::nullopt,
                                {route("a/r", {""},
                                       {rule({match("PathPrefix", "/")}, "root"), rule({match("PathPrefix", "/api")}, "api"),
                                        rule({match("Exact", "/api/login")}, "login"), rule({post}, "post"),
                                        rule({oneHeader}, "one-header"), rule({twoHeaders}, "two-headers"),
                                        rule({query}, "query")})})});
  EXPECT_EQ(backendOf(routeRequest(gw, get("h", "/other"))), "root");
  EXPECT_EQ(backendOf(routeRequest(gw, get("h", "/api/items"))), "api");
  EXPECT_EQ(backendOf(routeRequest(gw, get("h", "/api/login"))), "login");
  Request r = get("h", "/api/x");
  r.method = "POST";
  r.headers = {{"x-a", "1"}, {"x-b", "2"}};
  EXPECT_EQ(backendOf(routeRequest(gw, r)), "post");  // a method match outranks header matches
  r.method = "GET";
  EXPECT_EQ(backendOf(routeRequest(gw, r)), "two-headers");
  r.headers = {{"x-a", "1"}};
  EXPECT_EQ(backendOf(routeRequest(gw, r)), "one-header");  // header names are case-insensitive
  r.headers.clear();
  r.query = parseQuery("v=2&w=3");
  EXPECT_EQ(backendOf(routeRequest(gw, r)), "query");
}

TEST(Precedence, TiesGoToTheOldestRouteThenNameThenRuleOrder) {
  const auto gw = gateway({http("http", std::nullopt,
                                {route("b/newer", {""}, {rule({match("PathPrefix", "/")}, "newer")}, "2026-02-01T00:00:00Z"),
                                 route("b/older", {""}, {rule({match("PathPrefix", "/")}, "older")}, "2026-01-01T00:00:00Z")})});
  EXPECT_EQ(backendOf(routeRequest(gw, get("h"))), "older");
  const auto byName = gateway({http("http", std::nullopt,
                                    {route("b/zeta", {""}, {rule({match("PathPrefix", "/")}, "zeta")}),
                                     route("a/alpha", {""}, {rule({match("PathPrefix", "/")}, "alpha")})})});
  EXPECT_EQ(backendOf(routeRequest(byName, get("h"))), "alpha");
  const auto byRule = gateway({http("http", std::nullopt,
                                    {route("a/r", {""}, {rule({match("PathPrefix", "/")}, "first"),
                                                         rule({match("PathPrefix", "/")}, "second")})})});
  EXPECT_EQ(backendOf(routeRequest(byRule, get("h"))), "first");
}

TEST(Listeners, MostSpecificListenerWinsAndIsolatesItsRoutes) {
  const auto gw = gateway({http("wild", "*.example.com", {route("a/wild", {""}, {rule({match("PathPrefix", "/")}, "wild")})}),
                           http("foo", "foo.example.com", {route("a/foo", {""}, {rule({match("Exact", "/only")}, "foo")})})});
  auto d = routeRequest(gw, get("foo.example.com", "/only"));
  EXPECT_EQ(d.listener->name, "foo");
  EXPECT_EQ(backendOf(d), "foo");
  d = routeRequest(gw, get("foo.example.com", "/elsewhere"));
  EXPECT_EQ(d.status, "404");  // the wildcard listener's route is not consulted
  EXPECT_EQ(routeRequest(gw, get("bar.example.com")).listener->name, "wild");
  EXPECT_EQ(routeRequest(gw, get("example.com")).status, "404");
}

TEST(Listeners, HttpsHostMustBelongToTheSniListener) {
  const auto gw = gateway({http("a", "a.example.com", {route("x/a", {""}, {rule({match("PathPrefix", "/")}, "a")})}, 443, "HTTPS"),
                           http("b", "b.example.com", {route("x/b", {""}, {rule({match("PathPrefix", "/")}, "b")})}, 443, "HTTPS")});
  Request r;
  r.port = 443;
  r.sni = "a.example.com";
  r.host = "a.example.com";
  EXPECT_EQ(backendOf(routeRequest(gw, r)), "a");
  r.host = "b.example.com";
  EXPECT_EQ(routeRequest(gw, r).status, "421");
}

// Gateway API wildcards cover any depth, for SNI too (as the dataplane matches them).
TEST(Tls, PassthroughBySniWithWildcardsOfAnyDepth) {
  ListenerState l{"tls", 443, "TLS", std::nullopt, "Passthrough", true,
                  {AttachedRoute{"TLSRoute", "db/pg", "", {"*.db.example.com"}, {AttachedRule{{}, {served("db/pg:5432")}}}}}};
  const auto gw = gateway({l});
  Request r;
  r.port = 443;
  r.sni = "main.db.example.com";
  EXPECT_EQ(routeRequest(gw, r).status, "forward");
  r.sni = "a.main.db.example.com";
  EXPECT_EQ(routeRequest(gw, r).status, "forward");
  r.sni = "db.example.com";
  EXPECT_EQ(routeRequest(gw, r).status, "reject");
  r.port = 8443;
  EXPECT_EQ(routeRequest(gw, r).status, "reject") << "no listener: reset, as the dataplane does, not 404";
}

TEST(Outcomes, InvalidAndEmptyBackendsAndWeightedSplits) {
  ResolvedBackend bad{"a/bad:80", 1, ResolvedBackend::Outcome::kInvalid, "Service a/bad does not exist", {}};
  ResolvedBackend empty{"a/empty:80", 1, ResolvedBackend::Outcome::kNoEndpoints, "Service a/empty has no ready endpoints", {}};
  auto one = [](ResolvedBackend b) {
    return gateway({http("http", std::nullopt, {route("a/r", {""}, {AttachedRule{{match("PathPrefix", "/")}, {b}}})})});
  };
  EXPECT_EQ(routeRequest(one(bad), get("h")).status, "500");
  EXPECT_EQ(routeRequest(one(empty), get("h")).status, "503");
  const auto noBackends = gateway({http("http", std::nullopt, {route("a/r", {""}, {AttachedRule{{match("PathPrefix", "/")}, {}}})})});
  EXPECT_EQ(routeRequest(noBackends, get("h")).status, "500");
  const auto split = gateway({http("http", std::nullopt,
                                   {route("a/r", {""}, {AttachedRule{{match("PathPrefix", "/")}, {served("a/x:80", 3), served("a/y:80", 1)}}})})});
  const auto d = routeRequest(split, get("h"));
  EXPECT_EQ(d.status, "200");
  EXPECT_EQ(d.backends.size(), 2u);
}

TEST(Tls, PreciseSniRouteBeatsAnOlderWildcard) {
  ListenerState l{"tls", 443, "TLS", std::nullopt, "Passthrough", true,
                  {AttachedRoute{"TLSRoute", "db/any", "2026-01-01", {"*.example.com"}, {AttachedRule{{}, {served("any")}}}},
                   AttachedRoute{"TLSRoute", "db/pg", "2026-02-01", {"db.example.com"}, {AttachedRule{{}, {served("pg")}}}}}};
  Request r;
  r.port = 443;
  r.sni = "db.example.com";
  EXPECT_EQ(backendOf(routeRequest(gateway({l}), r)), "pg");
}

}  // namespace
}  // namespace portico::cp
