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

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

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

  // An endpoint of a backend set, given by its Maglev slots (kNone where none is ready),
  // other than `id` and not down; kNone when none is found. First other picks by the same
  // weights (the hash stirred); then, since a connection's hash is the same for each of
  // its requests and one whose stirred picks all land on `id` would never find another
  // (with `id` down, every request it carries refused: 1 connection in 256 with two
  // endpoints, found by faults_under_load), kScan slots spread over the table from where
  // the hash points: every slot of a small table; of a large one, an endpoint with a share
  // w of it is missed with a chance of (1 - w)^kScan (Maglev spreads each endpoint's slots
  // through the table).
  uint32_t anotherEndpoint(std::span<const uint32_t> slots, uint32_t id, uint64_t hash, uint32_t nowMs) const {
    const auto size = static_cast<uint32_t>(slots.size());
    if (size == 0) return kNone;
    auto usable = [&](uint32_t c) { return c != id && c != kNone && !isDown(c, nowMs); };
    uint64_t h = hash ^ 0x2545f4914f6cdd1dull;  // a hash of 0 must stir too
    for (unsigned i = 0; i < 8; ++i) {
      h = (h ^ (h >> 31)) * 0x9e3779b97f4a7c15ull;
      const uint32_t candidate = slots[static_cast<uint32_t>(((h >> 32) * size) >> 32)];  // as BackendSet::pick
      if (usable(candidate)) return candidate;
    }
    const auto start = static_cast<uint32_t>(h % size);
    const uint32_t stride = size / kScan + 1;
    for (uint32_t i = 0; i < std::min<uint32_t>(size, kScan); ++i) {
      const uint32_t candidate = slots[(start + static_cast<uint64_t>(i) * stride) % size];
      if (usable(candidate)) return candidate;
    }
    return kNone;
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
  static constexpr uint32_t kScan = 256;  // slots looked at in turn, at most
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
