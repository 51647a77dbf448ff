#include "dataplane/snapshot/compiler.h"

#include <gtest/gtest.h>

#include "dataplane/l7/health.h"
#include "dataplane/lb/flow_key.h"
#include "tests/common/frames.h"

namespace portico::dp::snapshot {
namespace {

pkt::IpAddress ip(const char* t) { return *pkt::IpAddress::parse(t); }

class CompilerTest : public ::testing::Test {
 protected:
  CompilerTest() {
    PortRoute client;
    client.addresses.ipv4 = htonl(test::v4("192.0.2.2"));
    client.ipv4Prefix = 24;
    PortRoute backends;
    backends.addresses.ipv4 = htonl(test::v4("198.51.100.2"));
    backends.ipv4Prefix = 24;
    backends.gateway4 = htonl(test::v4("198.51.100.1"));
    compiler_ = std::make_unique<Compiler>(std::vector<PortRoute>{client, backends}, neighbors_, 251);
  }

  static ServiceSpec web(std::vector<BackendSpec> backends) {
    ServiceSpec s;
    s.name = "web";
    s.vip = ip("192.0.2.100");
    s.port = 80;
    s.backends = std::move(backends);
    return s;
  }

  arp::NeighborCache neighbors_;
  std::unique_ptr<Compiler> compiler_;
};

TEST_F(CompilerTest, BackendIdsStayStableAcrossSnapshots) {
  DesiredState d;
  d.services = {web({{ip("198.51.100.11"), 8080}, {ip("198.51.100.12"), 8080}})};
  auto first = compiler_->compile(d, 1);
  ASSERT_TRUE(first.ok());
  d.services[0].backends = {{ip("198.51.100.12"), 8080}, {ip("198.51.100.13"), 8080}};
  auto second = compiler_->compile(d, 2);
  ASSERT_TRUE(second.ok());
  // .12 keeps its id; .11 is gone (removed) but its id is not reused.
  const auto& s1 = (*first)->services[0];
  const auto& s2 = (*second)->services[0];
  EXPECT_EQ(s1.backendIds[1], s2.backendIds[0]);
  EXPECT_EQ((*second)->backend(s1.backendIds[0])->state, BackendState::kRemoved);
  EXPECT_NE(s2.backendIds[1], s1.backendIds[0]);
}

TEST_F(CompilerTest, DrainingBackendsGetNoSlots) {
  DesiredState d;
  d.services = {web({{ip("198.51.100.11"), 8080, 1, BackendState::kDraining}, {ip("198.51.100.12"), 8080}})};
  auto snap = compiler_->compile(d, 1);
  ASSERT_TRUE(snap.ok());
  for (uint16_t slot : (*snap)->services[0].maglev.slots()) EXPECT_EQ(slot, 1);
  EXPECT_EQ((*snap)->backend((*snap)->services[0].backendIds[0])->state, BackendState::kDraining);
}

TEST_F(CompilerTest, BackendsOffLinkGoThroughTheGateway) {
  DesiredState d;
  d.services = {web({{ip("203.0.113.5"), 80}})};
  auto snap = compiler_->compile(d, 1);
  ASSERT_TRUE(snap.ok()) << snap.error().toString();
  const auto* be = (*snap)->backend((*snap)->services[0].backendIds[0]);
  EXPECT_EQ(be->egressPort, 1);
  EXPECT_EQ(neighbors_.entries()[be->neighborSlot].ip.toString(), "198.51.100.1");
  EXPECT_TRUE((*snap)->vips.containsV4(htonl(test::v4("192.0.2.100"))));
  EXPECT_NE((*snap)->findService(lb::v4Mapped(htonl(test::v4("192.0.2.100"))), htons(80), 6), nullptr);
  EXPECT_EQ((*snap)->findService(lb::v4Mapped(htonl(test::v4("192.0.2.100"))), htons(81), 6), nullptr);
}

TEST_F(CompilerTest, ErrorsNameTheServiceAndBackend) {
  DesiredState d;
  d.services = {web({}), web({})};
  auto dup = compiler_->compile(d, 1);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().toString(),
            "service web (192.0.2.100:80/tcp): another service already uses this address, port and protocol");
}

// As an L7 endpoint's: a service backend of the other family, or that no port reaches, is
// left out with a warning naming the service, and the rest compiles.
TEST_F(CompilerTest, UnusableServiceBackendsAreLeftOutNotFatal) {
  DesiredState d;
  d.services = {web({{ip("2001:db8::1"), 80}, {ip("198.51.100.11"), 80}})};
  auto snap = compiler_->compile(d, 1);
  ASSERT_TRUE(snap.ok()) << snap.error().toString();
  ASSERT_EQ(compiler_->warnings().size(), 1u);
  EXPECT_EQ(compiler_->warnings()[0],
            "service web (192.0.2.100:80/tcp) endpoint 2001:db8::1: no port reaches it (or its family differs from the "
            "VIP's); left out");
  EXPECT_EQ((*snap)->services[0].backendIds.size(), 1u);
}

// The health endpoint: every VIP gets an HTTP port of no listeners, which says 200 while
// the VIP has an active backend; a VIP whose listener takes the port goes without.
TEST_F(CompilerTest, EveryVipGetsTheHealthEndpoint) {
  compiler_->serveHealth(8081);
  DesiredState d;
  d.vips = {ip("192.0.2.150")};
  d.services = {web({{ip("198.51.100.11"), 80}})};
  ServiceSpec clash = web({});
  clash.vip = ip("192.0.2.160");
  clash.port = 8081;
  d.services.push_back(clash);
  auto snap = compiler_->compile(d, 1);
  ASSERT_TRUE(snap.ok()) << snap.error().toString();
  const auto* health = (*snap)->findL7Port(lb::v4Mapped(htonl(test::v4("192.0.2.100"))), htons(8081));
  ASSERT_NE(health, nullptr);
  EXPECT_TRUE(health->health);
  EXPECT_TRUE(health->listeners.empty());
  EXPECT_EQ(l7::healthAnswer(**snap, *health, "/healthz", "/healthz", false), l7::AnswerStatus::kHealthy);
  EXPECT_EQ(l7::healthAnswer(**snap, *health, "/healthz", "/healthz", true), l7::AnswerStatus::kDraining);
  EXPECT_EQ(l7::healthAnswer(**snap, *health, "/", "/healthz", false), l7::AnswerStatus::kNotFound);
  const auto* bare = (*snap)->findL7Port(lb::v4Mapped(htonl(test::v4("192.0.2.150"))), htons(8081));
  ASSERT_NE(bare, nullptr) << "a VIP without services answers too";
  EXPECT_EQ(l7::healthAnswer(**snap, *bare, "/healthz", "/healthz", false), l7::AnswerStatus::kNotReady);
  EXPECT_EQ((*snap)->findL7Port(lb::v4Mapped(htonl(test::v4("192.0.2.160"))), htons(8081)), nullptr);
  ASSERT_EQ(compiler_->warnings().size(), 1u);
  EXPECT_EQ(compiler_->warnings()[0], "health endpoint 192.0.2.160:8081: a listener or service of the address uses the "
                                      "port; no health endpoint there");

  // The backend draining: no active one, so 503.
  d.services[0].backends[0].state = BackendState::kDraining;
  snap = compiler_->compile(d, 2);
  ASSERT_TRUE(snap.ok());
  health = (*snap)->findL7Port(lb::v4Mapped(htonl(test::v4("192.0.2.100"))), htons(8081));
  EXPECT_EQ(l7::healthAnswer(**snap, *health, "/healthz", "/healthz", false), l7::AnswerStatus::kNotReady);
}

L7PortSpec httpPort(std::vector<BackendSpec> endpoints, const std::string& path = "/",
                    PathMatchType type = PathMatchType::kPrefix) {
  L7RouteSpec route;
  route.name = "HTTPRoute apps/web rule 0 match 0";
  route.match.pathType = type;
  route.match.path = path;
  route.backends.push_back(L7BackendSpec{"apps/web:80", 1, false, std::move(endpoints)});
  return L7PortSpec{ip("192.0.2.100"), 80,
                    {ListenerSpec{"infra/gw/http", "", ListenerProtocol::kHttp, false, {{"a.example.com", {route}}}}}};
}

TEST_F(CompilerTest, UnreachableL7EndpointsAreLeftOutNotFatal) {
  DesiredState d;
  d.l7Ports = {httpPort({{ip("198.51.100.11"), 8080}, {ip("2001:db8::11"), 8080}})};
  auto snap = compiler_->compile(d, 1);
  ASSERT_TRUE(snap.ok()) << snap.error().toString();
  ASSERT_EQ(compiler_->warnings().size(), 1u);
  EXPECT_NE(compiler_->warnings()[0].find("endpoint 2001:db8::11: no port reaches it"), std::string::npos)
      << compiler_->warnings()[0];
  const auto& vhost = *(*snap)->l7Ports[0].listeners[0].vhosts[0];
  ASSERT_EQ(vhost.backendSets.size(), 1u);
  EXPECT_EQ(vhost.backendSets[0].backendIds.size(), 1u);
  EXPECT_TRUE((*snap)->vips.containsV4(htonl(test::v4("192.0.2.100")))) << "a listener's VIP is answered";
}

TEST_F(CompilerTest, L7ErrorsNameTheListenerAndRoute) {
  DesiredState d;
  d.l7Ports = {httpPort({}, "(unclosed", PathMatchType::kRegex)};
  auto bad = compiler_->compile(d, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().toString().find("listener port 192.0.2.100:80 listener infra/gw/http HTTPRoute apps/web rule 0 "
                                        "match 0 path: regular expression \"(unclosed\""),
            std::string::npos)
      << bad.error().toString();
  d.l7Ports = {httpPort({})};
  d.services = {web({})};
  auto clash = compiler_->compile(d, 1);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().toString(),
            "listener port 192.0.2.100:80: an L4 service or another listener port already uses this address and port");
}


VirtualHostSpec host(const std::string& name, std::vector<BackendSpec> endpoints) {
  L7RouteSpec route;
  route.name = "HTTPRoute apps/" + name + " rule 0 match 0";
  route.backends.push_back(L7BackendSpec{"apps/" + name + ":80", 1, false, std::move(endpoints)});
  return {name, {route}};
}

VirtualHostChange change(VirtualHostSpec h, bool remove = false) {
  return {ip("192.0.2.100"), 80, "infra/gw/http", std::move(h), remove};
}

TEST_F(CompilerTest, DeltaRecompilesOnlyTheChangedHost) {
  DesiredState d;
  d.l7Ports = {httpPort({{ip("198.51.100.11"), 8080}})};
  d.l7Ports[0].listeners[0].hosts.push_back(host("b.example.com", {{ip("198.51.100.12"), 8080}}));
  auto base = compiler_->compile(d, 1);
  ASSERT_TRUE(base.ok()) << base.error().toString();
  const auto& before = (*base)->l7Ports[0].listeners[0];

  auto next = compiler_->applyDelta(**base, {change(host("b.example.com", {{ip("198.51.100.13"), 8080}}))}, 2);
  ASSERT_TRUE(next.ok()) << next.error().toString();
  const auto& after = (*next)->l7Ports[0].listeners[0];
  EXPECT_EQ((*next)->version, 2u);
  EXPECT_EQ(after.vhosts[0], before.vhosts[0]) << "the unchanged host is shared, not rebuilt";
  EXPECT_NE(after.vhosts[1], before.vhosts[1]);
  EXPECT_EQ(after.hosts, before.hosts) << "same names: the matcher is shared too";
  const uint32_t id = after.vhosts[1]->backendSets[0].backendIds[0];
  EXPECT_EQ((*next)->backend(id)->address, ip("198.51.100.13"));
  // The endpoint no host names any more is removed, so its connections end as after a
  // whole push; the one still named stays active.
  const uint32_t gone = before.vhosts[1]->backendSets[0].backendIds[0];
  EXPECT_EQ((*next)->backend(gone)->state, BackendState::kRemoved);
  EXPECT_EQ((*next)->backend(before.vhosts[0]->backendSets[0].backendIds[0])->state, BackendState::kActive);
  EXPECT_EQ((*base)->backend(gone)->state, BackendState::kActive) << "the base snapshot is untouched";
}

TEST_F(CompilerTest, DeltaAddsAndRemovesHostNames) {
  DesiredState d;
  d.l7Ports = {httpPort({{ip("198.51.100.11"), 8080}})};
  auto base = compiler_->compile(d, 1);
  ASSERT_TRUE(base.ok());
  auto added = compiler_->applyDelta(**base, {change(host("new.example.com", {{ip("198.51.100.11"), 8080}}))}, 2);
  ASSERT_TRUE(added.ok()) << added.error().toString();
  const auto& l = (*added)->l7Ports[0].listeners[0];
  ASSERT_EQ(l.vhosts.size(), 2u);
  EXPECT_EQ(l.hosts->match("new.example.com"), 1u);
  EXPECT_EQ(l.hosts->match("a.example.com"), 0u);

  auto removed = compiler_->applyDelta(**added, {change(host("a.example.com", {}), true)}, 3);
  ASSERT_TRUE(removed.ok()) << removed.error().toString();
  const auto& r = (*removed)->l7Ports[0].listeners[0];
  ASSERT_EQ(r.vhosts.size(), 1u);
  EXPECT_EQ(r.hosts->match("a.example.com"), l7::HostMatcher::kNoMatch);
  EXPECT_EQ(r.hosts->match("new.example.com"), 0u);
  EXPECT_EQ((*removed)->backend(r.vhosts[0]->backendSets[0].backendIds[0])->state, BackendState::kActive)
      << "still named by the remaining host";
}

TEST_F(CompilerTest, AHostAddedOutsideTheListenerHostnameBringsBackTheListenerLookup) {
  DesiredState d;
  d.l7Ports = {httpPort({{ip("198.51.100.11"), 8080}})};
  d.l7Ports[0].listeners[0].hostname = "*.example.com";
  auto base = compiler_->compile(d, 1);
  ASSERT_TRUE(base.ok());
  EXPECT_TRUE((*base)->l7Ports[0].hostsDecide);
  auto inside = compiler_->applyDelta(**base, {change(host("b.example.com", {{ip("198.51.100.11"), 8080}}))}, 2);
  ASSERT_TRUE(inside.ok());
  EXPECT_TRUE((*inside)->l7Ports[0].hostsDecide);
  auto outside = compiler_->applyDelta(**inside, {change(host("a.other.com", {{ip("198.51.100.11"), 8080}}))}, 3);
  ASSERT_TRUE(outside.ok());
  EXPECT_FALSE((*outside)->l7Ports[0].hostsDecide);
  EXPECT_TRUE((*inside)->l7Ports[0].hostsDecide) << "the base snapshot is untouched";
}

TEST_F(CompilerTest, DeltaToAnUnknownListenerIsRefusedWithItsName) {
  DesiredState d;
  d.l7Ports = {httpPort({{ip("198.51.100.11"), 8080}})};
  auto base = compiler_->compile(d, 1);
  ASSERT_TRUE(base.ok());
  VirtualHostChange c = change(host("a.example.com", {}));
  c.listener = "infra/gw/https";
  auto bad = compiler_->applyDelta(**base, {c}, 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().toString(),
            "listener port 192.0.2.100:80 listener infra/gw/https: is not served: a new listener needs a whole push");
  c = change(host("a.example.com", {}));
  c.port = 8080;
  EXPECT_FALSE(compiler_->applyDelta(**base, {c}, 2).ok());
}

}  // namespace
}  // namespace portico::dp::snapshot
