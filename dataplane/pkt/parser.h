#pragma once

// Bounded frame parser: every read is checked against the frame length first, so a
// truncated or lying header ends in a counted drop, never a read past the frame.

#include <cstdint>

#include "dataplane/pkt/checksum.h"
#include "dataplane/pkt/headers.h"
#include "dataplane/pkt/parsed_packet.h"

namespace portico::dp::pkt {

inline constexpr uint8_t kMaxVlanDepth = 2;        // 802.1Q, or QinQ
inline constexpr uint8_t kMaxIpv6ExtHeaders = 8;   // a longer chain is an attack, not traffic

namespace detail {

inline ParseResult parseIpv4Options(const uint8_t* opt, uint32_t len) {
  uint32_t i = 0;
  while (i < len) {
    const uint8_t type = opt[i];
    if (type == 0) break;  // end of option list
    if (type == 1) {       // no-operation
      ++i;
      continue;
    }
    if (i + 1 >= len) return ParseResult::drop(DropReason::kIpv4BadOptions);
    const uint8_t optLen = opt[i + 1];
    if (optLen < 2 || i + optLen > len) return ParseResult::drop(DropReason::kIpv4BadOptions);
    i += optLen;
  }
  return ParseResult::good();
}

inline ParseResult parseL4(const uint8_t* frame, ParsedPacket& p) {
  const uint32_t avail = p.l4Length();
  switch (p.l4Proto) {
    case kProtoTcp: {
      if (avail < sizeof(TcpHdr)) return ParseResult::drop(DropReason::kTcpTruncated);
      const uint32_t doff = (headerAt<TcpHdr>(frame, p.l4Offset)->dataOff >> 4) * 4u;
      if (doff < sizeof(TcpHdr) || doff > avail) return ParseResult::drop(DropReason::kTcpBadDataOffset);
      p.payloadOffset = static_cast<uint16_t>(p.l4Offset + doff);
      return ParseResult::good();
    }
    case kProtoUdp: {
      if (avail < sizeof(UdpHdr)) return ParseResult::drop(DropReason::kUdpTruncated);
      const uint32_t udpLen = ntoh16(headerAt<UdpHdr>(frame, p.l4Offset)->length);
      // A first fragment holds only part of the datagram the UDP length counts.
      if (udpLen < sizeof(UdpHdr) || (udpLen > avail && !p.fragment)) {
        return ParseResult::drop(DropReason::kUdpBadLength);
      }
      p.payloadOffset = static_cast<uint16_t>(p.l4Offset + sizeof(UdpHdr));
      return ParseResult::good();
    }
    case kProtoIcmp:
      if (avail < sizeof(IcmpHdr)) return ParseResult::drop(DropReason::kIcmpTruncated);
      p.payloadOffset = static_cast<uint16_t>(p.l4Offset + sizeof(IcmpHdr));
      return ParseResult::good();
    case kProtoIcmp6:
      // Type, code and checksum; each message type checks its own body.
      if (avail < 4) return ParseResult::drop(DropReason::kIcmp6Truncated);
      p.payloadOffset = static_cast<uint16_t>(p.l4Offset + 4);
      return ParseResult::good();
    default:
      p.payloadOffset = p.l4Offset;
      return ParseResult::good();
  }
}

inline ParseResult parseIpv4(const uint8_t* frame, uint32_t len, ParsedPacket& p) {
  const uint32_t avail = len - p.l3Offset;
  if (avail < sizeof(Ipv4Hdr)) return ParseResult::drop(DropReason::kIpv4Truncated);
  const auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
  if ((ip->versionIhl >> 4) != 4) return ParseResult::drop(DropReason::kIpv4BadVersion);
  const uint32_t ihl = (ip->versionIhl & 0x0f) * 4u;
  if (ihl < sizeof(Ipv4Hdr)) return ParseResult::drop(DropReason::kIpv4BadIhl);
  if (ihl > avail) return ParseResult::drop(DropReason::kIpv4Truncated);
  const uint32_t total = ntoh16(ip->totalLength);
  if (total < ihl || total > avail) return ParseResult::drop(DropReason::kIpv4BadTotalLength);
  if (!ipv4HeaderValid(ip)) return ParseResult::drop(DropReason::kIpv4BadChecksum);
  if (ihl > sizeof(Ipv4Hdr)) {
    const ParseResult r = parseIpv4Options(frame + p.l3Offset + sizeof(Ipv4Hdr), ihl - sizeof(Ipv4Hdr));
    if (!r.ok) return r;
  }
  p.ipVersion = 4;
  p.l4Proto = ip->proto;
  p.l3End = static_cast<uint16_t>(p.l3Offset + total);
  p.l4Offset = static_cast<uint16_t>(p.l3Offset + ihl);
  const uint16_t frag = ntoh16(ip->fragOff);
  p.fragment = (frag & (kIpv4MoreFragments | kIpv4OffsetMask)) != 0;
  p.laterFragment = (frag & kIpv4OffsetMask) != 0;
  p.fragmentId = ntoh16(ip->id);
  if (p.laterFragment) {
    p.payloadOffset = p.l4Offset;
    return ParseResult::good();
  }
  return parseL4(frame, p);
}

inline bool isIpv6ExtHeader(uint8_t nh) {
  // Hop-by-hop, routing, fragment, destination options, AH, mobility, HIP, shim6.
  return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 || nh == 139 || nh == 140;
}

inline ParseResult parseIpv6(const uint8_t* frame, uint32_t len, ParsedPacket& p) {
  const uint32_t avail = len - p.l3Offset;
  if (avail < sizeof(Ipv6Hdr)) return ParseResult::drop(DropReason::kIpv6Truncated);
  const auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  if ((ntoh32(ip->vtcFlow) >> 28) != 6) return ParseResult::drop(DropReason::kIpv6BadVersion);
  const uint32_t payload = ntoh16(ip->payloadLength);
  // A zero payload length means a jumbogram (RFC 2675), which an Ethernet frame cannot carry.
  if (payload == 0 && ip->nextHeader != kProtoNoNext6) return ParseResult::drop(DropReason::kIpv6BadPayloadLength);
  if (sizeof(Ipv6Hdr) + payload > avail) return ParseResult::drop(DropReason::kIpv6BadPayloadLength);
  p.ipVersion = 6;
  p.l3End = static_cast<uint16_t>(p.l3Offset + sizeof(Ipv6Hdr) + payload);

  uint8_t nh = ip->nextHeader;
  uint32_t off = p.l3Offset + sizeof(Ipv6Hdr);
  uint8_t walked = 0;
  while (isIpv6ExtHeader(nh)) {
    if (++walked > kMaxIpv6ExtHeaders) return ParseResult::drop(DropReason::kIpv6ExtChainTooLong);
    if (off + sizeof(Ipv6ExtHdr) > p.l3End) return ParseResult::drop(DropReason::kIpv6ExtTruncated);
    const auto* ext = headerAt<Ipv6ExtHdr>(frame, off);
    uint32_t extLen;
    if (nh == 44) {
      extLen = sizeof(Ipv6FragHdr);
      if (off + extLen > p.l3End) return ParseResult::drop(DropReason::kIpv6ExtTruncated);
      const auto* fh = headerAt<Ipv6FragHdr>(frame, off);
      const uint16_t offsetFlags = ntoh16(fh->offsetFlags);
      p.fragment = true;
      p.fragmentId = ntoh32(fh->id);
      p.laterFragment = (offsetFlags & 0xfff8) != 0;
    } else if (nh == 51) {
      extLen = (ext->length + 2u) * 4u;  // AH counts 4-byte words (RFC 4302)
    } else {
      extLen = (ext->length + 1u) * 8u;
    }
    if (off + extLen > p.l3End) return ParseResult::drop(DropReason::kIpv6ExtTruncated);
    nh = ext->nextHeader;
    off += extLen;
    if (p.laterFragment) break;
  }
  p.l4Proto = nh;
  p.l4Offset = static_cast<uint16_t>(off);
  if (p.laterFragment || nh == kProtoNoNext6) {
    p.payloadOffset = p.l4Offset;
    return ParseResult::good();
  }
  return parseL4(frame, p);
}

}  // namespace detail

// Parses one Ethernet frame of len bytes into p. Non-IP, non-ARP ethertypes are an
// unsupported drop; everything else is either fully bounded or a counted drop.
inline ParseResult parseFrame(const uint8_t* frame, uint32_t len, ParsedPacket& p) {
  p = ParsedPacket{};
  if (len < sizeof(EthHdr) || len > 0xffff) return ParseResult::drop(DropReason::kEthTruncated);
  uint16_t type = ntoh16(headerAt<EthHdr>(frame, 0)->etherType);
  uint32_t off = sizeof(EthHdr);
  while (type == kEtherTypeVlan || type == kEtherTypeQinQ) {
    if (p.vlanDepth == kMaxVlanDepth) return ParseResult::drop(DropReason::kVlanTooDeep);
    if (off + sizeof(VlanHdr) > len) return ParseResult::drop(DropReason::kVlanTruncated);
    const auto* vlan = headerAt<VlanHdr>(frame, off);
    if (p.vlanDepth == 0) p.vlanTci = ntoh16(vlan->tci);
    ++p.vlanDepth;
    type = ntoh16(vlan->etherType);
    off += sizeof(VlanHdr);
  }
  p.etherType = type;
  p.l3Offset = static_cast<uint16_t>(off);
  switch (type) {
    case kEtherTypeArp: {
      if (off + sizeof(ArpHdr) > len) return ParseResult::drop(DropReason::kArpTruncated);
      const auto* arp = headerAt<ArpHdr>(frame, off);
      const uint16_t op = ntoh16(arp->op);
      if (ntoh16(arp->htype) != 1 || ntoh16(arp->ptype) != kEtherTypeIpv4 || arp->hlen != 6 || arp->plen != 4 ||
          (op != kArpRequest && op != kArpReply)) {
        return ParseResult::drop(DropReason::kArpBadFormat);
      }
      p.l3End = static_cast<uint16_t>(off + sizeof(ArpHdr));
      return ParseResult::good();
    }
    case kEtherTypeIpv4:
      return detail::parseIpv4(frame, len, p);
    case kEtherTypeIpv6:
      return detail::parseIpv6(frame, len, p);
    default:
      return ParseResult::drop(DropReason::kUnsupportedEthertype);
  }
}

}  // namespace portico::dp::pkt
