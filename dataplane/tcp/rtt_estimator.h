#pragma once

// The retransmission timeout of RFC 6298 from round-trip samples, in microseconds. Samples
// come only from segments sent once (Karn's rule: the caller times one segment a round
// trip and drops the timing when it is retransmitted).

#include <algorithm>
#include <cstdint>

namespace portico::dp::tcp {

class RttEstimator {
 public:
  RttEstimator(uint32_t initialRtoUs, uint32_t minRtoUs, uint32_t maxRtoUs)
      : rto_(initialRtoUs), min_(minRtoUs), max_(maxRtoUs) {}

  void sample(uint32_t rttUs) {
    rttUs = std::max<uint32_t>(rttUs, 1);
    if (srtt_ == 0) {
      srtt_ = rttUs;
      rttvar_ = rttUs / 2;
    } else {
      const uint32_t delta = srtt_ > rttUs ? srtt_ - rttUs : rttUs - srtt_;
      rttvar_ = (3 * rttvar_ + delta) / 4;
      srtt_ = (7 * static_cast<uint64_t>(srtt_) + rttUs) / 8;
    }
    minRtt_ = minRtt_ == 0 ? rttUs : std::min(minRtt_, rttUs);
    // The clock granularity G of RFC 6298 is the worker's 1 ms timer tick.
    rto_ = std::clamp<uint64_t>(static_cast<uint64_t>(srtt_) + std::max<uint32_t>(1'000, 4 * rttvar_), min_, max_);
  }

  uint32_t rtoUs() const { return rto_; }
  uint32_t srttUs() const { return srtt_; }
  uint32_t minRttUs() const { return minRtt_; }
  bool measured() const { return srtt_ != 0; }

 private:
  uint32_t srtt_ = 0;
  uint32_t rttvar_ = 0;
  uint32_t minRtt_ = 0;
  uint32_t rto_;
  uint32_t min_;
  uint32_t max_;
};

}  // namespace portico::dp::tcp
