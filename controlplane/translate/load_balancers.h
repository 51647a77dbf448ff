#pragma once

// Services of type LoadBalancer, served as MetalLB serves them: each gets addresses
// (address claims, handed to assignAddresses with the Gateways' so the two never collide),
// and every port of it goes to the L4 path with the endpoints of its EndpointSlices.
// Pure: the same cluster always translates the same way.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/model/problem.h"
#include "controlplane/translate/addresses.h"
#include "controlplane/translate/translation.h"

namespace portico::cp {

inline constexpr const char* kLoadBalancerClass = "portico.dev/lb";

struct LoadBalancerSettings {
  std::string loadBalancerClass = kLoadBalancerClass;
  // Services with no spec.loadBalancerClass are ours too (MetalLB's default). Off by
  // default: a cluster may run another load balancer for those.
  bool withoutClass = false;
};

struct L4Endpoint {
  std::string address;
  uint32_t port = 0;
  // Not ready (or terminating): it keeps its open flows and takes no new ones.
  bool ready = true;
};

struct L4Port {
  std::string name;
  uint32_t port = 0;
  std::string protocol;  // TCP or UDP
  std::vector<L4Endpoint> endpoints;  // both families: each VIP takes those of its own
};

struct LoadBalancerService {
  std::string key;  // namespace/name
  std::vector<L4Port> ports;
  AddressClaim claim;  // its key is "Service namespace/name"
};

// The Services of type LoadBalancer this controller serves, with what is wrong with any
// of them (an SCTP port, a requested address that is not one) in `problems`. `previous`:
// an earlier assignAddresses result, which with the Service's status gives what it held.
std::vector<LoadBalancerService> translateLoadBalancers(const ClusterState& state, const LoadBalancerSettings& settings,
                                                        const std::map<std::string, std::vector<std::string>>& previous,
                                                        std::vector<Problem>& problems);

struct Assignment {
  std::vector<LoadBalancerService> loadBalancers;
  std::map<std::string, std::vector<std::string>> addresses;  // assignAddresses' result
};

// The Gateways `translation` serves and the LoadBalancer Services of `state`, drawing on
// the same pools: one assignment, so the two never collide. `previous`: the last one.
Assignment assignAll(const ClusterState& state, const Translation& translation, const std::vector<AddressPool>& pools,
                     const LoadBalancerSettings& settings,
                     const std::map<std::string, std::vector<std::string>>& previous, std::vector<Problem>& problems);

// Whether a Service is one of ours: type LoadBalancer and of our class.
bool servesLoadBalancer(const Service& service, const LoadBalancerSettings& settings);

}  // namespace portico::cp
