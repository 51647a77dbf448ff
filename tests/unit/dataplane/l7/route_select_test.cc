// Route choice on compiled snapshots, cases from the Gateway API spec: listener choice
// and isolation, path prefix on element boundaries, exact and regular-expression paths,
// method, header and query matches, weights and the 500 / 503 outcomes.

#include "dataplane/l7/route_select.h"

#include <gtest/gtest.h>

#include <string>

#include "dataplane/snapshot/compiler.h"
#include "tests/common/frames.h"

namespace portico::dp::l7 {
namespace {

using namespace snapshot;

pkt::IpAddress ip(const char* t) { return *pkt::IpAddress::parse(t); }

L7BackendSpec backend(const char* address, uint32_t weight = 1) {
  return L7BackendSpec{std::string("apps/") + address, weight, false, {{ip(address), 8080, 1, BackendState::kActive}}};
}

L7RouteSpec routeSpec(const std::string& name, RouteMatchSpec match, std::vector<L7BackendSpec> backends) {
  return L7RouteSpec{name, std::move(match), std::move(backends)};
}

RouteMatchSpec path(PathMatchType type, const std::string& value) {
  RouteMatchSpec m;
  m.pathType = type;
  m.path = value;
  return m;
}

class RouteSelectTest : public ::testing::Test {
 protected:
  void compile(std::vector<ListenerSpec> listeners) {
    PortRoute p;
    p.addresses.ipv4 = htonl(test::v4("198.51.100.2"));
    p.ipv4Prefix = 24;
    Compiler compiler({p}, neighbors_, 251);
    DesiredState d;
    d.l7Ports.push_back(L7PortSpec{ip("198.51.100.100"), 80, std::move(listeners)});
    auto snap = compiler.compile(d, 1);
    ASSERT_TRUE(snap.ok()) << snap.error().toString();
    snap_ = std::move(*snap);
    backendByAddress_.clear();
    for (uint32_t id = 0; id < snap_->backends.size(); ++id) backendByAddress_[id] = snap_->backends[id].address.toString();
  }

  // The backend address a request goes to, or "404" / "500" / "503".
  std::string route(const std::string& request, uint64_t hash = 0) {
    std::string text = request;
    HttpRequestHead head;
    const auto o = parseRequestHead({reinterpret_cast<uint8_t*>(text.data()), text.size()}, 16384, head);
    if (o.status != ParseStatus::kComplete) return "parse failed";
    const RouteChoice c = routeHttp(snap_->l7Ports.front(), head, snap_->scratch->forWorker(0), hash);
    switch (c.outcome) {
      case Outcome::kForward: return backendByAddress_[c.backendId];
      case Outcome::kNotFound: return "404";
      case Outcome::kInvalidBackend: return "500";
      case Outcome::kUnavailable: return "503";
      case Outcome::kRedirect: return "redirect";
    }
    return "?";
  }

  static std::string get(const std::string& host, const std::string& target, const std::string& extra = "",
                         const std::string& method = "GET") {
    return method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n";
  }

  arp::NeighborCache neighbors_;
  std::unique_ptr<Snapshot> snap_;
  std::map<uint32_t, std::string> backendByAddress_;
};

TEST_F(RouteSelectTest, ListenerChoiceAndIsolation) {
  compile({ListenerSpec{"wide", "*.example.com", ListenerProtocol::kHttp, false,
                        {{"*.example.com", {routeSpec("wide", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.11")})}}}},
           ListenerSpec{"exact", "api.example.com", ListenerProtocol::kHttp, false,
                        {{"api.example.com", {routeSpec("api", path(PathMatchType::kPrefix, "/v1"), {backend("198.51.100.12")})}}}}});
  EXPECT_EQ(route(get("www.example.com", "/")), "198.51.100.11");
  EXPECT_EQ(route(get("api.example.com", "/v1/x")), "198.51.100.12");
  EXPECT_EQ(route(get("api.example.com", "/other")), "404") << "never the wildcard listener's routes";
  EXPECT_EQ(route(get("API.Example.com:8080", "/v1")), "198.51.100.12") << "case and port do not matter";
  EXPECT_EQ(route(get("example.com", "/")), "404") << "a wildcard never matches the apex";
}

// One listener: the host lookup alone decides, unless a pushed host lies outside the
// listener's hostname (the control plane never sends one; a hand-made push may), which
// must still get 404 as the listener lookup would give.
TEST_F(RouteSelectTest, OneListenerAndAHostOutsideIt) {
  compile({ListenerSpec{"wide", "*.example.com", ListenerProtocol::kHttp, false,
                        {{"a.example.com", {routeSpec("a", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.11")})}}}}});
  EXPECT_TRUE(snap_->l7Ports.front().hostsDecide);
  EXPECT_NE(snap_->l7Ports.front().listeners.front().vhosts.front()->onlySet, kInvalidBackendRef)
      << "one route taking every request through one backendRef: picked without reading the route";
  EXPECT_EQ(route(get("a.example.com", "/")), "198.51.100.11");
  EXPECT_EQ(route(get("b.example.com", "/")), "404");
  compile({ListenerSpec{"wide", "*.example.com", ListenerProtocol::kHttp, false,
                        {{"a.example.com", {routeSpec("a", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.11")})}},
                         {"a.other.com", {routeSpec("o", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.12")})}}}}});
  EXPECT_FALSE(snap_->l7Ports.front().hostsDecide);
  EXPECT_EQ(route(get("a.example.com", "/")), "198.51.100.11");
  EXPECT_EQ(route(get("a.other.com", "/")), "404") << "outside the only listener's hostname";
}

// A route on PathPrefix "/" takes every request without reading its match, unless it
// also names a method, header or query parameter.
TEST_F(RouteSelectTest, EverythingPrefixWithAMethodStillChecksIt) {
  RouteMatchSpec post = path(PathMatchType::kPrefix, "/");
  post.method = "POST";
  compile({ListenerSpec{"http", "", ListenerProtocol::kHttp, false,
                        {{"a", {routeSpec("post", post, {backend("198.51.100.11")}),
                                routeSpec("any", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.12")})}}}}});
  EXPECT_FALSE(snap_->l7Ports.front().listeners.front().vhosts.front()->routes.front().matchesAll);
  EXPECT_EQ(snap_->l7Ports.front().listeners.front().vhosts.front()->onlySet, kInvalidBackendRef);
  EXPECT_EQ(route(get("a", "/x", "", "POST")), "198.51.100.11");
  EXPECT_EQ(route(get("a", "/x")), "198.51.100.12");
}

TEST_F(RouteSelectTest, PathMethodHeaderAndQueryMatches) {
  RouteMatchSpec exact = path(PathMatchType::kExact, "/health");
  exact.method = "GET";
  RouteMatchSpec header = path(PathMatchType::kPrefix, "/");
  header.headers = {{"X-Canary", ValueMatchType::kExact, "yes"}};
  RouteMatchSpec query = path(PathMatchType::kPrefix, "/");
  query.query = {{"version", ValueMatchType::kRegex, "v[0-9]+"}};
  compile({ListenerSpec{"http", "", ListenerProtocol::kHttp, false,
                        {{"", {routeSpec("exact", exact, {backend("198.51.100.11")}),
                               routeSpec("regex", path(PathMatchType::kRegex, "/items/[0-9]+"), {backend("198.51.100.12")}),
                               routeSpec("prefix", path(PathMatchType::kPrefix, "/foo/"), {backend("198.51.100.13")}),
                               routeSpec("header", header, {backend("198.51.100.14")}),
                               routeSpec("query", query, {backend("198.51.100.15")})}}}}});
  EXPECT_EQ(route(get("a", "/health")), "198.51.100.11");
  EXPECT_EQ(route(get("a", "/health", "", "POST")), "404") << "method must match";
  EXPECT_EQ(route(get("a", "/health/x")), "404") << "exact is exact";
  EXPECT_EQ(route(get("a", "/items/42")), "198.51.100.12");
  EXPECT_EQ(route(get("a", "/items/42x")), "404") << "a regular expression matches the whole path";
  EXPECT_EQ(route(get("a", "/foo")), "198.51.100.13") << "a trailing '/' in a prefix is ignored";
  EXPECT_EQ(route(get("a", "/foo/bar")), "198.51.100.13");
  EXPECT_EQ(route(get("a", "/foobar")), "404") << "prefixes match whole path elements";
  EXPECT_EQ(route(get("a", "/x", "x-canary: yes\r\n")), "198.51.100.14") << "header names are case-insensitive";
  EXPECT_EQ(route(get("a", "/x", "X-Canary: YES\r\n")), "404") << "header values are not";
  EXPECT_EQ(route(get("a", "/x?a=1&version=v2")), "198.51.100.15");
  EXPECT_EQ(route(get("a", "/x?version=beta")), "404");
}

TEST_F(RouteSelectTest, WeightsInvalidAndEmptyBackends) {
  L7BackendSpec invalid{"other/secret:80", 1, true, {}};
  L7BackendSpec empty{"apps/empty:80", 1, false, {}};
  compile({ListenerSpec{"http", "", ListenerProtocol::kHttp, false,
                        {{"split", {routeSpec("split", path(PathMatchType::kPrefix, "/"),
                                          {backend("198.51.100.11", 3), backend("198.51.100.12", 1),
                                           backend("198.51.100.13", 0)})}},
                         {"half-invalid", {routeSpec("hi", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.11"), invalid})}},
                         {"empty", {routeSpec("e", path(PathMatchType::kPrefix, "/"), {empty})}}}}});
  std::map<std::string, int> seen;
  for (uint64_t h = 0; h < 4000; ++h) ++seen[route(get("split", "/"), h * 0x9e3779b97f4a7c15ull)];
  EXPECT_EQ(seen.count("198.51.100.13"), 0u) << "weight 0 takes nothing";
  EXPECT_NEAR(seen["198.51.100.11"], 3000, 150);
  EXPECT_NEAR(seen["198.51.100.12"], 1000, 150);
  seen.clear();
  for (uint64_t h = 0; h < 2000; ++h) ++seen[route(get("half-invalid", "/"), h * 0x9e3779b97f4a7c15ull)];
  EXPECT_NEAR(seen["500"], 1000, 150) << "an invalid backendRef's share gets 500";
  EXPECT_EQ(route(get("empty", "/")), "503");
}

// Filters: a redirect answers before any backend is chosen; a host whose only route has
// filters keeps no one-backend shortcut (it would skip them); splice and relay mode, which
// cannot apply a filter, turn a filtered choice into 500.
TEST_F(RouteSelectTest, FilteredRoutesAndTheModesThatCannotApplyThem) {
  L7RouteSpec redirect = routeSpec("redirect", path(PathMatchType::kPrefix, "/old"), {});
  redirect.filters.redirect = RedirectSpec{"https"};
  L7RouteSpec edited = routeSpec("edited", path(PathMatchType::kPrefix, "/"), {backend("198.51.100.11")});
  L7BackendSpec refEdited = backend("198.51.100.12");
  refEdited.filters.requestHeaders.add = {{"X-Ref", "1"}};
  edited.filters.requestHeaders.set = {{"X-Rule", "1"}};
  L7RouteSpec plain = routeSpec("plain", path(PathMatchType::kPrefix, "/"), {refEdited});
  compile({ListenerSpec{"l", "", ListenerProtocol::kHttp, false,
                        {{"a.example.com", {redirect, edited}}, {"b.example.com", {plain}}}}});
  EXPECT_EQ(route(get("a.example.com", "/old/x")), "redirect");
  EXPECT_EQ(route(get("a.example.com", "/x")), "198.51.100.11");
  for (const auto& vhost : snap_->l7Ports.front().listeners.front().vhosts) {
    EXPECT_EQ(vhost->onlySet, kInvalidBackendRef) << "a filtered only route is still read";
  }
  std::string text = get("b.example.com", "/");
  HttpRequestHead head;
  ASSERT_EQ(parseRequestHead({reinterpret_cast<uint8_t*>(text.data()), text.size()}, 16384, head).status,
            ParseStatus::kComplete);
  RouteChoice c = routeHttp(snap_->l7Ports.front(), head, snap_->scratch->forWorker(0), 0);
  ASSERT_EQ(c.outcome, Outcome::kForward);
  EXPECT_EQ(c.filters, nullptr);
  ASSERT_NE(c.backendFilters, nullptr) << "the backendRef's own filters come with its choice";
  EXPECT_TRUE(refuseFilters(c));
  EXPECT_EQ(c.outcome, Outcome::kInvalidBackend);
  text = get("nobody.example.com", "/");
  ASSERT_EQ(parseRequestHead({reinterpret_cast<uint8_t*>(text.data()), text.size()}, 16384, head).status,
            ParseStatus::kComplete);
  c = routeHttp(snap_->l7Ports.front(), head, snap_->scratch->forWorker(0), 0);
  EXPECT_FALSE(refuseFilters(c)) << "an unfiltered choice is left alone";
}

}  // namespace
}  // namespace portico::dp::l7
