#include "controlplane/push/desired_state.h"

#include <algorithm>
#include <set>

#include "controlplane/push/l4_services.h"
#include "controlplane/push/listener_ports.h"

namespace portico::cp {

portico::dataplane::v1::DesiredState buildDesiredState(const Translation& translation,
                                                       const std::map<std::string, std::vector<std::string>>& addresses,
                                                       const std::vector<LoadBalancerService>& loadBalancers) {
  portico::dataplane::v1::DesiredState out;
  std::set<std::string> vips;
  for (const auto& gw : translation.gateways) {
    const bool serving = std::any_of(gw.listeners.begin(), gw.listeners.end(), [](const ListenerState& l) { return l.accepted; });
    const auto it = addresses.find(gw.key);
    if (!serving || it == addresses.end()) continue;
    vips.insert(it->second.begin(), it->second.end());
  }
  for (const auto& lb : loadBalancers) {
    const auto it = addresses.find(lb.claim.key);
    if (!lb.ports.empty() && it != addresses.end()) vips.insert(it->second.begin(), it->second.end());
  }
  for (const auto& v : vips) out.add_vips(v);
  for (const auto& gw : translation.gateways) {
    const auto it = addresses.find(gw.key);
    if (it == addresses.end()) continue;
    addListenerPorts(gw, it->second, out);
    addGatewayL4Services(gw, it->second, out);
  }
  addL4Services(loadBalancers, addresses, out);
  return out;
}

}  // namespace portico::cp
