#include "dataplane/lb/nat.h"

#include <cstring>

#include "dataplane/pkt/checksum.h"

namespace portico::dp::lb {

using namespace pkt;

namespace {

// The L4 checksum field of the packet, or nullptr when it has none to update.
uint16_t* l4Checksum(uint8_t* frame, const ParsedPacket& p) {
  if (p.laterFragment) return nullptr;
  // A packet quoted inside an ICMP error may be cut short before its checksum.
  if (p.l4Proto == kProtoTcp) {
    return p.l4Offset + sizeof(TcpHdr) <= p.l3End ? &headerAt<TcpHdr>(frame, p.l4Offset)->checksum : nullptr;
  }
  if (p.l4Proto == kProtoUdp) {
    if (p.l4Offset + sizeof(UdpHdr) > p.l3End) return nullptr;
    auto* udp = headerAt<UdpHdr>(frame, p.l4Offset);
    // IPv4 UDP may go without a checksum (zero), and stays so.
    if (p.ipVersion == 4 && udp->checksum == 0) return nullptr;
    return &udp->checksum;
  }
  return nullptr;
}

void replace(uint16_t* csum, const void* oldBytes, const void* newBytes, std::size_t len) {
  if (csum == nullptr) return;
  *csum = updateChecksumBytes(*csum, static_cast<const uint8_t*>(oldBytes), static_cast<const uint8_t*>(newBytes), len);
}

}  // namespace

void rewriteFlow(uint8_t* frame, const ParsedPacket& p, const FlowKey& to) {
  uint16_t* csum = l4Checksum(frame, p);
  const bool udp = p.l4Proto == kProtoUdp;
  if (p.ipVersion == 4) {
    auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
    const uint32_t src = v4FromMapped(to.src), dst = v4FromMapped(to.dst);
    uint32_t old[2] = {ip->src, ip->dst};
    const uint32_t now[2] = {src, dst};
    ip->checksum = updateChecksumBytes(ip->checksum, reinterpret_cast<const uint8_t*>(old),
                                       reinterpret_cast<const uint8_t*>(now), 8);
    replace(csum, old, now, 8);
    ip->src = src;
    ip->dst = dst;
  } else {
    auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
    replace(csum, ip->src.data(), to.src.data(), 16);
    replace(csum, ip->dst.data(), to.dst.data(), 16);
    ip->src = to.src;
    ip->dst = to.dst;
  }
  if (p.laterFragment) return;
  // Ports are the first four bytes of both TCP and UDP headers.
  uint8_t* ports = frame + p.l4Offset;
  uint16_t now[2] = {to.srcPort, to.dstPort};
  replace(csum, ports, now, 4);
  std::memcpy(ports, now, 4);
  // A computed UDP checksum of zero is sent as all ones (RFC 768).
  if (udp && csum != nullptr && *csum == 0) *csum = 0xffff;
}

bool decrementHopLimit(uint8_t* frame, const ParsedPacket& p) {
  if (p.ipVersion == 4) {
    auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
    if (ip->ttl <= 1) return false;
    // TTL is the high byte of the word it shares with the protocol.
    const uint16_t oldWord = hton16(static_cast<uint16_t>(ip->ttl << 8 | ip->proto));
    --ip->ttl;
    const uint16_t newWord = hton16(static_cast<uint16_t>(ip->ttl << 8 | ip->proto));
    ip->checksum = updateChecksum16(ip->checksum, oldWord, newWord);
    return true;
  }
  auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  if (ip->hopLimit <= 1) return false;
  --ip->hopLimit;
  return true;
}

}  // namespace portico::dp::lb
