#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/arp/port_addresses.h"

namespace portico::dp::arp {

// Keeps the neighbour cache filled (control path): asks for unresolved next hops every
// `retry`, re-asks resolved ones every `refresh` (keeping the old MAC meanwhile), and
// learns from the ARP replies and Neighbor Advertisements workers pass up.
class NeighborResolver {
 public:
  using Clock = std::chrono::steady_clock;
  using Send = std::function<void(std::size_t portIndex, const uint8_t* frame, uint32_t len)>;

  NeighborResolver(NeighborCache& cache, std::vector<PortAddresses> ports,
                   std::chrono::milliseconds retry = std::chrono::milliseconds(1000),
                   std::chrono::milliseconds refresh = std::chrono::milliseconds(30000))
      : cache_(cache), ports_(std::move(ports)), retry_(retry), refresh_(refresh) {}

  void tick(Clock::time_point now, const Send& send);

  // A frame received on `port` that may answer one of our requests; true if it taught
  // the cache something.
  bool onFrame(uint8_t port, const uint8_t* frame, uint32_t len, Clock::time_point now);

 private:
  NeighborCache& cache_;
  std::vector<PortAddresses> ports_;
  std::chrono::milliseconds retry_;
  std::chrono::milliseconds refresh_;
};

}  // namespace portico::dp::arp
