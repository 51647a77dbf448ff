#pragma once

// A received TCP segment as the endpoint reads it: header fields, payload, and the options
// it uses (SYN options, SACK blocks).

#include <cstdint>

#include "dataplane/pkt/headers.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/tcp/tcp_options.h"

namespace portico::dp::tcp {

struct SackBlock {
  uint32_t start = 0;
  uint32_t end = 0;
};

struct SegmentIn {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;  // the raw field
  uint8_t flags = 0;
  const uint8_t* payload = nullptr;
  uint32_t length = 0;
  SynOptions syn;       // only read from a SYN
  uint8_t sackCount = 0;
  SackBlock sack[4];
};

// `tcp` points at the TCP header; its data offset was checked by the parser.
inline SegmentIn readSegment(uint8_t* tcp, const uint8_t* payload, uint32_t length) {
  const auto* h = reinterpret_cast<const pkt::TcpHdr*>(tcp);
  SegmentIn s;
  s.seq = pkt::ntoh32(h->seq);
  s.ack = pkt::ntoh32(h->ack);
  s.window = pkt::ntoh16(h->window);
  s.flags = h->flags;
  s.payload = payload;
  s.length = length;
  if ((tcp[12] >> 4) <= 5) return s;
  if (s.flags & lb::kTcpSyn) s.syn = parseSynOptions(tcp);
  forEachOption(tcp, [&](uint8_t kind, const uint8_t* d, unsigned n) {
    if (kind != kOptSack) return;
    for (unsigned off = 0; off + 8 <= n && s.sackCount < 4; off += 8) {
      uint32_t a, b;
      __builtin_memcpy(&a, d + off, 4);
      __builtin_memcpy(&b, d + off + 4, 4);
      s.sack[s.sackCount++] = {pkt::ntoh32(a), pkt::ntoh32(b)};
    }
  });
  return s;
}

}  // namespace portico::dp::tcp
