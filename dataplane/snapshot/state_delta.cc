#include "dataplane/snapshot/state_delta.h"

#include <algorithm>

namespace portico::dp::snapshot {

bool applyChange(DesiredState& state, const VirtualHostChange& change) {
  const auto port = std::find_if(state.l7Ports.begin(), state.l7Ports.end(),
                                 [&](const L7PortSpec& p) { return p.vip == change.vip && p.port == change.port; });
  if (port == state.l7Ports.end()) return false;
  const auto listener = std::find_if(port->listeners.begin(), port->listeners.end(),
                                     [&](const ListenerSpec& l) { return l.name == change.listener; });
  if (listener == port->listeners.end()) return false;
  auto& hosts = listener->hosts;
  const auto host = std::find_if(hosts.begin(), hosts.end(),
                                 [&](const VirtualHostSpec& h) { return h.hostname == change.host.hostname; });
  if (change.remove) {
    if (host != hosts.end()) hosts.erase(host);
  } else if (host != hosts.end()) {
    *host = change.host;
  } else {
    hosts.push_back(change.host);
  }
  return true;
}

}  // namespace portico::dp::snapshot
