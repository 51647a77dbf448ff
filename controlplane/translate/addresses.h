#pragma once

// VIP assignment, for Gateways and LoadBalancer Services alike: the addresses an object
// asks for when it gives them, otherwise one from the address pools (like MetalLB's
// IPAddressPool). Pure and deterministic: the same objects get the same addresses on every
// run and every control plane, and a new object never takes an address an older one holds.

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

// One object that wants addresses: a Gateway, or a LoadBalancer Service (which MetalLB
// would have served).
struct AddressClaim {
  std::string key;     // how the result names it: "namespace/name" for a Gateway, "Service namespace/name"
  std::string object;  // for messages: "Gateway namespace/name"
  std::string source;  // where it was read
  std::string created;  // creationTimestamp: older claims choose first
  std::vector<std::string> requested;  // asked for by the object itself
  std::string requestedField;           // where, for messages
  // A tenant's claim (a Service): what it requests must lie in a pool, and never takes an
  // address another claim held. An operator's (a Gateway) may ask for any address, first.
  bool requestedInPool = false;
  std::string pool;              // only this pool's addresses; "" any
  // Without requested addresses, one pool address of each family (4, 6); {0}: one of
  // either family. `familiesRequired` false (PreferDualStack): a family the pools lack is
  // no problem as long as one is given.
  std::vector<int> families{0};
  bool familiesRequired = true;
  // Claims with the same non-empty key may hold one address if their ports differ
  // (MetalLB's allow-shared-ip).
  std::string sharingKey;
  std::vector<std::string> ports;  // "53/UDP"
  std::vector<std::string> kept;   // what it held before (the last assignment, or its status)
};

// Claim key -> its addresses (canonical text). A claim keeps an address it held while
// that address is still in a pool it may use and not requested by another; a new one
// starts from a point of the pool its key chooses, so the same objects get the same
// addresses on every control plane. Claims that cannot get one (a bad or taken request,
// exhausted pools) are reported and left without.
std::map<std::string, std::vector<std::string>> assignAddresses(const std::vector<AddressClaim>& claims,
                                                                 const std::vector<AddressPool>& pools,
                                                                 std::vector<Problem>& problems);

// Gateway annotation: the address pool a Gateway without spec.addresses takes its address
// from (any pool without it).
inline constexpr const char* kGatewayPoolAnnotation = "portico.dev/address-pool";

// The claims of Gateways: spec.addresses requested, anything else from any pool (or the
// one kGatewayPoolAnnotation names); `previous`
// (an earlier assignAddresses result) gives what each held.
std::vector<AddressClaim> gatewayClaims(const std::vector<const Gateway*>& gateways,
                                        const std::map<std::string, std::vector<std::string>>& previous);

// Gateways alone: assignAddresses(gatewayClaims(gateways, previous), pools, problems).
std::map<std::string, std::vector<std::string>> assignAddresses(
    const std::vector<const Gateway*>& gateways, const std::vector<AddressPool>& pools,
    const std::map<std::string, std::vector<std::string>>& previous, std::vector<Problem>& problems);

// The addresses of a pool range, in order; empty with a problem when it cannot be read.
std::vector<std::string> expandRange(const std::string& range, std::string& problem);

}  // namespace portico::cp
