#include "dataplane/arp/nd_responder.h"

#include "dataplane/arp/neighbor_advert.h"
#include "dataplane/pkt/checksum.h"

namespace portico::dp::arp {

using namespace pkt;

Verdict answerNeighborSolicit(uint8_t* frame, uint32_t capacity, const ParsedPacket& p, const PortAddresses& port,
                              const lb::VipTable& vips) {
  const auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  const uint32_t icmpLen = p.l4Length();
  // RFC 4861 7.1.1 validity checks.
  if (ip->hopLimit != 255 || icmpLen < sizeof(NdHdr)) return Verdict::drop(DropReason::kNdBadFormat);
  const auto* ns = headerAt<NdHdr>(frame, p.l4Offset);
  if (ns->code != 0 || isMulticast6(ns->target)) return Verdict::drop(DropReason::kNdBadFormat);
  if (!checksumValid(sumBytes(frame + p.l4Offset, icmpLen, ipv6PseudoSum(ip, icmpLen, kProtoIcmp6)))) {
    return Verdict::drop(DropReason::kIcmpBadChecksum);
  }
  const Ipv6Addr target = ns->target;
  if (!vips.containsV6(target) && !port.ownsV6(target)) return Verdict::drop(DropReason::kNotForUs);

  // Where to send the answer: the source link-layer option if present, else the frame's
  // source. Options must each be non-empty and fit.
  MacAddr replyMac = headerAt<EthHdr>(frame, 0)->src;
  bool hasSourceLinkAddr = false;
  for (uint32_t off = p.l4Offset + sizeof(NdHdr); off < p.l3End;) {
    if (off + 2 > p.l3End) return Verdict::drop(DropReason::kNdBadFormat);
    const uint32_t optLen = frame[off + 1] * 8u;
    if (optLen == 0 || off + optLen > p.l3End) return Verdict::drop(DropReason::kNdBadFormat);
    if (frame[off] == kNdOptSourceLinkAddr && optLen >= sizeof(NdLinkAddrOpt)) {
      replyMac = headerAt<NdLinkAddrOpt>(frame, off)->mac;
      hasSourceLinkAddr = true;
    }
    off += optLen;
  }

  Ipv6Addr dst = ip->src;
  uint32_t flags = kNaSolicited | kNaOverride;
  if (isUnspecified6(dst)) {
    // Duplicate address detection by someone else: the answer goes to all nodes and is
    // not solicited (RFC 4861 7.2.4). A DAD probe never carries a source link option.
    if (hasSourceLinkAddr) return Verdict::drop(DropReason::kNdBadFormat);
    dst = kAllNodes6;
    replyMac = multicastMac6(kAllNodes6);
    flags = kNaOverride;
  }
  if (p.l3Offset + kNeighborAdvertL3Length > capacity) return Verdict::drop(DropReason::kReplyTooLarge);
  const uint32_t len = writeNeighborAdvert(frame, p.l3Offset, port.mac, replyMac, dst, target, flags);
  return Verdict::reply(static_cast<uint16_t>(len));
}

}  // namespace portico::dp::arp
