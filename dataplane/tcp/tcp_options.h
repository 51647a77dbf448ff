#pragma once

// The TCP options the appliance reads and writes: what a SYN offers (MSS, window scale,
// SACK permitted), and SACK blocks (which the L7 splice shifts and the endpoint reads).

#include <cstdint>
#include <cstring>

#include "dataplane/pkt/checksum.h"
#include "dataplane/pkt/headers.h"

namespace portico::dp::tcp {

// A SYN without the window scale option (RFC 7323), where a shift would go.
inline constexpr uint8_t kNoWindowScale = 15;

inline constexpr uint8_t kOptEnd = 0;
inline constexpr uint8_t kOptNop = 1;
inline constexpr uint8_t kOptMss = 2;
inline constexpr uint8_t kOptWindowScale = 3;
inline constexpr uint8_t kOptSackPermitted = 4;
inline constexpr uint8_t kOptSack = 5;

// The least MSS a peer may hold us to (Linux's TCP_MIN_MSS): an MSS option of 1 would
// cut a response into a segment per byte, and one of 0 left the splice sending empty
// segments forever (a backend's SYN-ACK that hung its worker: found by the frames fuzz
// target). An option of 0 is ignored, as Linux ignores it.
inline constexpr uint16_t kMinMss = 88;

struct SynOptions {
  uint16_t mss = 536;  // RFC 9293's default when none is sent
  uint8_t windowScale = kNoWindowScale;
  bool sackPermitted = false;
};

// Calls fn(kind, data, length) for each option of a TCP header; stops at a malformed one.
template <typename Fn>
inline void forEachOption(uint8_t* tcp, Fn&& fn) {
  const unsigned end = (tcp[12] >> 4) * 4u;
  for (unsigned i = sizeof(pkt::TcpHdr); i < end;) {
    const uint8_t kind = tcp[i];
    if (kind == kOptEnd) return;
    if (kind == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= end || tcp[i + 1] < 2 || i + tcp[i + 1] > end) return;
    fn(kind, tcp + i + 2, static_cast<unsigned>(tcp[i + 1] - 2));
    i += tcp[i + 1];
  }
}

inline SynOptions parseSynOptions(uint8_t* tcp) {
  SynOptions o;
  forEachOption(tcp, [&](uint8_t kind, const uint8_t* d, unsigned n) {
    if (kind == kOptMss && n == 2) {
      const auto mss = static_cast<uint16_t>(d[0] << 8 | d[1]);
      if (mss != 0) o.mss = mss < kMinMss ? kMinMss : mss;
    }
    if (kind == kOptWindowScale && n == 1) o.windowScale = d[0] > 14 ? 14 : d[0];
    if (kind == kOptSackPermitted && n == 0) o.sackPermitted = true;
  });
  return o;
}

// Lowers a SYN's MSS option to `limit` (0: no limit), keeping the TCP checksum right: a
// port whose path carries less than Ethernet's 1 500 bytes (a tunnel, a smaller MTU on
// the way to the clients) would otherwise see full-size segments dropped or fragmented.
// A SYN without the option is left alone: its peer sends 536-byte segments already.
inline void clampMss(uint8_t* tcp, uint16_t limit) {
  if (limit == 0) return;
  auto* hdr = reinterpret_cast<pkt::TcpHdr*>(tcp);
  forEachOption(tcp, [&](uint8_t kind, uint8_t* d, unsigned n) {
    if (kind != kOptMss || n != 2 || (d[0] << 8 | d[1]) <= limit) return;
    // After an odd number of NOPs the option straddles two checksum words: its bytes
    // count swapped.
    const bool odd = ((d - tcp) & 1) != 0;
    const auto word = [odd](uint8_t hi, uint8_t lo) {
      return pkt::hton16(static_cast<uint16_t>(odd ? lo << 8 | hi : hi << 8 | lo));
    };
    const auto hi = static_cast<uint8_t>(limit >> 8), lo = static_cast<uint8_t>(limit);
    hdr->checksum = pkt::updateChecksum16(hdr->checksum, word(d[0], d[1]), word(hi, lo));
    d[0] = hi;
    d[1] = lo;
  });
}

// The smaller of two MSS limits, 0 meaning none.
inline uint16_t tighterMss(uint16_t a, uint16_t b) { return a == 0 ? b : b == 0 ? a : (a < b ? a : b); }

// Adds `delta` to every SACK block edge, keeping the TCP checksum right.
inline void shiftSackBlocks(uint8_t* tcp, uint32_t delta) {
  if (delta == 0 || (tcp[12] >> 4) <= 5) return;
  auto* hdr = reinterpret_cast<pkt::TcpHdr*>(tcp);
  forEachOption(tcp, [&](uint8_t kind, uint8_t* d, unsigned n) {
    if (kind != kOptSack) return;
    for (unsigned off = 0; off + 4 <= n; off += 4) {
      uint32_t be;
      std::memcpy(&be, d + off, 4);
      const uint32_t shifted = pkt::hton32(pkt::ntoh32(be) + delta);
      hdr->checksum = pkt::replaceNative(hdr->checksum, pkt::sumNative(&be, 4), pkt::sumNative(&shifted, 4));
      std::memcpy(d + off, &shifted, 4);
    }
  });
}

}  // namespace portico::dp::tcp
