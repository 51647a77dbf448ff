#pragma once

#include <map>
#include <string>
#include <vector>

#include "controlplane/translate/load_balancers.h"
#include "controlplane/translate/translation.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

// What the dataplanes are asked to serve for a translation: the VIPs of every Gateway
// with an accepted listener (so they answer ARP/NDP and are announced), and on them the
// HTTP and TLS listeners with their routes; and the LoadBalancer Services' ports as L4
// services. `addresses`: assignAddresses' result for both.
portico::dataplane::v1::DesiredState buildDesiredState(const Translation& translation,
                                                       const std::map<std::string, std::vector<std::string>>& addresses,
                                                       const std::vector<LoadBalancerService>& loadBalancers = {});

}  // namespace portico::cp
