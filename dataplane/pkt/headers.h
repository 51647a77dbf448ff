#pragma once

// Wire formats. Multi-byte fields are in network byte order; packed so a struct can be
// overlaid on any offset of a frame (GCC emits unaligned-safe loads for packed members).

#include <array>
#include <cstdint>
#include <cstring>

namespace portico::dp::pkt {

using MacAddr = std::array<uint8_t, 6>;
using Ipv6Addr = std::array<uint8_t, 16>;

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmp6 = 58;
inline constexpr uint8_t kProtoNoNext6 = 59;

constexpr uint16_t bswap16(uint16_t v) { return static_cast<uint16_t>((v >> 8) | (v << 8)); }
constexpr uint16_t hton16(uint16_t v) { return bswap16(v); }
constexpr uint16_t ntoh16(uint16_t v) { return bswap16(v); }
constexpr uint32_t hton32(uint32_t v) { return __builtin_bswap32(v); }
constexpr uint32_t ntoh32(uint32_t v) { return __builtin_bswap32(v); }

struct __attribute__((packed)) EthHdr {
  MacAddr dst;
  MacAddr src;
  uint16_t etherType;
};
static_assert(sizeof(EthHdr) == 14);

struct __attribute__((packed)) VlanHdr {
  uint16_t tci;
  uint16_t etherType;
};
static_assert(sizeof(VlanHdr) == 4);

struct __attribute__((packed)) ArpHdr {
  uint16_t htype;
  uint16_t ptype;
  uint8_t hlen;
  uint8_t plen;
  uint16_t op;
  MacAddr sha;
  uint32_t spa;
  MacAddr tha;
  uint32_t tpa;
};
static_assert(sizeof(ArpHdr) == 28);
inline constexpr uint16_t kArpRequest = 1;
inline constexpr uint16_t kArpReply = 2;

struct __attribute__((packed)) Ipv4Hdr {
  uint8_t versionIhl;
  uint8_t tos;
  uint16_t totalLength;
  uint16_t id;
  uint16_t fragOff;
  uint8_t ttl;
  uint8_t proto;
  uint16_t checksum;
  uint32_t src;
  uint32_t dst;
};
static_assert(sizeof(Ipv4Hdr) == 20);
inline constexpr uint16_t kIpv4MoreFragments = 0x2000;
inline constexpr uint16_t kIpv4OffsetMask = 0x1fff;

struct __attribute__((packed)) Ipv6Hdr {
  uint32_t vtcFlow;
  uint16_t payloadLength;
  uint8_t nextHeader;
  uint8_t hopLimit;
  Ipv6Addr src;
  Ipv6Addr dst;
};
static_assert(sizeof(Ipv6Hdr) == 40);

// The common prefix of every IPv6 extension header we walk.
struct __attribute__((packed)) Ipv6ExtHdr {
  uint8_t nextHeader;
  uint8_t length;
};

struct __attribute__((packed)) Ipv6FragHdr {
  uint8_t nextHeader;
  uint8_t reserved;
  uint16_t offsetFlags;
  uint32_t id;
};
static_assert(sizeof(Ipv6FragHdr) == 8);

struct __attribute__((packed)) IcmpHdr {
  uint8_t type;
  uint8_t code;
  uint16_t checksum;
  uint16_t id;
  uint16_t seq;
};
static_assert(sizeof(IcmpHdr) == 8);
inline constexpr uint8_t kIcmpEchoReply = 0;
inline constexpr uint8_t kIcmpEchoRequest = 8;
inline constexpr uint8_t kIcmp6EchoRequest = 128;
inline constexpr uint8_t kIcmp6EchoReply = 129;
inline constexpr uint8_t kIcmp6NeighborSolicit = 135;
inline constexpr uint8_t kIcmp6NeighborAdvert = 136;

// Neighbor Solicitation and Advertisement share this layout (RFC 4861 4.3, 4.4).
struct __attribute__((packed)) NdHdr {
  uint8_t type;
  uint8_t code;
  uint16_t checksum;
  uint32_t flags;  // NA: R, S, O in the top bits; NS: reserved
  Ipv6Addr target;
};
static_assert(sizeof(NdHdr) == 24);
inline constexpr uint32_t kNaRouter = 0x80000000u;
inline constexpr uint32_t kNaSolicited = 0x40000000u;
inline constexpr uint32_t kNaOverride = 0x20000000u;
inline constexpr uint8_t kNdOptSourceLinkAddr = 1;
inline constexpr uint8_t kNdOptTargetLinkAddr = 2;

struct __attribute__((packed)) NdLinkAddrOpt {
  uint8_t type;
  uint8_t length;  // in units of 8 bytes
  MacAddr mac;
};
static_assert(sizeof(NdLinkAddrOpt) == 8);

struct __attribute__((packed)) TcpHdr {
  uint16_t srcPort;
  uint16_t dstPort;
  uint32_t seq;
  uint32_t ack;
  uint8_t dataOff;  // upper 4 bits
  uint8_t flags;
  uint16_t window;
  uint16_t checksum;
  uint16_t urgent;
};
static_assert(sizeof(TcpHdr) == 20);

struct __attribute__((packed)) UdpHdr {
  uint16_t srcPort;
  uint16_t dstPort;
  uint16_t length;
  uint16_t checksum;
};
static_assert(sizeof(UdpHdr) == 8);

inline constexpr MacAddr kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

constexpr bool isMulticastMac(const MacAddr& m) { return (m[0] & 1) != 0; }
constexpr bool isMulticast6(const Ipv6Addr& a) { return a[0] == 0xff; }
inline bool isUnspecified6(const Ipv6Addr& a) { return a == Ipv6Addr{}; }

// ff02::1:ffXX:XXXX for a target address (RFC 4291 2.7.1).
inline Ipv6Addr solicitedNodeMulticast(const Ipv6Addr& target) {
  Ipv6Addr a{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0};
  a[13] = target[13];
  a[14] = target[14];
  a[15] = target[15];
  return a;
}

// 33:33 followed by the low 32 bits of a multicast IPv6 address (RFC 2464 7).
inline MacAddr multicastMac6(const Ipv6Addr& group) {
  return MacAddr{0x33, 0x33, group[12], group[13], group[14], group[15]};
}

inline constexpr Ipv6Addr kAllNodes6{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

template <typename T>
inline T* headerAt(uint8_t* frame, uint32_t offset) {
  return reinterpret_cast<T*>(frame + offset);
}
template <typename T>
inline const T* headerAt(const uint8_t* frame, uint32_t offset) {
  return reinterpret_cast<const T*>(frame + offset);
}

}  // namespace portico::dp::pkt
