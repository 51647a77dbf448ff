#pragma once

#include <map>
#include <string>
#include <vector>

#include "controlplane/translate/translation.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

// What the dataplanes are asked to serve for a translation: the VIPs of every Gateway
// with an accepted listener (so they answer ARP/NDP and are announced), and on them the
// HTTP and TLS passthrough listeners with their routes.
portico::dataplane::v1::DesiredState buildDesiredState(const Translation& translation,
                                                       const std::map<std::string, std::vector<std::string>>& addresses);

}  // namespace portico::cp
