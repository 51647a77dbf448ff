#pragma once

// Passive health of a worker's upstream endpoints, as NGINX's defaults (max_fails=1,
// fail_timeout=10s) and Envoy's outlier detection on connect failures: an endpoint that
// refused a connection or never answered its SYN is avoided for a while, so a killed
// backend costs the requests that were under way, not one error per request until the
// control plane hears of it. No active checks: the control plane's endpoint readiness
// remains the source of truth, this only bridges the time it takes.
//
// A small fixed table per worker (no allocation, no locks): endpoints go down rarely and
// few at a time; when more are down than it holds, the one back soonest is forgotten.

#include <array>
#include <cstdint>

namespace portico::dp::http {

class EndpointHealth {
 public:
  static constexpr uint32_t kDownMs = 10'000;
  static constexpr uint32_t kNone = 0xffffffffu;

  void markDown(uint32_t id, uint32_t nowMs) {
    const uint32_t until = nowMs + kDownMs;
    Slot* victim = nullptr;
    for (unsigned i = 0; i < kProbe; ++i) {
      Slot& s = slots_[(home(id) + i) % kSlots];
      if (s.id == id || !live(s, nowMs)) {
        victim = &s;
        break;
      }
      if (victim == nullptr || static_cast<int32_t>(s.untilMs - victim->untilMs) < 0) victim = &s;
    }
    *victim = Slot{id, until};
    latestUntilMs_ = until;
  }

  // One compare while nothing is down, which is almost always.
  bool isDown(uint32_t id, uint32_t nowMs) const {
    if (static_cast<int32_t>(nowMs - latestUntilMs_) >= 0) return false;
    for (unsigned i = 0; i < kProbe; ++i) {
      const Slot& s = slots_[(home(id) + i) % kSlots];
      if (s.id == id) return live(s, nowMs);
    }
    return false;
  }

 private:
  static constexpr uint32_t kSlots = 256;
  static constexpr unsigned kProbe = 4;
  struct Slot {
    uint32_t id = kNone;
    uint32_t untilMs = 0;
  };
  static uint32_t home(uint32_t id) { return (id * 0x9e3779b1u) >> 24; }
  static bool live(const Slot& s, uint32_t nowMs) { return s.id != kNone && static_cast<int32_t>(nowMs - s.untilMs) < 0; }

  std::array<Slot, kSlots> slots_{};
  uint32_t latestUntilMs_ = 0;
};

}  // namespace portico::dp::http
