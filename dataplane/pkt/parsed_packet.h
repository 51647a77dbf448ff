#pragma once

#include <cstdint>

#include "dataplane/stats/drop_reasons.h"

namespace portico::dp::pkt {

// Where each layer of one frame starts, filled by parseFrame. Offsets are from the first
// byte of the Ethernet header; lengths never reach past the frame.
struct ParsedPacket {
  uint16_t etherType = 0;   // innermost, host byte order
  uint16_t vlanTci = 0;     // outermost tag, host byte order; 0 when untagged
  uint8_t vlanDepth = 0;
  uint8_t ipVersion = 0;    // 4, 6, or 0 for non-IP
  uint8_t l4Proto = 0;      // after the IPv6 extension chain
  bool fragment = false;    // part of a fragmented datagram (first or later)
  bool laterFragment = false;  // not the first fragment: no L4 header present
  uint16_t l3Offset = 0;
  uint16_t l3End = 0;       // end of the IP datagram (excludes Ethernet padding)
  uint16_t l4Offset = 0;    // first byte after the IP header(s)
  uint16_t payloadOffset = 0;  // first byte after the TCP/UDP/ICMP header
  uint32_t fragmentId = 0;     // identification of a fragmented datagram (host order)

  uint16_t l4Length() const { return static_cast<uint16_t>(l3End - l4Offset); }
};

struct ParseResult {
  bool ok = true;
  DropReason reason = DropReason::kCount;

  static constexpr ParseResult good() { return {}; }
  static constexpr ParseResult drop(DropReason r) { return {false, r}; }
};

}  // namespace portico::dp::pkt
