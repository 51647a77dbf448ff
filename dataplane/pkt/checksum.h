#pragma once

// Internet checksum (RFC 1071) and incremental update (RFC 1624). Sums are kept as
// 32-bit partial sums of 16-bit big-endian words so pieces can be combined before folding.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/pkt/headers.h"

namespace portico::dp::pkt {

inline uint32_t sumBytes(const uint8_t* data, std::size_t len, uint32_t sum = 0) {
  while (len >= 2) {
    sum += (static_cast<uint32_t>(data[0]) << 8) | data[1];
    data += 2;
    len -= 2;
  }
  if (len == 1) sum += static_cast<uint32_t>(data[0]) << 8;
  return sum;
}

inline uint16_t foldSum(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The value to store in a checksum field (network byte order) for a host-order sum.
inline uint16_t checksumField(uint32_t sum) { return hton16(static_cast<uint16_t>(~foldSum(sum))); }

// True when data (checksum field included) sums to 0xffff, i.e. verifies.
inline bool checksumValid(uint32_t sum) { return foldSum(sum) == 0xffff; }

// Hot-path forms. A ones'-complement sum does not depend on byte order (RFC 1071 2(B)):
// words summed as loaded in host order, and a result stored the same way, give the bytes
// the wire needs with no swapping. Sums of 32-bit loads fold to the same 16-bit sum.
inline uint64_t sumNative(const void* data, std::size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t sum = 0;
  for (; len >= 4; p += 4, len -= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    sum += w;
  }
  if (len >= 2) {
    uint16_t w;
    std::memcpy(&w, p, 2);
    sum += w;
    p += 2;
    len -= 2;
  }
  // An odd last byte is the high half of a zero-padded word (RFC 1071), which a
  // little-endian load holds in its low half.
  static_assert(std::endian::native == std::endian::little);
  if (len == 1) sum += *p;
  return sum;
}

inline uint16_t foldNative(uint64_t sum) {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// RFC 1624 with native sums: the checksum after data summing to oldSum became newSum.
inline uint16_t replaceNative(uint16_t checksum, uint64_t oldSum, uint64_t newSum) {
  uint64_t sum = static_cast<uint16_t>(~checksum);
  sum += static_cast<uint16_t>(~foldNative(oldSum));
  sum += foldNative(newSum);
  return static_cast<uint16_t>(~foldNative(sum));
}

inline uint32_t ipv4HeaderSum(const Ipv4Hdr* ip) {
  return sumBytes(reinterpret_cast<const uint8_t*>(ip), (ip->versionIhl & 0x0f) * 4u);
}

inline bool ipv4HeaderValid(const Ipv4Hdr* ip) {
  return foldNative(sumNative(ip, (ip->versionIhl & 0x0f) * 4u)) == 0xffff;
}

inline void setIpv4Checksum(Ipv4Hdr* ip) {
  ip->checksum = 0;
  const auto checksum = static_cast<uint16_t>(~foldNative(sumNative(ip, (ip->versionIhl & 0x0f) * 4u)));
  std::memcpy(&ip->checksum, &checksum, 2);
}

// IPv6 pseudo-header (RFC 8200 8.1) for an upper-layer length and protocol.
inline uint32_t ipv6PseudoSum(const Ipv6Hdr* ip, uint32_t upperLength, uint8_t proto) {
  uint32_t sum = sumBytes(ip->src.data(), 16);
  sum = sumBytes(ip->dst.data(), 16, sum);
  sum += upperLength >> 16;
  sum += upperLength & 0xffff;
  sum += proto;
  return sum;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Fields are given in network byte order.
inline uint16_t updateChecksum16(uint16_t checksumBe, uint16_t oldBe, uint16_t newBe) {
  uint32_t sum = static_cast<uint16_t>(~ntoh16(checksumBe));
  sum += static_cast<uint16_t>(~ntoh16(oldBe));
  sum += ntoh16(newBe);
  return hton16(static_cast<uint16_t>(~foldSum(sum)));
}

}  // namespace portico::dp::pkt
