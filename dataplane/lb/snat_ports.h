#pragma once

// Chooses the source port of the backend side of a new flow. The backend's reply must
// reach the worker that owns the flow:
// - on a port with RSS, the SNAT port is chosen so the NIC's hash of the reply lands on
//   this worker's queue (RssSteering);
// - without RSS (af_packet, tap, ring...), each worker owns the ports p with
//   p % workers == worker, and a reply that arrives on another worker's queue is handed
//   to the owner over a ring. A single worker needs neither.
// Uniqueness is checked against the flow table, so a port is reused across backends.

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/lb/flow_key.h"
#include "dataplane/lb/rss_steering.h"

namespace portico::dp::lb {

class SnatPorts {
 public:
  static constexpr uint16_t kFirstPort = 1024;
  static constexpr unsigned kAttempts = 64;

  SnatPorts(unsigned worker, unsigned workers) : worker_(worker), workers_(workers == 0 ? 1 : workers) {
    cursor_ = first();
  }

  static unsigned owner(uint16_t portHost, unsigned workers) { return portHost % workers; }

  // Replies arriving on port `portIndex` are steered by RSS from now on.
  void steer(uint8_t portIndex, std::unique_ptr<RssSteering> steering) {
    if (steering_.size() <= portIndex) steering_.resize(portIndex + 1u);
    steering_[portIndex] = std::move(steering);
  }
  bool steered(uint8_t portIndex) const { return portIndex < steering_.size() && steering_[portIndex] != nullptr; }

  // A host-order port for a flow whose backend is behind `egressPort`, such that
  // isFree(port) holds; 0 when none was found in a bounded number of tries.
  template <typename IsFree>
  uint16_t choose(uint8_t egressPort, const FlowKey& reply, IsFree&& isFree) {
    if (steered(egressPort)) return steering_[egressPort]->choose(reply, isFree, kAttempts);
    for (unsigned i = 0; i < kAttempts; ++i) {
      const uint32_t next = cursor_ + workers_;
      cursor_ = next > 65535 ? first() : next;
      if (isFree(static_cast<uint16_t>(cursor_))) return static_cast<uint16_t>(cursor_);
    }
    return 0;
  }

 private:
  uint32_t first() const {
    uint32_t p = kFirstPort;
    while (p % workers_ != worker_) ++p;
    return p;
  }

  unsigned worker_;
  unsigned workers_;
  uint32_t cursor_;
  std::vector<std::unique_ptr<RssSteering>> steering_;
};

}  // namespace portico::dp::lb
