#pragma once

// Frame construction for tests: each function returns the bytes of one layer with its
// payload, checksums computed by an implementation independent of the one under test.

#include <arpa/inet.h>

#include <array>
#include <cctype>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace portico::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;
using V6 = std::array<uint8_t, 16>;

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
inline void putBytes(Bytes& b, const uint8_t* p, size_t n) { b.insert(b.end(), p, p + n); }

inline uint32_t v4(const char* text) {
  uint32_t a = 0;
  inet_pton(AF_INET, text, &a);
  return ntohl(a);  // host order: put32 writes it big-endian
}
inline V6 v6(const char* text) {
  V6 a{};
  inet_pton(AF_INET6, text, a.data());
  return a;
}

// Plain RFC 1071 sum written for clarity, not speed.
inline uint16_t referenceChecksum(const Bytes& data) {
  uint64_t sum = 0;
  for (size_t i = 0; i < data.size(); i += 2) {
    uint16_t word = static_cast<uint16_t>(data[i] << 8);
    if (i + 1 < data.size()) word |= data[i + 1];
    sum += word;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

inline void setChecksumAt(Bytes& b, size_t at, uint16_t c) {
  b[at] = static_cast<uint8_t>(c >> 8);
  b[at + 1] = static_cast<uint8_t>(c);
}

inline Bytes ethernet(const Mac& dst, const Mac& src, uint16_t type, const Bytes& payload,
                      std::initializer_list<uint16_t> vlanTcis = {}) {
  Bytes b;
  putBytes(b, dst.data(), 6);
  putBytes(b, src.data(), 6);
  for (uint16_t tci : vlanTcis) {
    put16(b, 0x8100);
    put16(b, tci);
  }
  put16(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline Bytes arpBody(uint16_t op, const Mac& sha, uint32_t spa, const Mac& tha, uint32_t tpa) {
  Bytes b;
  put16(b, 1);
  put16(b, 0x0800);
  b.push_back(6);
  b.push_back(4);
  put16(b, op);
  putBytes(b, sha.data(), 6);
  put32(b, spa);
  putBytes(b, tha.data(), 6);
  put32(b, tpa);
  return b;
}

struct Ipv4Options {
  uint8_t ttl = 64;
  uint16_t fragOff = 0;  // flags and offset as on the wire
  Bytes options;         // must be a multiple of 4
  uint16_t id = 0x1234;
};

inline Bytes ipv4(uint32_t src, uint32_t dst, uint8_t proto, const Bytes& payload, const Ipv4Options& o = {}) {
  Bytes b;
  const size_t ihl = 20 + o.options.size();
  b.push_back(static_cast<uint8_t>(0x40 | (ihl / 4)));
  b.push_back(0);
  put16(b, static_cast<uint16_t>(ihl + payload.size()));
  put16(b, o.id);
  put16(b, o.fragOff);
  b.push_back(o.ttl);
  b.push_back(proto);
  put16(b, 0);
  put32(b, src);
  put32(b, dst);
  b.insert(b.end(), o.options.begin(), o.options.end());
  setChecksumAt(b, 10, referenceChecksum(b));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline Bytes icmpEcho(uint8_t type, uint16_t id, uint16_t seq, const Bytes& data) {
  Bytes b{type, 0, 0, 0};
  put16(b, id);
  put16(b, seq);
  b.insert(b.end(), data.begin(), data.end());
  setChecksumAt(b, 2, referenceChecksum(b));
  return b;
}

// An IPv6 packet; `ext` is a ready-made extension header chain whose first header is
// `firstHeader`, and `upperProto` is what the chain ends in (checksummed if ICMPv6).
inline Bytes ipv6(const V6& src, const V6& dst, uint8_t upperProto, const Bytes& upper, uint8_t hopLimit = 64,
                  const Bytes& ext = {}, uint8_t firstHeader = 0xff) {
  Bytes body = upper;
  if (upperProto == 58 && body.size() >= 4) {
    Bytes pseudo;
    putBytes(pseudo, src.data(), 16);
    putBytes(pseudo, dst.data(), 16);
    put32(pseudo, static_cast<uint32_t>(body.size()));
    put32(pseudo, 58);
    body[2] = body[3] = 0;
    pseudo.insert(pseudo.end(), body.begin(), body.end());
    setChecksumAt(body, 2, referenceChecksum(pseudo));
  }
  Bytes b;
  put32(b, 6u << 28);
  put16(b, static_cast<uint16_t>(ext.size() + body.size()));
  b.push_back(ext.empty() ? upperProto : firstHeader);
  b.push_back(hopLimit);
  putBytes(b, src.data(), 16);
  putBytes(b, dst.data(), 16);
  b.insert(b.end(), ext.begin(), ext.end());
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

// ICMPv6 Neighbor Solicitation body (checksum filled in by ipv6()).
inline Bytes neighborSolicit(const V6& target, const Mac* sourceLinkAddr) {
  Bytes b{135, 0, 0, 0, 0, 0, 0, 0};
  putBytes(b, target.data(), 16);
  if (sourceLinkAddr != nullptr) {
    b.push_back(1);
    b.push_back(1);
    putBytes(b, sourceLinkAddr->data(), 6);
  }
  return b;
}

inline Bytes icmp6Echo(uint8_t type, uint16_t id, uint16_t seq, const Bytes& data) {
  Bytes b{type, 0, 0, 0};
  put16(b, id);
  put16(b, seq);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

inline Bytes tcpHeader(uint16_t sport, uint16_t dport, uint8_t flags, const Bytes& options = {}, const Bytes& data = {}) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, 1000);
  put32(b, 0);
  b.push_back(static_cast<uint8_t>(((20 + options.size()) / 4) << 4));
  b.push_back(flags);
  put16(b, 65535);
  put16(b, 0);  // checksum not checked by the parser
  put16(b, 0);
  b.insert(b.end(), options.begin(), options.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& data, int lengthOverride = -1) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(lengthOverride >= 0 ? lengthOverride : 8 + data.size()));
  put16(b, 0);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

inline Bytes hexBytes(const std::string& hex) {
  Bytes b;
  std::string digits;
  for (char c : hex) {
    if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return b;
}

}  // namespace portico::test

namespace portico::test {

// Reference TCP/UDP checksum over a pseudo header and a whole segment (checksum field
// treated as zero). `at` is the checksum's offset within the segment.
inline uint16_t l4ChecksumV4(uint32_t srcHost, uint32_t dstHost, uint8_t proto, Bytes segment, size_t at) {
  segment[at] = segment[at + 1] = 0;
  Bytes pseudo;
  put32(pseudo, srcHost);
  put32(pseudo, dstHost);
  pseudo.push_back(0);
  pseudo.push_back(proto);
  put16(pseudo, static_cast<uint16_t>(segment.size()));
  pseudo.insert(pseudo.end(), segment.begin(), segment.end());
  return referenceChecksum(pseudo);
}

inline uint16_t l4ChecksumV6(const V6& src, const V6& dst, uint8_t proto, Bytes segment, size_t at) {
  segment[at] = segment[at + 1] = 0;
  Bytes pseudo;
  putBytes(pseudo, src.data(), 16);
  putBytes(pseudo, dst.data(), 16);
  put32(pseudo, static_cast<uint32_t>(segment.size()));
  put32(pseudo, proto);
  pseudo.insert(pseudo.end(), segment.begin(), segment.end());
  return referenceChecksum(pseudo);
}

// Fills in a TCP (offset 16) or UDP (offset 6) checksum for a segment.
inline Bytes withChecksumV4(uint32_t srcHost, uint32_t dstHost, uint8_t proto, Bytes segment) {
  const size_t at = proto == 6 ? 16 : 6;
  uint16_t c = l4ChecksumV4(srcHost, dstHost, proto, segment, at);
  if (proto == 17 && c == 0) c = 0xffff;
  setChecksumAt(segment, at, c);
  return segment;
}

inline Bytes withChecksumV6(const V6& src, const V6& dst, uint8_t proto, Bytes segment) {
  const size_t at = proto == 6 ? 16 : 6;
  uint16_t c = l4ChecksumV6(src, dst, proto, segment, at);
  if (proto == 17 && c == 0) c = 0xffff;
  setChecksumAt(segment, at, c);
  return segment;
}

}  // namespace portico::test
