#pragma once

// Which traffic-counter slot each VIP has (stats/vip_traffic.h). A VIP keeps its slot for
// as long as it exists; a freed slot goes to the back of the queue, so it is handed out
// again only after every never-used one (and the counters' reader subtracts what the slot
// held before, runtime.cc).

#include <cstdint>
#include <deque>
#include <map>
#include <set>

#include "dataplane/pkt/ip_address.h"
#include "dataplane/stats/vip_traffic.h"

namespace portico::dp::snapshot {

class VipSlots {
 public:
  // Gives every VIP of `vips` a slot (kUncountedVip once all are taken) and frees those
  // of VIPs no longer there. Compile on a copy, keep it once the state compiled.
  void assign(const std::set<pkt::IpAddress>& vips) {
    for (auto it = held_.begin(); it != held_.end();) {
      if (vips.count(it->first) != 0) {
        ++it;
        continue;
      }
      if (it->second < kVipSlots) free_.push_back(it->second);
      it = held_.erase(it);
    }
    for (const auto& vip : vips) {
      if (held_.count(vip) != 0) continue;
      uint16_t slot = kUncountedVip;
      if (next_ < kVipSlots) {
        slot = next_++;
      } else if (!free_.empty()) {
        slot = free_.front();
        free_.pop_front();
      }
      held_.emplace(vip, slot);
    }
  }

  uint16_t slotOf(const pkt::IpAddress& vip) const {
    const auto it = held_.find(vip);
    return it == held_.end() ? kUncountedVip : it->second;
  }
  std::size_t uncounted() const {
    std::size_t n = 0;
    for (const auto& [vip, slot] : held_) n += slot >= kVipSlots ? 1 : 0;
    return n;
  }

 private:
  std::map<pkt::IpAddress, uint16_t> held_;
  std::deque<uint16_t> free_;
  uint16_t next_ = 0;
};

}  // namespace portico::dp::snapshot
