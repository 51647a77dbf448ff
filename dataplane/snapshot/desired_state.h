#pragma once

// What the dataplane is asked to serve: the seam between whoever decides (the static
// config today, the control plane's gRPC push next) and the snapshot compiler.

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/pkt/ip_address.h"

namespace portico::dp::snapshot {

enum class BackendState : uint8_t {
  kActive,    // takes new flows
  kDraining,  // keeps its open flows, takes no new ones
  kRemoved,   // gone: its flows end
};

struct BackendSpec {
  pkt::IpAddress address;
  uint16_t port = 0;  // host byte order
  uint32_t weight = 1;
  BackendState state = BackendState::kActive;
};

struct ServiceSpec {
  std::string name;
  pkt::IpAddress vip;
  uint16_t port = 0;  // host byte order
  uint8_t proto = 6;  // 6 TCP, 17 UDP
  std::vector<BackendSpec> backends;
};

struct DesiredState {
  std::vector<pkt::IpAddress> vips;  // answered (ARP/NDP, ping) even without a service
  std::vector<ServiceSpec> services;
};

}  // namespace portico::dp::snapshot
