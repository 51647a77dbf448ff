#pragma once

// Full-NAT rewriting of one TCP or UDP packet in place: addresses and ports become those
// of a flow key, and every checksum they touch (IPv4 header, TCP/UDP over the pseudo
// header) is updated incrementally, so the cost does not grow with the payload.

#include <cstdint>

#include "dataplane/lb/flow_key.h"
#include "dataplane/pkt/parsed_packet.h"

namespace portico::dp::lb {

// `to` gives the new source and destination (same family as the packet). Later IPv4
// fragments carry no L4 header: only their IP header changes, since the L4 checksum
// (in the first fragment) already absorbed the pseudo-header change.
// The source and destination come from flow-record fields in place (no key is built);
// ports are in network byte order.
void rewriteFlow(uint8_t* frame, const pkt::ParsedPacket& p, const pkt::Ipv6Addr& src, const pkt::Ipv6Addr& dst,
                 uint16_t srcPort, uint16_t dstPort);

inline void rewriteFlow(uint8_t* frame, const pkt::ParsedPacket& p, const FlowKey& to) {
  rewriteFlow(frame, p, to.src, to.dst, to.srcPort, to.dstPort);
}

// Decrements the IPv4 TTL or IPv6 hop limit; false when the packet must not be forwarded.
bool decrementHopLimit(uint8_t* frame, const pkt::ParsedPacket& p);

}  // namespace portico::dp::lb
