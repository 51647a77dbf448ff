#pragma once

// VIP assignment: a Gateway's spec.addresses when it gives them, otherwise an address
// from the address pools (like MetalLB's IPAddressPool). Pure and deterministic: the
// same Gateways get the same addresses on every run and every control plane, and a new
// Gateway never takes an address an older one holds.

#include <map>
#include <string>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/model/problem.h"

namespace portico::cp {

struct AddressPool {
  std::string name;
  std::vector<std::string> ranges;  // "192.0.2.100-192.0.2.120", "198.51.100.0/28", or one address
  // BGP: a VIP with no ready endpoint is withdrawn (MetalLB's behaviour), or kept
  // announced so it answers 503.
  bool keepWithoutEndpoints = false;
};

// Gateway key -> its addresses (canonical text). A Gateway keeps the pool address
// `previous` gave it while that address is still in a pool and not claimed explicitly.
// Gateways that cannot get one (bad or duplicate spec.addresses, pools exhausted) are
// reported and left without.
std::map<std::string, std::vector<std::string>> assignAddresses(
    const std::vector<const Gateway*>& gateways, const std::vector<AddressPool>& pools,
    const std::map<std::string, std::vector<std::string>>& previous, std::vector<Problem>& problems);

// The addresses of a pool range, in order; empty with a problem when it cannot be read.
std::vector<std::string> expandRange(const std::string& range, std::string& problem);

}  // namespace portico::cp
