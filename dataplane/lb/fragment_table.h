#pragma once

// IPv4 and IPv6 fragments after the first carry no ports, so they cannot be matched to a
// flow by its key. When the first fragment of a datagram is forwarded, its (source,
// destination, protocol, identification) is remembered here with the flow it belongs
// to; later fragments of that datagram follow it to the same backend (or client). A
// later fragment that overtakes the first has nothing to follow and is dropped: TCP
// retransmits, and a lost UDP datagram is what fragment loss means anyway.
// With several workers and no RSS steering, the worker that hands a first fragment to
// the flow's owner keeps a note so the later ones go the same way.
// Direct-mapped, fixed size, per lcore: a collision only forgets an older datagram.

#include <xxhash.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "dataplane/lb/flow_key.h"

namespace portico::dp::lb {

struct FragmentKey {
  pkt::Ipv6Addr src{};
  pkt::Ipv6Addr dst{};
  uint32_t id = 0;
  uint8_t proto = 0;
  uint8_t family = 0;
  uint16_t pad = 0;

  bool operator==(const FragmentKey& o) const { return std::memcmp(this, &o, sizeof(FragmentKey)) == 0; }
};

class FragmentTable {
 public:
  static constexpr uint32_t kLifetimeMs = 2000;

  static constexpr uint8_t kNoHandoff = 0xff;

  struct Target {
    uint32_t record;
    bool reverse;  // the datagram runs backend -> client
    // Set where the first fragment was handed to the worker owning its flow: the later
    // fragments, which carry no port to name that worker, follow it there.
    uint8_t handoffTo = kNoHandoff;
  };

  explicit FragmentTable(uint32_t slots = 4096) : slots_(slots) {}

  void remember(const FragmentKey& key, Target target, uint64_t flowTag, uint32_t nowMs) {
    Slot& s = slots_[index(key)];
    s = Slot{key, target, flowTag, nowMs + kLifetimeMs, true};
  }

  // The flow a later fragment belongs to; flowTag guards against a record reused since.
  std::optional<Target> find(const FragmentKey& key, uint32_t nowMs) const {
    const Slot& s = slots_[index(key)];
    if (!s.used || !(s.key == key) || static_cast<int32_t>(s.expiresMs - nowMs) < 0) return std::nullopt;
    return s.target;
  }

  uint64_t tagOf(const FragmentKey& key) const { return slots_[index(key)].flowTag; }

 private:
  struct Slot {
    FragmentKey key;
    Target target{};
    uint64_t flowTag = 0;
    uint32_t expiresMs = 0;
    bool used = false;
  };

  uint32_t index(const FragmentKey& key) const {
    return static_cast<uint32_t>(XXH3_64bits(&key, sizeof key) % slots_.size());
  }

  std::vector<Slot> slots_;
};

}  // namespace portico::dp::lb
