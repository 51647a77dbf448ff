#pragma once

#include <map>
#include <string>
#include <vector>

#include "controlplane/translate/translation.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

// What the dataplanes are asked to serve for a translation: the VIPs of every Gateway
// with an accepted listener (so they answer ARP/NDP and are announced). Listeners and
// routes are carried once the dataplane's L7 path takes them.
portico::dataplane::v1::DesiredState buildDesiredState(const Translation& translation,
                                                       const std::map<std::string, std::vector<std::string>>& addresses);

}  // namespace portico::cp
