#pragma once

// Two appliances on one L2 segment serving the same VIPs, one active and one standby (L2
// mode's failover, as keepalived's VRRP gives IPVS and MetalLB's memberlist gives its
// speakers). Only the active one answers ARP/NDP for the VIPs and announces them. Each
// sends a heartbeat to the other every interval, from the port's own address to the
// peer's, as a broadcast frame (no neighbour to resolve first) through its workers, so a
// heartbeat proves the peer's data path and not only its process.
//   - The standby takes over when the peer has been silent for three intervals, and
//     announces every VIP with gratuitous ARP / unsolicited NA.
//   - A starting appliance listens for three intervals before it claims anything.
//   - No preemption: an appliance that comes back while its peer is active stays standby,
//     so its return moves no connection.
//   - Two active (a healed partition) or two standby: the higher priority wins, then the
//     higher address.
// Control path only; the clock is passed in so tests can drive it.

#include <chrono>
#include <cstdint>
#include <string>

#include "dataplane/pkt/headers.h"

namespace portico::dp::arp {

struct PairSettings {
  uint8_t port = 0;   // the port (index) both appliances share, with an IPv4 address
  uint32_t self = 0;  // that port's address, network order
  uint32_t peer = 0;  // the peer's address on it, network order
  uint8_t priority = 100;
  std::chrono::milliseconds interval{100};
  uint16_t udpPort = 7947;
};

class L2Pair {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Role : uint8_t { kStarting = 0, kStandby = 1, kActive = 2 };
  static constexpr unsigned kDeadIntervals = 3;
  static constexpr uint32_t kFrameCapacity = 64;

  L2Pair(const PairSettings& settings, const pkt::MacAddr& mac);

  // A frame the workers passed to the control thread: true when it is the peer's
  // heartbeat, which is then taken in (and the frame needs nothing else).
  bool take(uint8_t portIndex, const uint8_t* frame, uint32_t len, Clock::time_point now);

  // Writes the heartbeat into `frame` (kFrameCapacity) when one is due at `now`; returns
  // its length, 0 when none is due.
  uint32_t heartbeatDue(Clock::time_point now, uint8_t* frame);

  // Decides the role at `now`; true when it changed (role() and why() say how). The
  // first call starts the listening: call it once the workers receive.
  bool decide(Clock::time_point now);

  Role role() const { return role_; }
  bool active() const { return role_ == Role::kActive; }
  const std::string& why() const { return why_; }
  bool peerAlive(Clock::time_point now) const;
  const PairSettings& settings() const { return settings_; }

 private:
  bool winsOverPeer() const;

  PairSettings settings_;
  pkt::MacAddr mac_;
  Clock::time_point started_{};
  bool listening_ = false;
  Clock::time_point nextHeartbeat_{};
  Clock::time_point lastHeard_{};
  bool heard_ = false;
  uint8_t peerPriority_ = 0;
  Role peerRole_ = Role::kStarting;
  Role role_ = Role::kStarting;
  uint16_t sequence_ = 0;
  std::string why_;
};

const char* roleName(L2Pair::Role role);

}  // namespace portico::dp::arp
