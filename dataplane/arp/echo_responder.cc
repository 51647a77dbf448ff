#include "dataplane/arp/echo_responder.h"

#include "dataplane/pkt/checksum.h"

namespace portico::dp::arp {

using namespace pkt;

namespace {

constexpr uint8_t kReplyHopLimit = 64;

void swapEthernet(uint8_t* frame, const PortAddresses& port) {
  auto* eth = headerAt<EthHdr>(frame, 0);
  eth->dst = eth->src;
  eth->src = port.mac;
}

// The echo type byte shares a 16-bit checksum word with the code byte. Only for ICMPv6:
// its pseudo-header's addresses keep the sum from being zero, where the update is exact.
void setEchoType(uint8_t* icmp, uint8_t type) {
  const uint16_t oldWord = hton16(static_cast<uint16_t>(icmp[0] << 8 | icmp[1]));
  icmp[0] = type;
  const uint16_t newWord = hton16(static_cast<uint16_t>(icmp[0] << 8 | icmp[1]));
  auto* hdr = reinterpret_cast<IcmpHdr*>(icmp);
  hdr->checksum = updateChecksum16(hdr->checksum, oldWord, newWord);
}

}  // namespace

Verdict answerEcho4(uint8_t* frame, uint32_t len, const ParsedPacket& p, const PortAddresses& port) {
  if (p.fragment) return Verdict::drop(DropReason::kNoServiceOnVip);  // no reassembly for pings
  uint8_t* icmp = frame + p.l4Offset;
  if (icmp[1] != 0) return Verdict::drop(DropReason::kNoServiceOnVip);
  if (!checksumValid(sumBytes(icmp, p.l4Length()))) return Verdict::drop(DropReason::kIcmpBadChecksum);

  auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
  const uint32_t src = ip->src;
  ip->src = ip->dst;
  ip->dst = src;
  ip->ttl = kReplyHopLimit;
  setIpv4Checksum(ip);
  // Summed again rather than updated (RFC 1624): with no pseudo-header, a reply whose
  // every byte is zero (id 0, sequence 0, a zero payload) must carry 0xffff, and the
  // update gives 0x0000, which receivers reject (found by the frames fuzz target). The
  // request was just summed whole anyway.
  icmp[0] = kIcmpEchoReply;
  auto* hdr = reinterpret_cast<IcmpHdr*>(icmp);
  hdr->checksum = 0;
  hdr->checksum = checksumField(sumBytes(icmp, p.l4Length()));
  swapEthernet(frame, port);
  return Verdict::reply(static_cast<uint16_t>(len));
}

Verdict answerEcho6(uint8_t* frame, uint32_t len, const ParsedPacket& p, const PortAddresses& port) {
  // Fragments would need reassembly; a routing header would have to be reversed.
  if (p.fragment || p.l4Offset != p.l3Offset + sizeof(Ipv6Hdr)) return Verdict::drop(DropReason::kNoServiceOnVip);
  uint8_t* icmp = frame + p.l4Offset;
  auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  if (icmp[1] != 0 || p.l4Length() < sizeof(IcmpHdr)) return Verdict::drop(DropReason::kIcmp6Truncated);
  if (!checksumValid(sumBytes(icmp, p.l4Length(), ipv6PseudoSum(ip, p.l4Length(), kProtoIcmp6)))) {
    return Verdict::drop(DropReason::kIcmpBadChecksum);
  }
  // Swapping source and destination leaves the pseudo-header sum unchanged; only the
  // type moves the checksum.
  const Ipv6Addr src = ip->src;
  ip->src = ip->dst;
  ip->dst = src;
  ip->hopLimit = kReplyHopLimit;
  setEchoType(icmp, kIcmp6EchoReply);
  swapEthernet(frame, port);
  return Verdict::reply(static_cast<uint16_t>(len));
}

}  // namespace portico::dp::arp
