#pragma once

// Translated Gateways as the dataplane's L7 tables: per VIP and port, the HTTP and TLS
// passthrough listeners; per listener, one virtual host per route hostname, holding every
// route match that applies to its names in Gateway API precedence order (so the
// dataplane takes the first that holds, and a request falls back from a specific
// hostname's rules to a wildcard's within the same listener, never to another listener).

#include <string>
#include <vector>

#include "controlplane/translate/translation.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

void addListenerPorts(const GatewayState& gateway, const std::vector<std::string>& vips,
                      portico::dataplane::v1::DesiredState& out);

}  // namespace portico::cp
