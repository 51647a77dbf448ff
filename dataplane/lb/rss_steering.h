#pragma once

// Keeps NAT replies on the worker that owns the flow, on NICs with RSS: the SNAT port of
// a new flow is chosen so that the NIC's Toeplitz hash of the backend's reply (backend
// address and port -> SNAT address and port) indexes a redirection-table entry that
// points at this worker's queue. Toeplitz is linear over XOR, so the hash splits into a
// part fixed by the addresses and backend port and a part from the SNAT port alone;
// the second is tabled once per port, and candidates come from the buckets whose low
// bits complete the first to one of this queue's entries. Hashes are DPDK's rte_softrss,
// the software reference for the NIC's.

#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/lb/flow_key.h"

namespace portico::dp::lb {

class RssSteering {
 public:
  static constexpr uint16_t kFirstPort = 1024;

  // `key` is the port's RSS key (at least 40 bytes), `reta` its redirection table (a
  // power-of-two size), `queue` the queue replies must land on.
  RssSteering(std::span<const uint8_t> key, std::span<const uint16_t> reta, uint16_t queue);

  // The NIC's hash of a packet with this key (as seen on the wire).
  uint32_t hash(const FlowKey& k) const;
  uint16_t queueOf(const FlowKey& k) const { return reta_[hash(k) & mask_]; }
  bool usable() const { return !entries_.empty(); }

  // A host-order SNAT port for `reply` (its dstPort ignored) whose reply hashes to our
  // queue and for which isFree(port) holds; 0 when none was found in `attempts` tries.
  template <typename IsFree>
  uint16_t choose(const FlowKey& reply, IsFree&& isFree, unsigned attempts = 64) {
    FlowKey fixed = reply;
    fixed.dstPort = 0;
    const uint32_t low = hash(fixed) & mask_;
    const auto& buckets = reply.family == 4 ? buckets4_ : buckets6_;
    for (unsigned tried = 0; tried < attempts;) {
      const uint32_t entry = entries_[cursor_ % entries_.size()];
      const auto& ports = buckets[low ^ entry];
      ++cursor_;
      if (ports.empty()) {
        ++tried;
        continue;
      }
      for (unsigned i = 0; i < 4 && tried < attempts; ++i, ++tried) {
        const uint16_t port = ports[(cursor_ * 7919u + i) % ports.size()];
        if (isFree(port)) return port;
      }
    }
    return 0;
  }

 private:
  uint32_t softrss(const uint32_t* tuple, uint32_t words) const;

  std::vector<uint8_t> key_;
  std::vector<uint16_t> reta_;
  uint32_t mask_ = 0;
  std::vector<uint32_t> entries_;  // redirection entries that point at our queue
  std::vector<std::vector<uint16_t>> buckets4_, buckets6_;  // by low bits of the port-only hash
  uint32_t cursor_ = 0;
};

}  // namespace portico::dp::lb
