#pragma once

// Traffic per VIP, for the operator's per-address view (/metrics): each worker counts into
// its own array, indexed by the slot the snapshot compiler gave the VIP. Slots are stable
// while a VIP exists, so a flow's slot (kept in its record) stays right across snapshots.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace portico::dp {

// VIPs counted at once; an appliance with more serves the rest uncounted (with a warning).
inline constexpr uint16_t kVipSlots = 4096;
inline constexpr uint16_t kUncountedVip = 0xfffe;
inline constexpr uint16_t kNotAVip = 0xffff;

struct VipTraffic {
  std::atomic<uint64_t> receivedPackets{0};  // frames that arrived for the VIP, whatever became of them
  std::atomic<uint64_t> receivedBytes{0};
  std::atomic<uint64_t> sentPackets{0};  // frames that left with the VIP as their source
  std::atomic<uint64_t> sentBytes{0};
  std::atomic<uint64_t> connections{0};  // L4 flows and L7 connections opened to it
};

// One slot's counters summed over the workers, in VipTraffic's field order.
using VipTotals = std::array<uint64_t, 5>;
inline VipTotals sumVipTraffic(const std::vector<std::unique_ptr<VipTraffic[]>>& workers, uint16_t slot) {
  VipTotals t{};
  for (const auto& w : workers) {
    const VipTraffic& v = w[slot];
    t[0] += v.receivedPackets.load(std::memory_order_relaxed);
    t[1] += v.receivedBytes.load(std::memory_order_relaxed);
    t[2] += v.sentPackets.load(std::memory_order_relaxed);
    t[3] += v.sentBytes.load(std::memory_order_relaxed);
    t[4] += v.connections.load(std::memory_order_relaxed);
  }
  return t;
}

}  // namespace portico::dp
