#include "dataplane/arp/neighbor_resolver.h"

#include <algorithm>

#include "dataplane/arp/announce.h"
#include "dataplane/pkt/parser.h"

namespace portico::dp::arp {

using namespace pkt;

void NeighborResolver::tick(Clock::time_point now, const Send& send) {
  uint8_t frame[kAnnounceFrameCapacity];
  for (auto& e : cache_.entries()) {
    if (e.pinned || !e.live || e.idle) continue;
    const auto interval = e.resolved ? refresh_ : retry_;
    const auto since = e.resolved ? std::max(e.lastLearned, e.lastRequest) : e.lastRequest;
    if (e.lastRequest != Clock::time_point{} && now - since < interval) continue;
    if (e.port >= ports_.size()) continue;
    const PortAddresses& port = ports_[e.port];
    uint32_t len = 0;
    if (e.ip.family == 4 && port.ipv4) len = buildArpRequest(frame, port.mac, *port.ipv4, e.ip.v4);
    if (e.ip.family == 6 && port.ipv6) len = buildNeighborSolicit(frame, port.mac, *port.ipv6, e.ip.v6);
    if (len == 0) continue;
    send(e.port, frame, len);
    e.lastRequest = now;
  }
}

bool NeighborResolver::onFrame(uint8_t port, const uint8_t* frame, uint32_t len, Clock::time_point now) {
  ParsedPacket p;
  if (!parseFrame(frame, len, p).ok) return false;
  if (p.etherType == kEtherTypeArp) {
    const auto* arp = headerAt<ArpHdr>(frame, p.l3Offset);
    return cache_.learn(port, IpAddress::fromV4(arp->spa), arp->sha, now);
  }
  if (p.ipVersion != 6 || p.l4Proto != kProtoIcmp6 || p.l4Length() < sizeof(NdHdr)) return false;
  const auto* na = headerAt<NdHdr>(frame, p.l4Offset);
  if (na->type != kIcmp6NeighborAdvert) return false;
  for (uint32_t off = p.l4Offset + sizeof(NdHdr); off + sizeof(NdLinkAddrOpt) <= p.l3End;) {
    const uint32_t optLen = frame[off + 1] * 8u;
    if (optLen == 0) return false;
    if (frame[off] == kNdOptTargetLinkAddr) {
      return cache_.learn(port, IpAddress::fromV6(na->target), headerAt<NdLinkAddrOpt>(frame, off)->mac, now);
    }
    off += optLen;
  }
  return false;
}

}  // namespace portico::dp::arp
