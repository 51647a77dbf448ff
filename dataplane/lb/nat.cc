#include "dataplane/lb/nat.h"

#include <cstddef>
#include <cstring>

#include "dataplane/pkt/checksum.h"

namespace portico::dp::lb {

using namespace pkt;

namespace {

// Where the L4 checksum field of the packet is, or nullptr when it has none to update.
uint8_t* l4Checksum(uint8_t* frame, const ParsedPacket& p) {
  if (p.laterFragment) return nullptr;
  // A packet quoted inside an ICMP error may be cut short before its checksum.
  if (p.l4Proto == kProtoTcp) {
    return p.l4Offset + sizeof(TcpHdr) <= p.l3End ? frame + p.l4Offset + offsetof(TcpHdr, checksum) : nullptr;
  }
  if (p.l4Proto == kProtoUdp) {
    if (p.l4Offset + sizeof(UdpHdr) > p.l3End) return nullptr;
    uint8_t* field = frame + p.l4Offset + offsetof(UdpHdr, checksum);
    // IPv4 UDP may go without a checksum (zero), and stays so.
    if (p.ipVersion == 4 && field[0] == 0 && field[1] == 0) return nullptr;
    return field;
  }
  return nullptr;
}

}  // namespace

void rewriteFlow(uint8_t* frame, const ParsedPacket& p, const Ipv6Addr& src, const Ipv6Addr& dst, uint16_t srcPort,
                 uint16_t dstPort) {
  uint8_t* csumField = l4Checksum(frame, p);
  uint64_t oldSum, newSum;
  if (p.ipVersion == 4) {
    auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
    uint8_t* addrs = reinterpret_cast<uint8_t*>(&ip->src);  // src and dst, 8 bytes
    oldSum = sumNative(addrs, 8);
    std::memcpy(addrs, src.data() + 12, 4);
    std::memcpy(addrs + 4, dst.data() + 12, 4);
    newSum = sumNative(addrs, 8);
    ip->checksum = replaceNative(ip->checksum, oldSum, newSum);
  } else {
    auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
    oldSum = sumNative(ip->src.data(), 32);
    ip->src = src;
    ip->dst = dst;
    newSum = sumNative(ip->src.data(), 32);
  }
  if (!p.laterFragment) {
    // Ports are the first four bytes of both TCP and UDP headers.
    uint8_t* ports = frame + p.l4Offset;
    oldSum += sumNative(ports, 4);
    std::memcpy(ports, &srcPort, 2);
    std::memcpy(ports + 2, &dstPort, 2);
    newSum += sumNative(ports, 4);
  }
  if (csumField == nullptr) return;
  // The L4 checksum covers the addresses through the pseudo header.
  uint16_t csum;
  std::memcpy(&csum, csumField, 2);
  csum = replaceNative(csum, oldSum, newSum);
  // A computed UDP checksum of zero is sent as all ones (RFC 768).
  if (p.l4Proto == kProtoUdp && csum == 0) csum = 0xffff;
  std::memcpy(csumField, &csum, 2);
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
