#include "dataplane/arp/announce.h"

#include <cstring>

#include "dataplane/arp/neighbor_advert.h"

namespace portico::dp::arp {

using namespace pkt;

uint32_t buildGratuitousArp(uint8_t* buf, const MacAddr& mac, uint32_t vipBe) {
  constexpr uint32_t kMinFrame = 60;
  std::memset(buf, 0, kMinFrame);
  auto* eth = headerAt<EthHdr>(buf, 0);
  eth->dst = kBroadcastMac;
  eth->src = mac;
  eth->etherType = hton16(kEtherTypeArp);
  auto* arp = headerAt<ArpHdr>(buf, sizeof(EthHdr));
  arp->htype = hton16(1);
  arp->ptype = hton16(kEtherTypeIpv4);
  arp->hlen = 6;
  arp->plen = 4;
  // A request rather than a reply: every stack updates its cache from it (RFC 5227 3).
  arp->op = hton16(kArpRequest);
  arp->sha = mac;
  arp->spa = vipBe;
  arp->tha = MacAddr{};
  arp->tpa = vipBe;
  return kMinFrame;
}

uint32_t buildUnsolicitedNeighborAdvert(uint8_t* buf, const MacAddr& mac, const Ipv6Addr& vip) {
  headerAt<EthHdr>(buf, 0)->etherType = hton16(kEtherTypeIpv6);
  return writeNeighborAdvert(buf, sizeof(EthHdr), mac, multicastMac6(kAllNodes6), kAllNodes6, vip, kNaOverride);
}

}  // namespace portico::dp::arp
