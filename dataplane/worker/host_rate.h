#pragma once

#include <algorithm>
#include <cstdint>

namespace portico::dp::worker {

// A token bucket over the TSC for one worker's share of a port's host-path rate: what the
// kernel is sent beyond it is dropped in the worker, so a flood at the appliance's own
// address costs a compare, not a ring slot, a copy into the kernel and its CPU.
class HostRate {
 public:
  HostRate() = default;
  HostRate(uint64_t framesPerSecond, uint64_t tscHz)
      : cyclesPerFrame_(std::max<uint64_t>(tscHz / std::max<uint64_t>(framesPerSecond, 1), 1)),
        burst_(std::clamp<uint64_t>(framesPerSecond / 10, 8, 1024)) {}

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
