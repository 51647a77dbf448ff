#pragma once

// The set of virtual addresses this appliance answers for, each with its traffic
// counters' slot. Built on the control path, immutable once published; the hot path asks
// "is this one of ours, and where is it counted" in one search.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "dataplane/pkt/headers.h"
#include "dataplane/pkt/ip_address.h"
#include "dataplane/stats/vip_traffic.h"

namespace portico::dp::lb {

class VipTable {
 public:
  using SlotOf = std::function<uint16_t(const pkt::IpAddress&)>;

  VipTable() = default;
  // Without `slotOf`, every VIP is served uncounted.
  explicit VipTable(const std::vector<pkt::IpAddress>& vips, const SlotOf& slotOf = {}) {
    std::vector<std::pair<uint32_t, uint16_t>> v4;
    std::vector<std::pair<pkt::Ipv6Addr, uint16_t>> v6;
    for (const auto& a : vips) {
      const uint16_t slot = slotOf ? slotOf(a) : kUncountedVip;
      if (a.family == 4) v4.emplace_back(a.v4, slot);
      if (a.family == 6) v6.emplace_back(a.v6, slot);
    }
    fill(v4, v4_, v4Slots_);
    fill(v6, v6_, v6Slots_);
  }

  bool containsV4(uint32_t addrBe) const { return slotV4(addrBe) != kNotAVip; }
  bool containsV6(const pkt::Ipv6Addr& addr) const { return slotV6(addr) != kNotAVip; }
  // The VIP's counter slot (kUncountedVip when it has none), or kNotAVip.
  uint16_t slotV4(uint32_t addrBe) const { return slotIn(v4_, v4Slots_, addrBe); }
  uint16_t slotV6(const pkt::Ipv6Addr& addr) const { return slotIn(v6_, v6Slots_, addr); }
  // For a v4-mapped or IPv6 address, as flow keys hold them.
  uint16_t slotOfMapped(const pkt::Ipv6Addr& a) const {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, a.begin())) {
      uint32_t v4;
      std::memcpy(&v4, a.data() + 12, 4);
      return slotV4(v4);
    }
    return slotV6(a);
  }

  std::span<const uint32_t> v4() const { return v4_; }
  std::span<const pkt::Ipv6Addr> v6() const { return v6_; }
  std::span<const uint16_t> v4Slots() const { return v4Slots_; }
  std::span<const uint16_t> v6Slots() const { return v6Slots_; }
  std::size_t size() const { return v4_.size() + v6_.size(); }

 private:
  template <typename A>
  static void fill(std::vector<std::pair<A, uint16_t>>& in, std::vector<A>& addrs, std::vector<uint16_t>& slots) {
    std::sort(in.begin(), in.end());
    in.erase(std::unique(in.begin(), in.end(), [](const auto& a, const auto& b) { return a.first == b.first; }), in.end());
    for (const auto& [a, slot] : in) {
      addrs.push_back(a);
      slots.push_back(slot);
    }
  }
  template <typename A>
  static uint16_t slotIn(const std::vector<A>& addrs, const std::vector<uint16_t>& slots, const A& a) {
    const auto it = std::lower_bound(addrs.begin(), addrs.end(), a);
    return it != addrs.end() && *it == a ? slots[static_cast<std::size_t>(it - addrs.begin())] : kNotAVip;
  }

  std::vector<uint32_t> v4_;
  std::vector<pkt::Ipv6Addr> v6_;
  std::vector<uint16_t> v4Slots_;  // parallel to v4_
  std::vector<uint16_t> v6Slots_;
};

}  // namespace portico::dp::lb
