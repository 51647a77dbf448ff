#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "dataplane/lb/vip_table.h"
#include "dataplane/pkt/headers.h"
#include "dataplane/pkt/ip_address.h"

namespace portico::dp::arp {

// Tells each link when a VIP appears here: `count` gratuitous ARPs (IPv4) or unsolicited
// NAs (IPv6) per VIP and port, `interval` apart, the first at once. Control path; the
// clock is passed in so tests can drive it.
class Announcer {
 public:
  using Clock = std::chrono::steady_clock;
  using Send = std::function<void(std::size_t portIndex, const uint8_t* frame, uint32_t len)>;

  // `refresh` > 0 announces every VIP again that often, for switches and hosts that
  // forget (or never heard) the first announcements.
  Announcer(std::vector<pkt::MacAddr> portMacs, unsigned count, std::chrono::milliseconds interval,
            std::chrono::milliseconds refresh = std::chrono::milliseconds(0));

  // Schedules every VIP of `after` that `before` did not have; the first frames go out
  // at the next tick.
  void vipsChanged(const lb::VipTable& before, const lb::VipTable& after);

  // Sends the announcements due at `now`.
  void tick(Clock::time_point now, const Send& send);

  // The standby of an L2 pair announces nothing (VIPs still change underneath). On
  // becoming active it announces every VIP at once, `count` times (at least once): the
  // takeover the segment must hear of.
  void setActive(bool active);

  bool idle() const { return !active_ || (pending_.empty() && refresh_.count() == 0); }

 private:
  struct Pending {
    pkt::IpAddress vip;
    unsigned remaining;
    Clock::time_point due;
  };

  std::vector<pkt::MacAddr> portMacs_;
  unsigned count_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds refresh_;
  Clock::time_point nextRefresh_{};
  std::vector<pkt::IpAddress> current_;  // every VIP, for the refresh
  std::vector<Pending> pending_;
  bool active_ = true;
};

}  // namespace portico::dp::arp
