#include "dataplane/arp/announcer.h"

#include <algorithm>

#include "dataplane/arp/announce.h"

namespace portico::dp::arp {

Announcer::Announcer(std::vector<pkt::MacAddr> portMacs, unsigned count, std::chrono::milliseconds interval,
                     std::chrono::milliseconds refresh)
    : portMacs_(std::move(portMacs)), count_(count), interval_(interval), refresh_(refresh) {}

void Announcer::vipsChanged(const lb::VipTable& before, const lb::VipTable& after) {
  current_.clear();
  for (uint32_t v4 : after.v4()) current_.push_back(pkt::IpAddress::fromV4(v4));
  for (const auto& v6 : after.v6()) current_.push_back(pkt::IpAddress::fromV6(v6));
  if (count_ == 0 || !active_) return;
  for (uint32_t v4 : after.v4()) {
    if (!before.containsV4(v4)) pending_.push_back({pkt::IpAddress::fromV4(v4), count_, Clock::time_point{}});
  }
  for (const auto& v6 : after.v6()) {
    if (!before.containsV6(v6)) pending_.push_back({pkt::IpAddress::fromV6(v6), count_, Clock::time_point{}});
  }
}

void Announcer::setActive(bool active) {
  if (active == active_) return;
  active_ = active;
  pending_.clear();
  if (active) {
    for (const auto& vip : current_) pending_.push_back({vip, std::max(count_, 1u), Clock::time_point{}});
  }
}

void Announcer::tick(Clock::time_point now, const Send& send) {
  if (!active_) return;
  if (refresh_.count() != 0 && now >= nextRefresh_) {
    // The first pass only sets the clock: new VIPs were just announced by vipsChanged.
    if (nextRefresh_ != Clock::time_point{}) {
      for (const auto& vip : current_) {
        const bool queued = std::any_of(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.vip == vip; });
        if (!queued) pending_.push_back({vip, 1, Clock::time_point{}});
      }
    }
    nextRefresh_ = now + refresh_;
  }
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
