#include "dataplane/arp/announcer.h"

#include <algorithm>

#include "dataplane/arp/announce.h"

namespace portico::dp::arp {

Announcer::Announcer(std::vector<pkt::MacAddr> portMacs, unsigned count, std::chrono::milliseconds interval)
    : portMacs_(std::move(portMacs)), count_(count), interval_(interval) {}

void Announcer::vipsChanged(const lb::VipTable& before, const lb::VipTable& after) {
  if (count_ == 0) return;
  for (uint32_t v4 : after.v4()) {
    if (!before.containsV4(v4)) pending_.push_back({pkt::IpAddress::fromV4(v4), count_, Clock::time_point{}});
  }
  for (const auto& v6 : after.v6()) {
    if (!before.containsV6(v6)) pending_.push_back({pkt::IpAddress::fromV6(v6), count_, Clock::time_point{}});
  }
}

void Announcer::tick(Clock::time_point now, const Send& send) {
  uint8_t frame[kAnnounceFrameCapacity];
  for (auto& p : pending_) {
    if (p.due > now) continue;
    for (std::size_t port = 0; port < portMacs_.size(); ++port) {
      const uint32_t len = p.vip.family == 4 ? buildGratuitousArp(frame, portMacs_[port], p.vip.v4)
                                             : buildUnsolicitedNeighborAdvert(frame, portMacs_[port], p.vip.v6);
      send(port, frame, len);
    }
    --p.remaining;
    p.due = now + interval_;
  }
  std::erase_if(pending_, [](const Pending& p) { return p.remaining == 0; });
}

}  // namespace portico::dp::arp
