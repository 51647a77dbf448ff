#pragma once

#include <algorithm>
#include <cstdint>

namespace portico::dp {

// A worker's token bucket: `perSecond` admissions a second over any clock that ticks
// `ticksPerSecond` (the TSC, microseconds), with a tenth of a second's worth (8 to 1 024)
// at once. Single-threaded. Uses: a worker's share of a port's host-path rate (a flood at
// the appliance's own address costs a compare, not a ring slot, a copy into the kernel
// and its CPU), and the resets a worker sends for segments of connections it does not
// hold.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(uint64_t perSecond, uint64_t ticksPerSecond)
      : cyclesPerFrame_(std::max<uint64_t>(ticksPerSecond / std::max<uint64_t>(perSecond, 1), 1)),
        burst_(std::clamp<uint64_t>(perSecond / 10, 8, 1024)) {}

  bool admit(uint64_t now) {
    if (cyclesPerFrame_ == 0) return false;
    // Time since the last refill buys tokens, up to a burst's worth.
    const uint64_t earned = (now - last_) / cyclesPerFrame_;
    if (earned > 0) {
      tokens_ = std::min(burst_, tokens_ + earned);
      last_ += earned * cyclesPerFrame_;
      if (tokens_ == burst_) last_ = now;
    }
    if (tokens_ == 0) return false;
    --tokens_;
    return true;
  }

 private:
  uint64_t cyclesPerFrame_ = 0;
  uint64_t burst_ = 0;
  uint64_t tokens_ = 0;
  uint64_t last_ = 0;
};

}  // namespace portico::dp::worker
