#include "controlplane/push/l4_services.h"

#include <algorithm>
#include <cstdint>
#include <map>

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {

bool isIpv6(const std::string& address) { return address.find(':') != std::string::npos; }

using BackendWeights = std::map<std::pair<std::string, uint32_t>, uint64_t>;  // weight 0: draining

// One L4 service of the dataplane; an address in two lists (a slice being replaced, two
// backendRefs to one Service) is one backend, and active wins over draining.
void addService(const std::string& name, const std::string& vip, uint32_t port, const std::string& protocol,
                const BackendWeights& backends, pb::DesiredState& out) {
  pb::Service* s = out.add_services();
  s->set_name(name);
  s->set_vip(vip);
  s->set_port(port);
  s->set_protocol(protocol == "UDP" ? pb::PROTOCOL_UDP : pb::PROTOCOL_TCP);
  for (const auto& [at, weight] : backends) {
    if (isIpv6(at.first) != isIpv6(vip)) continue;
    pb::Backend* b = s->add_backends();
    b->set_address(at.first);
    b->set_port(at.second);
    b->set_weight(weight == 0 ? 1 : static_cast<uint32_t>(std::min<uint64_t>(weight, UINT32_MAX)));
    b->set_state(weight == 0 ? pb::BACKEND_STATE_DRAINING : pb::BACKEND_STATE_ACTIVE);
  }
}

// Maglev shares are relative: a backendRef's weight over its n endpoints becomes
// weight * kShare / n each, so refs keep their ratio whatever their endpoint counts.
constexpr uint64_t kShare = 1000;

}  // namespace

void addL4Services(const std::vector<LoadBalancerService>& services,
                   const std::map<std::string, std::vector<std::string>>& addresses, pb::DesiredState& out) {
  for (const auto& lb : services) {
    const auto it = addresses.find(lb.claim.key);
    if (it == addresses.end() || lb.ports.empty()) continue;
    for (const auto& port : lb.ports) {
      BackendWeights backends;
      for (const auto& e : port.endpoints) backends[{e.address, e.port}] += e.ready ? 1 : 0;
      for (const auto& vip : it->second) {
        addService("Service " + lb.key + " port " + std::to_string(port.port) + "/" + port.protocol, vip, port.port,
                   port.protocol, backends, out);
      }
    }
  }
}

}  // namespace portico::cp

namespace portico::cp {

void addGatewayL4Services(const GatewayState& gw, const std::vector<std::string>& vips, pb::DesiredState& out) {
  for (const auto& l : gw.listeners) {
    if (!l.accepted || (l.protocol != "TCP" && l.protocol != "UDP")) continue;
    BackendWeights backends;
    for (const auto& route : l.routes) {
      for (const auto& rule : route.rules) {
        for (const auto& b : rule.backends) {
          if (b.outcome != ResolvedBackend::Outcome::kServed) continue;
          for (const auto& e : b.endpoints) backends[{e.address, e.port}] += std::max<uint64_t>(1, b.weight * kShare / b.endpoints.size());
          for (const auto& e : b.draining) backends[{e.address, e.port}] += 0;
        }
      }
    }
    for (const auto& vip : vips) {
      addService("Gateway " + gw.key + " listener " + l.name, vip, l.port, l.protocol, backends, out);
    }
  }
}

}  // namespace portico::cp
