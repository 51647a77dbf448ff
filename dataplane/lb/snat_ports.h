#pragma once

// Chooses the source port of the backend side of a new flow. The reply from the backend
// must reach the worker that owns the flow:
// - ports with RSS: the port is chosen so the NIC's Toeplitz hash of the reply lands on
//   this worker's queue (see rss_steering.h);
// - without RSS (af_packet, tap, ring...): each worker owns the ports p with
//   p % workers == worker, and a reply that arrives elsewhere is handed to the owner
//   over a ring. One worker needs neither.
// Uniqueness is checked against the flow table, so a port is reused across backends.

#include <cstdint>

namespace portico::dp::lb {

class SnatPorts {
 public:
  static constexpr uint16_t kFirstPort = 1024;
  static constexpr unsigned kAttempts = 64;

  SnatPorts(unsigned worker, unsigned workers) : worker_(worker), workers_(workers == 0 ? 1 : workers) {
    cursor_ = first();
  }

  static unsigned owner(uint16_t portHost, unsigned workers) { return portHost % workers; }

  // A host-order port for which isFree(port) holds, or 0 when none was found in a
  // bounded number of tries.
  template <typename IsFree>
  uint16_t choose(IsFree&& isFree) {
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
};

}  // namespace portico::dp::lb
