#include "controlplane/config/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace portico::cp {
namespace {

struct Loaded {
  bool ok;
  ControlPlaneConfig cfg;
  std::string problem;
};

Loaded load(const std::string& yaml) {
  const std::string path = ::testing::TempDir() + "/controlplane.yaml";
  std::ofstream(path) << yaml;
  Loaded l;
  Problem p;
  l.ok = loadControlPlaneConfig(path, l.cfg, p);
  l.problem = p.toString();
  const auto at = l.problem.find("controlplane.yaml");
  if (at != std::string::npos) l.problem = l.problem.substr(at);
  return l;
}

const char* kBgp = R"(dataplanes: ["unix:/run/portico/dataplane.sock"]
address_pools:
  - {name: edge, addresses: [203.0.113.200-203.0.113.210], no_endpoints: keep}
bgp:
  asn: 64512
  router_id: 192.0.2.2
  listen: [192.0.2.2, "2001:db8::2"]
  peers:
    - {address: 192.0.2.1, asn: 64513, password: s3cret, hold_time_s: 9}
    - {address: "2001:db8::1", asn: 64513, multihop_ttl: 2}
  communities: ["65000:100"]
  local_pref: 200
  graceful_restart_s: 60
)";

TEST(ControlPlaneConfig, BgpAndPoolPolicy) {
  const Loaded l = load(kBgp);
  ASSERT_TRUE(l.ok) << l.problem;
  const BgpConfig& b = l.cfg.bgp;
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.asn, 64512u);
  EXPECT_EQ(b.routerId, "192.0.2.2");
  EXPECT_EQ(b.listenAddresses, (std::vector<std::string>{"192.0.2.2", "2001:db8::2"}));
  ASSERT_EQ(b.peers.size(), 2u);
  EXPECT_EQ(b.peers[0].password, "s3cret");
  EXPECT_EQ(b.peers[0].holdTimeS, 9u);
  EXPECT_EQ(b.peers[1].multihopTtl, 2u);
  EXPECT_EQ(b.peers[1].holdTimeS, 90u);
  EXPECT_EQ(b.communities, std::vector<std::string>{"65000:100"});
  EXPECT_EQ(b.localPref, 200u);
  EXPECT_EQ(b.gracefulRestartS, 60u);
  EXPECT_TRUE(l.cfg.addressPools.at(0).keepWithoutEndpoints);
}

TEST(ControlPlaneConfig, MetricsListen) {
  Loaded l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_TRUE(l.cfg.metricsListen.empty()) << "not served unless asked for";
  l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\nmetrics: {listen: \"[::1]:9465\"}\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_EQ(l.cfg.metricsListen, "[::1]:9465");
  l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\nmetrics: {listen: \"any:9465\"}\n");
  EXPECT_FALSE(l.ok);
  EXPECT_NE(l.problem.find("metrics.listen"), std::string::npos) << l.problem;
}

TEST(ControlPlaneConfig, LoadBalancerServices) {
  Loaded l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_EQ(l.cfg.loadBalancers.loadBalancerClass, "portico.dev/lb");
  EXPECT_FALSE(l.cfg.loadBalancers.withoutClass) << "Services of no class are another load balancer's unless asked";
  l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\n"
           "load_balancer_services: {class: example.com/edge, without_class: true}\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_EQ(l.cfg.loadBalancers.loadBalancerClass, "example.com/edge");
  EXPECT_TRUE(l.cfg.loadBalancers.withoutClass);
  l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\nload_balancer_services: {without_class: maybe}\n");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.problem, "controlplane.yaml: load_balancer_services.without_class: must be true or false");
}

TEST(ControlPlaneConfig, IngressServing) {
  Loaded l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_FALSE(l.cfg.ingress.enabled) << "Ingresses are another controller's unless asked";
  l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\n"
           "ingress: {gateway: edge/ingress, gateway_class: shared, addresses: [192.0.2.130], https_port: 8443}\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_TRUE(l.cfg.ingress.enabled);
  EXPECT_EQ(l.cfg.ingress.gatewayNamespace, "edge");
  EXPECT_EQ(l.cfg.ingress.gatewayName, "ingress");
  EXPECT_EQ(l.cfg.ingress.gatewayClass, "shared");
  EXPECT_EQ(l.cfg.ingress.addresses, std::vector<std::string>{"192.0.2.130"});
  EXPECT_EQ(l.cfg.ingress.httpPort, 80u);
  EXPECT_EQ(l.cfg.ingress.httpsPort, 8443u);
  EXPECT_EQ(l.cfg.ingress.namePrefix, "ingress.");
  l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\"]\ningress: {gateway: ingress}\n");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.problem, "controlplane.yaml: ingress.gateway: 'ingress' is not namespace/name");
}

TEST(ControlPlaneConfig, ATcpDataplaneNeedsMutualTls) {
  Loaded l = load("dataplanes: [\"unix:/run/portico/dataplane.sock\", \"192.0.2.2:50051\"]\n");
  EXPECT_FALSE(l.ok);
  EXPECT_NE(l.problem.find("dataplanes[1]: a host:port dataplane needs mutual TLS"), std::string::npos) << l.problem;
  l = load("dataplanes: [\"192.0.2.2:50051\"]\ndataplane_tls: {certificate: /etc/portico/cp.crt, key: /etc/portico/cp.key}\n");
  EXPECT_FALSE(l.ok) << "the CA is needed too";
  l = load("dataplanes: [\"192.0.2.2:50051\"]\n"
           "dataplane_tls: {certificate: /etc/portico/cp.crt, key: /etc/portico/cp.key, ca: /etc/portico/ca.crt}\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_EQ(l.cfg.dataplaneTls.ca, "/etc/portico/ca.crt");
}

TEST(ControlPlaneConfig, NoBgpSectionMeansNoBgp) {
  const Loaded l = load("dataplanes: [\"unix:/x\"]\n");
  ASSERT_TRUE(l.ok) << l.problem;
  EXPECT_FALSE(l.cfg.bgp.enabled);
}

TEST(ControlPlaneConfig, BadBgpInputNamesTheKey) {
  const std::string head = "dataplanes: [\"unix:/x\"]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bgp: {router_id: 192.0.2.2, peers: [{address: 192.0.2.1, asn: 1}]}", "bgp.asn: is required"},
      {"bgp: {asn: 1, router_id: 2001:db8::1, peers: [{address: 192.0.2.1, asn: 1}]}",
       "bgp.router_id: '2001:db8::1' is not an IPv4 address"},
      {"bgp: {asn: 1, router_id: 192.0.2.2}", "bgp.peers: must list at least one peer"},
      {"bgp: {asn: 1, router_id: 192.0.2.2, peers: [{address: nowhere, asn: 1}]}",
       "bgp.peers[0].address: 'nowhere' is not an IPv4 or IPv6 address"},
      {"bgp: {asn: 1, router_id: 192.0.2.2, peers: [{address: 192.0.2.1, asn: 1, hold_time_s: 2}]}",
       "bgp.peers[0].hold_time_s: must be between 3 and 65535"},
      {"bgp: {asn: 1, router_id: 192.0.2.2, peers: [{address: 192.0.2.1, asn: 1}], communities: [\"70000:1\"]}",
       "bgp.communities[0]: '70000:1' is not a community like 65000:100"},
      {"bgp: {asn: 1, router_id: 192.0.2.2, peers: [{address: 192.0.2.1, asn: 1}], md5: x}", "bgp.md5: unknown key"},
      {"address_pools: [{name: p, addresses: [203.0.113.1], no_endpoints: maybe}]",
       "address_pools[0].no_endpoints: must be withdraw or keep"},
  };
  for (const auto& [yaml, want] : cases) {
    const Loaded l = load(head + yaml + "\n");
    EXPECT_FALSE(l.ok) << yaml;
    EXPECT_NE(l.problem.find(want), std::string::npos) << yaml << "\n  got: " << l.problem;
  }
}

}  // namespace
}  // namespace portico::cp
