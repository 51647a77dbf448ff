#pragma once

#include <map>
#include <string>
#include <vector>

#include "controlplane/translate/load_balancers.h"
#include "controlplane/translate/translation.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

// Every port of a LoadBalancer Service on each of its addresses, as the dataplane's L4
// services: the endpoints of the address's family are its backends, ready ones active and
// the others draining (open flows stay, new ones go elsewhere). An endpoint that is gone
// is not listed, and the dataplane ends its flows.
void addL4Services(const std::vector<LoadBalancerService>& services,
                   const std::map<std::string, std::vector<std::string>>& addresses,
                   portico::dataplane::v1::DesiredState& out);

// A Gateway's accepted TCP and UDP listeners on each of its addresses, as L4 services: the
// endpoints of their TCPRoutes' or UDPRoutes' backendRefs, each backendRef's weight
// split evenly over its ready endpoints; not-ready ones drain.
void addGatewayL4Services(const GatewayState& gateway, const std::vector<std::string>& vips,
                          portico::dataplane::v1::DesiredState& out);

}  // namespace portico::cp
