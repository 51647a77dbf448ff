#pragma once

// One direction of a connection as seen on the wire. IPv4 addresses are stored
// v4-mapped (::ffff:a.b.c.d) so both families share one key type and one hash.

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

inline pkt::Ipv6Addr v4Mapped(uint32_t be) {
  pkt::Ipv6Addr a{};
  a[10] = a[11] = 0xff;
  std::memcpy(&a[12], &be, 4);
  return a;
}

inline uint32_t v4FromMapped(const pkt::Ipv6Addr& a) {
  uint32_t be;
  std::memcpy(&be, &a[12], 4);
  return be;
}

}  // namespace portico::dp::lb
