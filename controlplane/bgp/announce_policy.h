#pragma once

#include <set>
#include <string>
#include <vector>

#include "controlplane/translate/addresses.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

// The VIPs of a desired state that BGP may announce once a dataplane serves it: those
// with at least one ready endpoint behind a listener or service, and, from address pools
// whose policy is `keep`, those without (they answer 503 instead of disappearing).
std::set<std::string> announceableVips(const portico::dataplane::v1::DesiredState& state,
                                       const std::vector<AddressPool>& pools);

}  // namespace portico::cp
