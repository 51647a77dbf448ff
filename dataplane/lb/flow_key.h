#pragma once

// One direction of a connection as seen on the wire. IPv4 addresses are stored
// v4-mapped (::ffff:a.b.c.d) so both families share one key type and one hash.

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

  uint64_t hash() const;
};
static_assert(sizeof(FlowKey) == 40);

// The flow hash over the key's five 8-byte words. It takes the words as values so the
// worker can hash a key it is still holding in registers: hashing the key through memory
// right after building it stalls on store forwarding. Same structure as XXH3's mid-size
// path: each pair of words is multiplied by secret-mixed partners and folded.
inline uint64_t flowHashWords(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4) {
  auto fold = [](uint64_t a, uint64_t b) {
    const __uint128_t product = static_cast<__uint128_t>(a) * b;
    return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
  };
  uint64_t h = fold(w0 ^ 0xbe4ba423396cfeb8ull, w1 ^ 0x1cad21f72c81017cull);
  h += fold(w2 ^ 0xdb979083e96dd4deull, w3 ^ 0x1f67b3b7a4a44072ull);
  h += fold(w4 ^ 0x78e5c0cc4ee679cbull, 40 ^ 0x2172ffcc7dd05a82ull);
  // Avalanche (XXH3's), so both halves of the result are usable on their own.
  h ^= h >> 37;
  h *= 0x165667919e3779f9ull;
  return h ^ (h >> 32);
}

inline uint64_t FlowKey::hash() const {
  uint64_t w[5];
  std::memcpy(w, this, sizeof w);
  return flowHashWords(w[0], w[1], w[2], w[3], w[4]);
}

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
