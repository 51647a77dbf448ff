#include "dataplane/arp/neighbor_advert.h"

#include "dataplane/pkt/checksum.h"

namespace portico::dp::arp {

using namespace pkt;

uint32_t writeNeighborAdvert(uint8_t* frame, uint32_t l3Offset, const MacAddr& srcMac, const MacAddr& dstMac,
                             const Ipv6Addr& dst, const Ipv6Addr& target, uint32_t flags) {
  auto* eth = headerAt<EthHdr>(frame, 0);
  eth->dst = dstMac;
  eth->src = srcMac;

  constexpr uint16_t kBodyLength = sizeof(NdHdr) + sizeof(NdLinkAddrOpt);
  auto* ip = headerAt<Ipv6Hdr>(frame, l3Offset);
  ip->vtcFlow = hton32(6u << 28);
  ip->payloadLength = hton16(kBodyLength);
  ip->nextHeader = kProtoIcmp6;
  ip->hopLimit = 255;  // RFC 4861 7.1.2: receivers drop ND messages that crossed a router
  ip->src = target;
  ip->dst = dst;

  auto* nd = headerAt<NdHdr>(frame, l3Offset + sizeof(Ipv6Hdr));
  nd->type = kIcmp6NeighborAdvert;
  nd->code = 0;
  nd->checksum = 0;
  nd->flags = hton32(flags);
  nd->target = target;
  auto* opt = headerAt<NdLinkAddrOpt>(frame, l3Offset + sizeof(Ipv6Hdr) + sizeof(NdHdr));
  opt->type = kNdOptTargetLinkAddr;
  opt->length = 1;
  opt->mac = srcMac;

  const uint32_t sum = sumBytes(reinterpret_cast<const uint8_t*>(nd), kBodyLength,
                                ipv6PseudoSum(ip, kBodyLength, kProtoIcmp6));
  nd->checksum = checksumField(sum);
  return l3Offset + kNeighborAdvertL3Length;
}

}  // namespace portico::dp::arp
