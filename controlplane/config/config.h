#pragma once

#include <string>
#include <vector>

#include "controlplane/bgp/bgp_config.h"
#include "controlplane/model/problem.h"
#include "controlplane/translate/addresses.h"

namespace portico::cp {

struct ControlPlaneConfig {
  std::vector<std::string> dataplanes;  // gRPC targets, e.g. "unix:/run/portico/dataplane.sock"
  std::vector<AddressPool> addressPools;
  unsigned debounceMs = 200;  // changes closer together than this become one push
  BgpConfig bgp;
};

// Reads controlplane.yaml; a problem names the file and key, and nothing is returned
// then (the daemon does not start on a half-read config).
bool loadControlPlaneConfig(const std::string& path, ControlPlaneConfig& out, Problem& problem);

}  // namespace portico::cp
