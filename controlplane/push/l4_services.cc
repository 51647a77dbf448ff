#include "controlplane/push/l4_services.h"

#include <set>

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {

bool isIpv6(const std::string& address) { return address.find(':') != std::string::npos; }

}  // namespace

void addL4Services(const std::vector<LoadBalancerService>& services,
                   const std::map<std::string, std::vector<std::string>>& addresses, pb::DesiredState& out) {
  for (const auto& lb : services) {
    const auto it = addresses.find(lb.claim.key);
    if (it == addresses.end() || lb.ports.empty()) continue;
    for (const auto& vip : it->second) {
      for (const auto& port : lb.ports) {
        pb::Service* s = out.add_services();
        s->set_name("Service " + lb.key + " port " + std::to_string(port.port) + "/" + port.protocol);
        s->set_vip(vip);
        s->set_port(port.port);
        s->set_protocol(port.protocol == "UDP" ? pb::PROTOCOL_UDP : pb::PROTOCOL_TCP);
        // An address in two slices (a slice being replaced) is one backend; ready wins.
        std::map<std::pair<std::string, uint32_t>, bool> backends;
        for (const auto& e : port.endpoints) {
          if (isIpv6(e.address) != isIpv6(vip)) continue;
          backends[{e.address, e.port}] |= e.ready;
        }
        for (const auto& [at, ready] : backends) {
          pb::Backend* b = s->add_backends();
          b->set_address(at.first);
          b->set_port(at.second);
          b->set_weight(1);
          b->set_state(ready ? pb::BACKEND_STATE_ACTIVE : pb::BACKEND_STATE_DRAINING);
        }
      }
    }
  }
}

}  // namespace portico::cp
