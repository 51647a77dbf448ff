#pragma once

// The set of virtual addresses this appliance answers for. Built on the control path,
// immutable once published; the hot path only asks "is this one of ours".

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/pkt/headers.h"
#include "dataplane/pkt/ip_address.h"

namespace portico::dp::lb {

class VipTable {
 public:
  VipTable() = default;
  explicit VipTable(const std::vector<pkt::IpAddress>& vips) {
    for (const auto& a : vips) {
      if (a.family == 4) v4_.push_back(a.v4);
      if (a.family == 6) v6_.push_back(a.v6);
    }
    std::sort(v4_.begin(), v4_.end());
    v4_.erase(std::unique(v4_.begin(), v4_.end()), v4_.end());
    std::sort(v6_.begin(), v6_.end());
    v6_.erase(std::unique(v6_.begin(), v6_.end()), v6_.end());
  }

  bool containsV4(uint32_t addrBe) const { return std::binary_search(v4_.begin(), v4_.end(), addrBe); }
  bool containsV6(const pkt::Ipv6Addr& addr) const { return std::binary_search(v6_.begin(), v6_.end(), addr); }

  std::span<const uint32_t> v4() const { return v4_; }
  std::span<const pkt::Ipv6Addr> v6() const { return v6_; }
  std::size_t size() const { return v4_.size() + v6_.size(); }

 private:
  std::vector<uint32_t> v4_;
  std::vector<pkt::Ipv6Addr> v6_;
};

}  // namespace portico::dp::lb
