#include "dataplane/snapshot/compiler.h"

#include <gtest/gtest.h>

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
  d.services = {web({{ip("2001:db8::1"), 80}})};
  auto family = compiler_->compile(d, 1);
  ASSERT_FALSE(family.ok());
  EXPECT_EQ(family.error().toString(),
            "service web (192.0.2.100:80/tcp) backend 2001:db8::1:80: address family differs from the VIP's (NAT "
            "between IPv4 and IPv6 is not supported)");
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

}  // namespace
}  // namespace portico::dp::snapshot
