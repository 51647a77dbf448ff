#include "dataplane/arp/l2_pair.h"

#include <cstring>

#include "dataplane/pkt/checksum.h"
#include "dataplane/pkt/ip_address.h"

namespace portico::dp::arp {

using namespace pkt;

namespace {

// The heartbeat's UDP payload.
struct __attribute__((packed)) Heartbeat {
  uint8_t magic[4];  // "PTCO"
  uint8_t version;
  uint8_t priority;
  uint8_t role;
  uint8_t reserved;
  uint16_t sequence;
};
constexpr uint8_t kMagic[4] = {'P', 'T', 'C', 'O'};
constexpr uint8_t kVersion = 1;
constexpr uint32_t kHeartbeatOffset = sizeof(EthHdr) + sizeof(Ipv4Hdr) + sizeof(UdpHdr);
constexpr uint32_t kMinFrame = 60;

std::string v4String(uint32_t be) { return IpAddress::fromV4(be).toString(); }

}  // namespace

const char* roleName(L2Pair::Role role) {
  switch (role) {
    case L2Pair::Role::kStarting:
      return "starting";
    case L2Pair::Role::kStandby:
      return "standby";
    case L2Pair::Role::kActive:
      return "active";
  }
  return "?";
}

L2Pair::L2Pair(const PairSettings& settings, const MacAddr& mac) : settings_(settings), mac_(mac) {}

bool L2Pair::take(uint8_t portIndex, const uint8_t* frame, uint32_t len, Clock::time_point now) {
  if (portIndex != settings_.port || len < kHeartbeatOffset + sizeof(Heartbeat)) return false;
  if (headerAt<EthHdr>(frame, 0)->etherType != hton16(kEtherTypeIpv4)) return false;
  const auto* ip = headerAt<Ipv4Hdr>(frame, sizeof(EthHdr));
  if (ip->versionIhl != 0x45 || ip->proto != kProtoUdp || ip->src != settings_.peer || ip->dst != settings_.self) {
    return false;
  }
  const auto* udp = headerAt<UdpHdr>(frame, sizeof(EthHdr) + sizeof(Ipv4Hdr));
  if (udp->dstPort != hton16(settings_.udpPort)) return false;
  Heartbeat hb;
  std::memcpy(&hb, frame + kHeartbeatOffset, sizeof hb);
  if (std::memcmp(hb.magic, kMagic, sizeof kMagic) != 0 || hb.version != kVersion || hb.role > 2) return false;
  heard_ = true;
  lastHeard_ = now;
  peerPriority_ = hb.priority;
  peerRole_ = static_cast<Role>(hb.role);
  return true;
}

uint32_t L2Pair::heartbeatDue(Clock::time_point now, uint8_t* frame) {
  if (now < nextHeartbeat_) return 0;
  nextHeartbeat_ = now + settings_.interval;
  std::memset(frame, 0, kMinFrame);
  auto* eth = headerAt<EthHdr>(frame, 0);
  eth->dst = kBroadcastMac;
  eth->src = mac_;
  eth->etherType = hton16(kEtherTypeIpv4);
  auto* ip = headerAt<Ipv4Hdr>(frame, sizeof(EthHdr));
  ip->versionIhl = 0x45;
  ip->totalLength = hton16(sizeof(Ipv4Hdr) + sizeof(UdpHdr) + sizeof(Heartbeat));
  ip->ttl = 1;  // never beyond the segment
  ip->proto = kProtoUdp;
  ip->src = settings_.self;
  ip->dst = settings_.peer;
  ip->checksum = checksumField(sumBytes(reinterpret_cast<const uint8_t*>(ip), sizeof(Ipv4Hdr)));
  auto* udp = headerAt<UdpHdr>(frame, sizeof(EthHdr) + sizeof(Ipv4Hdr));
  udp->srcPort = udp->dstPort = hton16(settings_.udpPort);
  udp->length = hton16(sizeof(UdpHdr) + sizeof(Heartbeat));
  udp->checksum = 0;  // optional for IPv4
  Heartbeat hb{};
  std::memcpy(hb.magic, kMagic, sizeof kMagic);
  hb.version = kVersion;
  hb.priority = settings_.priority;
  hb.role = static_cast<uint8_t>(role_);
  hb.sequence = hton16(sequence_++);
  std::memcpy(frame + kHeartbeatOffset, &hb, sizeof hb);
  return kMinFrame;
}

bool L2Pair::peerAlive(Clock::time_point now) const {
  return heard_ && now - lastHeard_ <= settings_.interval * kDeadIntervals;
}

bool L2Pair::winsOverPeer() const {
  if (settings_.priority != peerPriority_) return settings_.priority > peerPriority_;
  return ntoh32(settings_.self) > ntoh32(settings_.peer);
}

bool L2Pair::decide(Clock::time_point now) {
  if (!listening_) {
    listening_ = true;
    started_ = now;
  }
  const bool alive = peerAlive(now);
  const auto peer = [this] { return "the peer " + v4String(settings_.peer); };  // only for a change
  Role next = role_;
  std::string why;
  switch (role_) {
    case Role::kStarting:
      if (alive && peerRole_ == Role::kActive) {
        next = Role::kStandby;
        why = peer() + " is active";
      } else if (alive) {
        next = winsOverPeer() ? Role::kActive : Role::kStandby;
        why = peer() + " is " + roleName(peerRole_) + ", priority " + std::to_string(peerPriority_) + " against our " +
              std::to_string(settings_.priority);
      } else if (now - started_ >= settings_.interval * kDeadIntervals) {
        next = Role::kActive;
        why = peer() + " was not heard since we started";
      }
      break;
    case Role::kStandby:
      if (!alive) {
        next = Role::kActive;
        why = peer() + " went silent";
      } else if (peerRole_ != Role::kActive && winsOverPeer()) {
        next = Role::kActive;
        why = peer() + " is " + roleName(peerRole_) + " and gives way to our priority";
      }
      break;
    case Role::kActive:
      if (alive && peerRole_ == Role::kActive && !winsOverPeer()) {
        next = Role::kStandby;
        why = peer() + " is active too and has precedence";
      }
      break;
  }
  if (next == role_) return false;
  role_ = next;
  why_ = std::move(why);
  nextHeartbeat_ = now;  // the peer hears of the change at once
  return true;
}

}  // namespace portico::dp::arp
