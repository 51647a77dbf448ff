#include "controlplane/translate/load_balancers.h"

#include <gtest/gtest.h>

#include <string>

#include "controlplane/push/desired_state.h"
#include "controlplane/source/manifest_parser.h"
#include "controlplane/status/status_json.h"

namespace portico::cp {
namespace {

namespace pb = portico::dataplane::v1;

// A Service of type LoadBalancer: NAME, then the lines of its metadata and spec.
std::string service(const std::string& name, const std::string& metadata, const std::string& spec,
                    const std::string& ns = "db") {
  return "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + metadata +
         "spec:\n  type: LoadBalancer\n" + spec;
}

constexpr const char* kOurs = "  loadBalancerClass: portico.dev/lb\n";

std::string slice(const std::string& serviceName, const std::string& body, const std::string& suffix = "a") {
  return "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " + serviceName + "-" + suffix +
         "\n  namespace: db\n  labels: {kubernetes.io/service-name: " + serviceName + "}\n" + body;
}

class LoadBalancers : public ::testing::Test {
 protected:
  void load(const std::string& text) {
    state_ = {};
    problems_.clear();
    parseManifests(text, "m.yaml", state_, problems_);
    ASSERT_TRUE(problems_.empty()) << problems_[0].toString();
  }

  // Translates and assigns as the control plane does.
  void assign(const std::vector<AddressPool>& pools, const std::map<std::string, std::vector<std::string>>& previous = {}) {
    Assignment a = assignAll(state_, translate(state_), pools, settings_, previous, problems_);
    services_ = std::move(a.loadBalancers);
    addresses_ = std::move(a.addresses);
  }

  std::vector<std::string> problemTexts() const {
    std::vector<std::string> out;
    for (const auto& p : problems_) out.push_back(p.toString());
    return out;
  }

  ClusterState state_;
  std::vector<Problem> problems_;
  LoadBalancerSettings settings_;
  std::vector<LoadBalancerService> services_;
  std::map<std::string, std::vector<std::string>> addresses_;
};

const std::vector<AddressPool> kPools = {{"lab", {"192.0.2.200-192.0.2.203"}}, {"v6", {"2001:db8::200-2001:db8::201"}}};

TEST_F(LoadBalancers, OnlyServicesOfTypeLoadBalancerAndOurClassAreServed) {
  load(service("pg", "", std::string(kOurs) + "  ports: [{port: 5432}]\n") +
       service("other", "", "  loadBalancerClass: example.com/lb\n  ports: [{port: 5432}]\n") +
       service("plain", "", "  ports: [{port: 53, protocol: UDP}]\n") +
       "---\napiVersion: v1\nkind: Service\nmetadata: {name: internal, namespace: db}\nspec: {ports: [{port: 80}]}\n");
  assign(kPools);
  ASSERT_EQ(services_.size(), 1u);
  EXPECT_EQ(services_[0].key, "db/pg");
  ASSERT_EQ(addresses_.at("Service db/pg").size(), 1u);
  EXPECT_EQ(addresses_.at("Service db/pg")[0].rfind("192.0.2.20", 0), 0u) << "an IPv4 Service gets an IPv4 address";
  EXPECT_TRUE(problems_.empty());

  // MetalLB's default: Services without a class are served too, when configured so.
  settings_.withoutClass = true;
  assign(kPools);
  ASSERT_EQ(services_.size(), 2u);
  EXPECT_EQ(services_[1].key, "db/plain");
  EXPECT_EQ(services_[1].ports[0].protocol, "UDP");
}

TEST_F(LoadBalancers, RequestedAddressesComeFromThePoolsOnly) {
  load(service("by-field", "", std::string(kOurs) + "  loadBalancerIP: 192.0.2.202\n  ports: [{port: 1}]\n") +
       service("by-annotation", "  annotations: {metallb.universe.tf/loadBalancerIPs: \"192.0.2.201, 2001:db8::201\"}\n",
               std::string(kOurs) + "  ports: [{port: 2}]\n") +
       service("outside", "  annotations: {metallb.io/loadBalancerIPs: 203.0.113.9}\n", std::string(kOurs) + "  ports: [{port: 3}]\n") +
       service("bad", "", std::string(kOurs) + "  loadBalancerIP: nope\n  ports: [{port: 4}]\n"));
  assign(kPools);
  EXPECT_EQ(addresses_.at("Service db/by-field"), std::vector<std::string>{"192.0.2.202"});
  EXPECT_EQ(addresses_.at("Service db/by-annotation"), (std::vector<std::string>{"192.0.2.201", "2001:db8::201"}));
  EXPECT_EQ(addresses_.count("Service db/outside"), 0u);
  EXPECT_EQ(addresses_.count("Service db/bad"), 0u);
  EXPECT_EQ(problemTexts(),
            (std::vector<std::string>{
                "m.yaml (document 4): Service db/bad: spec.loadBalancerIP: 'nope' is not an IP address",
                "m.yaml (document 3): Service db/outside: metadata.annotations[metallb.io/loadBalancerIPs]: 203.0.113.9 is in no "
                "address pool (an address outside the pools is not given)"}));
}

TEST_F(LoadBalancers, AServiceNeverTakesAGatewaysAddress) {
  load(service("pg", "", std::string(kOurs) + "  loadBalancerIP: 192.0.2.200\n  ports: [{port: 5432}]\n") +
       service("dns", "  annotations: {metallb.universe.tf/allow-shared-ip: k}\n", std::string(kOurs) +
               "  loadBalancerIP: 192.0.2.200\n  ports: [{port: 53, protocol: UDP}]\n") +
       "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\n"
       "spec: {controllerName: portico.dev/gateway-controller}\n"
       "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\n"
       "spec: {gatewayClassName: portico, addresses: [{value: 192.0.2.200}], listeners: [{name: h, port: 80, protocol: HTTP}]}\n");
  assign({{"lab", {"192.0.2.200"}}});
  EXPECT_EQ(addresses_.at("infra/gw"), std::vector<std::string>{"192.0.2.200"});
  EXPECT_EQ(addresses_.count("Service db/pg"), 0u);
  EXPECT_EQ(addresses_.count("Service db/dns"), 0u);
  EXPECT_EQ(problemTexts(), (std::vector<std::string>{
                                "m.yaml (document 2): Service db/dns: spec.loadBalancerIP: 192.0.2.200 is already the address of Gateway infra/gw",
                                "m.yaml (document 1): Service db/pg: spec.loadBalancerIP: 192.0.2.200 is already the address of Gateway infra/gw"}));
}

TEST_F(LoadBalancers, ARequestNeverMovesAnAddressAnotherServiceHolds) {
  load(service("first", "", std::string(kOurs) + "  ports: [{port: 1}]\n"));
  assign({{"lab", {"192.0.2.200-192.0.2.201"}}});
  const auto held = addresses_.at("Service db/first");
  load(service("first", "", std::string(kOurs) + "  ports: [{port: 1}]\n") +
       service("second", "", std::string(kOurs) + "  loadBalancerIP: " + held[0] + "\n  ports: [{port: 2}]\n"));
  assign({{"lab", {"192.0.2.200-192.0.2.201"}}}, addresses_);
  EXPECT_EQ(addresses_.at("Service db/first"), held);
  EXPECT_EQ(addresses_.count("Service db/second"), 0u);
  EXPECT_EQ(problemTexts(), std::vector<std::string>{"m.yaml (document 2): Service db/second: spec.loadBalancerIP: " +
                                                     held[0] + " is already the address of Service db/first"});
}

TEST_F(LoadBalancers, ServicesOfOneSharingKeyShareAnAddressWhenTheirPortsDiffer) {
  const std::string shared = "  annotations: {metallb.universe.tf/allow-shared-ip: dns}\n";
  load(service("dns-udp", "  creationTimestamp: \"2026-01-01T00:00:00Z\"\n" + shared,
               std::string(kOurs) + "  ports: [{port: 53, protocol: UDP}]\n") +
       service("dns-tcp", "  creationTimestamp: \"2026-01-02T00:00:00Z\"\n" + shared,
               std::string(kOurs) + "  ports: [{port: 53, protocol: TCP}]\n") +
       service("dns-again", "  creationTimestamp: \"2026-01-03T00:00:00Z\"\n" + shared,
               std::string(kOurs) + "  ports: [{port: 53, protocol: UDP}]\n") +
       service("loner", "  creationTimestamp: \"2026-01-04T00:00:00Z\"\n", std::string(kOurs) + "  ports: [{port: 80}]\n"));
  assign({{"lab", {"192.0.2.200-192.0.2.203"}}});
  const auto& udp = addresses_.at("Service db/dns-udp");
  EXPECT_EQ(addresses_.at("Service db/dns-tcp"), udp) << "same key, other port: the same address";
  EXPECT_NE(addresses_.at("Service db/dns-again"), udp) << "53/UDP twice on one address cannot be";
  EXPECT_NE(addresses_.at("Service db/loner"), udp) << "no key: an address of its own";
  EXPECT_TRUE(problems_.empty());

  // Asked for explicitly, a colliding port is refused with the reason.
  load(service("dns-udp", shared, std::string(kOurs) + "  loadBalancerIP: 192.0.2.201\n  ports: [{port: 53, protocol: UDP}]\n") +
       service("dns-tcp", shared, std::string(kOurs) + "  loadBalancerIP: 192.0.2.201\n  ports: [{port: 53}]\n") +
       service("dns-udp2", shared, std::string(kOurs) + "  loadBalancerIP: 192.0.2.201\n  ports: [{port: 53, protocol: UDP}]\n"));
  assign({{"lab", {"192.0.2.200-192.0.2.203"}}});
  EXPECT_EQ(addresses_.at("Service db/dns-tcp"), std::vector<std::string>{"192.0.2.201"});
  EXPECT_EQ(addresses_.at("Service db/dns-udp"), std::vector<std::string>{"192.0.2.201"});
  EXPECT_EQ(problemTexts(), std::vector<std::string>{"m.yaml (document 3): Service db/dns-udp2: spec.loadBalancerIP: 192.0.2.201 is "
                                                     "already the address of Service db/dns-udp (both use 53/UDP)"});
}

TEST_F(LoadBalancers, PoolsFamiliesAndRestarts) {
  load(service("pinned", "  annotations: {metallb.io/address-pool: v6}\n",
               std::string(kOurs) + "  ipFamilies: [IPv6]\n  ports: [{port: 1}]\n") +
       service("wrong-family", "  annotations: {metallb.io/address-pool: v6}\n", std::string(kOurs) + "  ports: [{port: 4}]\n") +
       service("dual", "", std::string(kOurs) + "  ipFamilyPolicy: RequireDualStack\n  ports: [{port: 2}]\n") +
       service("nowhere", "  annotations: {portico.dev/address-pool: missing}\n", std::string(kOurs) + "  ports: [{port: 3}]\n"));
  assign(kPools);
  ASSERT_EQ(addresses_.at("Service db/pinned").size(), 1u);
  EXPECT_EQ(addresses_.at("Service db/pinned")[0].rfind("2001:db8::20", 0), 0u);
  ASSERT_EQ(addresses_.at("Service db/dual").size(), 2u);
  EXPECT_EQ(addresses_.at("Service db/dual")[0].find(':'), std::string::npos);
  EXPECT_NE(addresses_.at("Service db/dual")[1].find(':'), std::string::npos);
  EXPECT_EQ(problemTexts(), (std::vector<std::string>{"m.yaml (document 4): Service db/nowhere: no address pool is named missing",
                                                      "m.yaml (document 2): Service db/wrong-family: no IPv4 address in pool v6"}));

  // PreferDualStack with an IPv4 pool only: IPv4, and nothing to report.
  load(service("prefer", "", std::string(kOurs) + "  ipFamilyPolicy: PreferDualStack\n  ports: [{port: 2}]\n"));
  assign({{"lab", {"192.0.2.200-192.0.2.203"}}});
  EXPECT_EQ(addresses_.at("Service db/prefer").size(), 1u);
  EXPECT_TRUE(problems_.empty());

  // A restarted control plane knows nothing but the Service's status: the address stays.
  load(service("pg", "", std::string(kOurs) + "  ports: [{port: 5432}]\n") +
       "status: {loadBalancer: {ingress: [{ip: 192.0.2.203}]}}\n");
  assign({{"lab", {"192.0.2.200-192.0.2.203"}}});
  EXPECT_EQ(addresses_.at("Service db/pg"), std::vector<std::string>{"192.0.2.203"});
}

TEST_F(LoadBalancers, EveryPortGoesToTheL4PathWithReadyEndpointsActiveAndTheRestDraining) {
  load(service("dns", "", std::string(kOurs) +
                              "  ipFamilyPolicy: RequireDualStack\n  ipFamilies: [IPv4, IPv6]\n"
                              "  ports: [{name: dns, port: 53, protocol: UDP, targetPort: 5353},"
                              " {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}, {name: x, port: 9, protocol: SCTP}]\n") +
       slice("dns",
             "addressType: IPv4\nports: [{name: dns, port: 5353, protocol: UDP}, {name: dns-tcp, port: 5354, protocol: TCP}]\n"
             "endpoints:\n"
             "  - {addresses: [198.51.100.11]}\n"
             "  - {addresses: [198.51.100.12], conditions: {ready: false}}\n"
             "  - {addresses: [198.51.100.13], conditions: {ready: false, serving: true, terminating: true}}\n") +
       slice("dns",
             "addressType: IPv6\nports: [{name: dns, port: 5353, protocol: UDP}]\n"
             "endpoints: [{addresses: [\"2001:db8:1::11\"], conditions: {ready: false, serving: true, terminating: true}}]\n",
             "b"));
  assign(kPools);
  EXPECT_EQ(problemTexts(), std::vector<std::string>{
                                "m.yaml (document 1): Service db/dns: spec.ports[2].protocol: SCTP is not served (TCP and UDP are); the port is left out"});
  const pb::DesiredState desired = buildDesiredState(Translation{}, addresses_, services_);
  const auto& vips = addresses_.at("Service db/dns");
  ASSERT_EQ(vips.size(), 2u);
  EXPECT_EQ(desired.vips_size(), 2);
  ASSERT_EQ(desired.services_size(), 4);  // two ports on two addresses
  std::map<std::string, const pb::Service*> byName;
  for (const auto& s : desired.services()) byName[s.vip() + " " + s.name()] = &s;
  const pb::Service& udp4 = *byName.at(vips[0] + " Service db/dns port 53/UDP");
  EXPECT_EQ(udp4.protocol(), pb::PROTOCOL_UDP);
  EXPECT_EQ(udp4.port(), 53u);
  ASSERT_EQ(udp4.backends_size(), 3);
  EXPECT_EQ(udp4.backends(0).address(), "198.51.100.11");
  EXPECT_EQ(udp4.backends(0).port(), 5353u);
  EXPECT_EQ(udp4.backends(0).state(), pb::BACKEND_STATE_ACTIVE);
  EXPECT_EQ(udp4.backends(1).state(), pb::BACKEND_STATE_DRAINING) << "not ready: open flows stay, no new ones";
  EXPECT_EQ(udp4.backends(2).state(), pb::BACKEND_STATE_DRAINING) << "terminating while another is ready";
  const pb::Service& tcp4 = *byName.at(vips[0] + " Service db/dns port 53/TCP");
  EXPECT_EQ(tcp4.protocol(), pb::PROTOCOL_TCP);
  EXPECT_EQ(tcp4.backends(0).port(), 5354u) << "the slice's port of the Service port's name";
  // The IPv6 address takes the IPv6 endpoints only: terminating, but serving and the only
  // ones, so they take new flows.
  const pb::Service& udp6 = *byName.at(vips[1] + " Service db/dns port 53/UDP");
  ASSERT_EQ(udp6.backends_size(), 1);
  EXPECT_EQ(udp6.backends(0).address(), "2001:db8:1::11");
  EXPECT_EQ(udp6.backends(0).state(), pb::BACKEND_STATE_ACTIVE);
}

TEST(LoadBalancerStatus, IngressIsWrittenAndClearedWithTheServicesOtherStatusKept) {
  const nlohmann::json existing = {{"conditions", nlohmann::json::array({{{"type", "Custom"}}})}};
  const auto merged = mergeStatus(existing, loadBalancerStatus({"192.0.2.200", "2001:db8::200"}), "Service", "now");
  EXPECT_EQ(merged["loadBalancer"]["ingress"][0], (nlohmann::json{{"ip", "192.0.2.200"}, {"ipMode", "VIP"}}));
  EXPECT_EQ(merged["loadBalancer"]["ingress"][1]["ip"], "2001:db8::200");
  EXPECT_EQ(merged["conditions"], existing["conditions"]);
  EXPECT_EQ(mergeStatus(merged, loadBalancerStatus({}), "Service", "now")["loadBalancer"], nlohmann::json::object());
}

}  // namespace
}  // namespace portico::cp
