#include "controlplane/bgp/announce_policy.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

namespace pb = portico::dataplane::v1;

pb::Backend endpoint(pb::BackendState state, uint32_t weight = 1) {
  pb::Backend b;
  b.set_address("198.51.100.11");
  b.set_port(8080);
  b.set_weight(weight);
  b.set_state(state);
  return b;
}

// A listener port on `vip` with one route whose one backendRef has these endpoints.
void addPort(pb::DesiredState& s, const std::string& vip, std::vector<pb::Backend> endpoints, uint32_t refWeight = 1,
             bool invalid = false) {
  auto* port = s.add_listener_ports();
  port->set_vip(vip);
  port->set_port(80);
  auto* ref = port->add_listeners()->add_hosts()->add_routes()->add_backends();
  ref->set_weight(refWeight);
  ref->set_invalid(invalid);
  for (auto& e : endpoints) *ref->add_endpoints() = e;
}

TEST(AnnouncePolicy, AVipWithAReadyEndpointIsAnnounced) {
  pb::DesiredState s;
  addPort(s, "203.0.113.200", {endpoint(pb::BACKEND_STATE_DRAINING), endpoint(pb::BACKEND_STATE_ACTIVE)});
  EXPECT_EQ(announceableVips(s, {}), std::set<std::string>{"203.0.113.200"});
}

TEST(AnnouncePolicy, NoReadyEndpointMeansWithdrawnByDefault) {
  pb::DesiredState s;
  addPort(s, "203.0.113.200", {endpoint(pb::BACKEND_STATE_DRAINING)});
  addPort(s, "203.0.113.201", {endpoint(pb::BACKEND_STATE_ACTIVE, 0)});
  addPort(s, "203.0.113.202", {endpoint(pb::BACKEND_STATE_ACTIVE)}, 0);
  addPort(s, "203.0.113.203", {endpoint(pb::BACKEND_STATE_ACTIVE)}, 1, true);
  addPort(s, "203.0.113.204", {});
  EXPECT_TRUE(announceableVips(s, {}).empty());
}

TEST(AnnouncePolicy, APoolWithPolicyKeepKeepsItsVipsAnnounced) {
  pb::DesiredState s;
  addPort(s, "203.0.113.200", {});
  addPort(s, "203.0.113.210", {});
  AddressPool keep{"sticky", {"203.0.113.208/29"}, true};
  AddressPool withdraw{"edge", {"203.0.113.200"}, false};
  EXPECT_EQ(announceableVips(s, {withdraw, keep}), std::set<std::string>{"203.0.113.210"});
}

TEST(AnnouncePolicy, L4ServicesCountToo) {
  pb::DesiredState s;
  auto* svc = s.add_services();
  svc->set_vip("2001:db8::100");
  *svc->add_backends() = endpoint(pb::BACKEND_STATE_ACTIVE);
  auto* idle = s.add_services();
  idle->set_vip("2001:db8::101");
  s.add_vips("2001:db8::102");  // answered, but nothing behind it
  EXPECT_EQ(announceableVips(s, {}), std::set<std::string>{"2001:db8::100"});
}

}  // namespace
}  // namespace portico::cp
