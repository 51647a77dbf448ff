#pragma once

// Builds whole TCP segments (Ethernet, IPv4 or IPv6, TCP with options, payload) for the
// frames the appliance originates: SYN-ACKs, ACKs with SACK blocks, SYNs, data,
// its own HTTP answers, resets.

#include <cstdint>
#include <span>

#include "dataplane/pkt/headers.h"
#include "dataplane/tcp/tcp_options.h"

namespace portico::dp::tcp {

struct SegmentSpec {
  pkt::MacAddr srcMac{};
  pkt::MacAddr dstMac{};
  uint8_t family = 4;
  pkt::Ipv6Addr src{};  // v4-mapped for IPv4
  pkt::Ipv6Addr dst{};
  uint16_t srcPortBe = 0;
  uint16_t dstPortBe = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  // Options, sent only with SYN: MSS when non-zero, window scale unless kNoWindowScale.
  uint16_t mss = 0;
  uint8_t windowScale = kNoWindowScale;
  bool sackPermitted = false;
  // SACK blocks (RFC 2018; the first may be a D-SACK), sent with any segment but a SYN.
  uint8_t sackCount = 0;
  struct {
    uint32_t start, end;
  } sack[4];
  // The payload, in up to two pieces (a PROXY header, then the client's bytes).
  std::span<const uint8_t> head;
  std::span<const uint8_t> body;
};

// Writes the frame at `buf`; returns its length, or 0 when it does not fit `capacity`.
uint16_t writeSegment(uint8_t* buf, uint32_t capacity, const SegmentSpec& s);

}  // namespace portico::dp::tcp
