#include "dataplane/arp/announce.h"

#include <cstring>

#include "dataplane/arp/neighbor_advert.h"
#include "dataplane/pkt/checksum.h"

namespace portico::dp::arp {

using namespace pkt;

uint32_t buildArpRequest(uint8_t* buf, const MacAddr& mac, uint32_t senderBe, uint32_t targetBe) {
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
  arp->op = hton16(kArpRequest);
  arp->sha = mac;
  arp->spa = senderBe;
  arp->tha = MacAddr{};
  arp->tpa = targetBe;
  return kMinFrame;
}

uint32_t buildGratuitousArp(uint8_t* buf, const MacAddr& mac, uint32_t vipBe) {
  // A request rather than a reply: every stack updates its cache from it (RFC 5227 3).
  return buildArpRequest(buf, mac, vipBe, vipBe);
}

uint32_t buildNeighborSolicit(uint8_t* buf, const MacAddr& mac, const Ipv6Addr& source, const Ipv6Addr& target) {
  const Ipv6Addr group = solicitedNodeMulticast(target);
  auto* eth = headerAt<EthHdr>(buf, 0);
  eth->dst = multicastMac6(group);
  eth->src = mac;
  eth->etherType = hton16(kEtherTypeIpv6);
  constexpr uint16_t kBodyLength = sizeof(NdHdr) + sizeof(NdLinkAddrOpt);
  auto* ip = headerAt<Ipv6Hdr>(buf, sizeof(EthHdr));
  ip->vtcFlow = hton32(6u << 28);
  ip->payloadLength = hton16(kBodyLength);
  ip->nextHeader = kProtoIcmp6;
  ip->hopLimit = 255;
  ip->src = source;
  ip->dst = group;
  auto* ns = headerAt<NdHdr>(buf, sizeof(EthHdr) + sizeof(Ipv6Hdr));
  ns->type = kIcmp6NeighborSolicit;
  ns->code = 0;
  ns->checksum = 0;
  ns->flags = 0;
  ns->target = target;
  auto* opt = headerAt<NdLinkAddrOpt>(buf, sizeof(EthHdr) + sizeof(Ipv6Hdr) + sizeof(NdHdr));
  opt->type = kNdOptSourceLinkAddr;
  opt->length = 1;
  opt->mac = mac;
  ns->checksum = checksumField(sumBytes(reinterpret_cast<const uint8_t*>(ns), kBodyLength,
                                        ipv6PseudoSum(ip, kBodyLength, kProtoIcmp6)));
  return sizeof(EthHdr) + sizeof(Ipv6Hdr) + kBodyLength;
}

uint32_t buildUnsolicitedNeighborAdvert(uint8_t* buf, const MacAddr& mac, const Ipv6Addr& vip) {
  headerAt<EthHdr>(buf, 0)->etherType = hton16(kEtherTypeIpv6);
  return writeNeighborAdvert(buf, sizeof(EthHdr), mac, multicastMac6(kAllNodes6), kAllNodes6, vip, kNaOverride);
}

}  // namespace portico::dp::arp
