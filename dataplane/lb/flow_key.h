#pragma once

// One direction of a connection as seen on the wire. IPv4 addresses are stored
// v4-mapped (::ffff:a.b.c.d) so both families share one key type and one hash.

// Inlined, so the hash of a fixed 40-byte key compiles to straight-line code.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <cstring>

#include "dataplane/pkt/headers.h"

namespace portico::dp::lb {

struct FlowKey {
  pkt::Ipv6Addr src{};
  pkt::Ipv6Addr dst{};
  uint16_t srcPort = 0;  // network byte order, as on the wire
  uint16_t dstPort = 0;
  uint8_t proto = 0;
  uint8_t family = 0;  // 4 or 6
  uint16_t pad = 0;    // keeps the key free of indeterminate bytes for hashing

  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof(FlowKey)) == 0; }

  FlowKey reversed() const {
    FlowKey r = *this;
    r.src = dst;
    r.dst = src;
    r.srcPort = dstPort;
    r.dstPort = srcPort;
    return r;
  }

  uint64_t hash() const { return XXH3_64bits(this, sizeof(FlowKey)); }
};
static_assert(sizeof(FlowKey) == 40);

// Written as two 8-byte stores: a key built byte by byte and then hashed with wide loads
// stalls on store forwarding.
inline void setV4Mapped(pkt::Ipv6Addr& a, uint32_t be) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
  const uint64_t low = 0;
  const uint64_t high = 0xffff0000ull | static_cast<uint64_t>(be) << 32;  // 00 00 ff ff, then the address
  std::memcpy(a.data(), &low, 8);
  std::memcpy(a.data() + 8, &high, 8);
}

inline pkt::Ipv6Addr v4Mapped(uint32_t be) {
  pkt::Ipv6Addr a;
  setV4Mapped(a, be);
  return a;
}

inline uint32_t v4FromMapped(const pkt::Ipv6Addr& a) {
  uint32_t be;
  std::memcpy(&be, &a[12], 4);
  return be;
}

}  // namespace portico::dp::lb
