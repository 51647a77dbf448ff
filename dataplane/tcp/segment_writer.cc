#include "dataplane/tcp/segment_writer.h"

#include <cstring>

#include "dataplane/tcp/tcp_options.h"
#include "dataplane/lb/flow_key.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/pkt/checksum.h"

namespace portico::dp::tcp {

using namespace pkt;

uint16_t writeSegment(uint8_t* buf, uint32_t capacity, const SegmentSpec& s) {
  uint8_t options[40];
  unsigned optLen = 0;
  if (s.flags & lb::kTcpSyn) {
    if (s.mss != 0) {
      options[optLen++] = kOptMss;
      options[optLen++] = 4;
      options[optLen++] = static_cast<uint8_t>(s.mss >> 8);
      options[optLen++] = static_cast<uint8_t>(s.mss);
    }
    if (s.sackPermitted) {
      options[optLen++] = kOptNop;
      options[optLen++] = kOptNop;
      options[optLen++] = kOptSackPermitted;
      options[optLen++] = 2;
    }
    if (s.windowScale != kNoWindowScale) {
      options[optLen++] = kOptNop;
      options[optLen++] = kOptWindowScale;
      options[optLen++] = 3;
      options[optLen++] = s.windowScale;
    }
  } else if (s.sackCount > 0) {
    options[optLen++] = kOptNop;
    options[optLen++] = kOptNop;
    options[optLen++] = kOptSack;
    options[optLen++] = static_cast<uint8_t>(2 + 8 * s.sackCount);
    for (unsigned i = 0; i < s.sackCount; ++i) {
      const uint32_t edges[2] = {hton32(s.sack[i].start), hton32(s.sack[i].end)};
      std::memcpy(options + optLen, edges, 8);
      optLen += 8;
    }
  }
  const unsigned l3Len = s.family == 4 ? sizeof(Ipv4Hdr) : sizeof(Ipv6Hdr);
  const unsigned tcpLen = sizeof(TcpHdr) + optLen;
  const std::size_t payload = s.head.size() + s.body.size();
  const std::size_t total = sizeof(EthHdr) + l3Len + tcpLen + payload;
  if (total > capacity || total > 0xffff) return 0;

  auto* eth = reinterpret_cast<EthHdr*>(buf);
  eth->dst = s.dstMac;
  eth->src = s.srcMac;
  eth->etherType = hton16(s.family == 4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
  uint8_t* l3 = buf + sizeof(EthHdr);
  uint8_t* l4 = l3 + l3Len;
  const auto segLen = static_cast<uint32_t>(tcpLen + payload);
  // Native sums (checksum.h): the payload is summed 4 bytes at a time.
  uint64_t pseudo;
  if (s.family == 4) {
    auto* ip = reinterpret_cast<Ipv4Hdr*>(l3);
    std::memset(ip, 0, sizeof *ip);
    ip->versionIhl = 0x45;
    ip->totalLength = hton16(static_cast<uint16_t>(l3Len + segLen));
    ip->fragOff = hton16(0x4000);  // don't fragment
    ip->ttl = 64;
    ip->proto = kProtoTcp;
    ip->src = lb::v4FromMapped(s.src);
    ip->dst = lb::v4FromMapped(s.dst);
    setIpv4Checksum(ip);
    pseudo = sumNative(&ip->src, 8);
  } else {
    auto* ip = reinterpret_cast<Ipv6Hdr*>(l3);
    std::memset(ip, 0, sizeof *ip);
    ip->vtcFlow = hton32(6u << 28);
    ip->payloadLength = hton16(static_cast<uint16_t>(segLen));
    ip->nextHeader = kProtoTcp;
    ip->hopLimit = 64;
    ip->src = s.src;
    ip->dst = s.dst;
    pseudo = sumNative(&ip->src, 32);
  }
  // The pseudo-header's protocol and length words, as native loads of their wire bytes.
  pseudo += hton16(kProtoTcp) + hton16(static_cast<uint16_t>(segLen));
  auto* tcp = reinterpret_cast<TcpHdr*>(l4);
  tcp->srcPort = s.srcPortBe;
  tcp->dstPort = s.dstPortBe;
  tcp->seq = hton32(s.seq);
  tcp->ack = hton32(s.ack);
  tcp->dataOff = static_cast<uint8_t>((tcpLen / 4) << 4);
  tcp->flags = s.flags;
  tcp->window = hton16(s.window);
  tcp->checksum = 0;
  tcp->urgent = 0;
  std::memcpy(l4 + sizeof(TcpHdr), options, optLen);
  if (!s.head.empty()) std::memcpy(l4 + tcpLen, s.head.data(), s.head.size());
  if (!s.body.empty()) std::memcpy(l4 + tcpLen + s.head.size(), s.body.data(), s.body.size());
  const auto checksum = static_cast<uint16_t>(~foldNative(sumNative(l4, segLen) + pseudo));
  std::memcpy(&tcp->checksum, &checksum, 2);
  return static_cast<uint16_t>(total);
}

}  // namespace portico::dp::tcp
