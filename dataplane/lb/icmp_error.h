#pragma once

// ICMP and ICMPv6 errors about a tracked flow (fragmentation needed, packet too big,
// unreachable, time exceeded, parameter problem) quote the packet that caused them. Under
// full-NAT the quoted packet carries the other side's addresses, so both the outer and
// the quoted headers are translated before the error is delivered to the right side.

#include <cstdint>

#include "dataplane/lb/l4_path.h"

namespace portico::dp::lb {

// True for the ICMP (ipVersion 4) or ICMPv6 types that are errors quoting a packet.
bool isIcmpError(uint8_t ipVersion, uint8_t type);

// The source port (host order) of the TCP/UDP packet an error quotes, 0 if unreadable:
// for an error about a backend-side packet, the SNAT port that names the owning worker.
uint16_t quotedSourcePort(const uint8_t* frame, const pkt::ParsedPacket& p);

// An error addressed to a SNAT address (from a backend or a router on its side):
// delivered to the client, as if about the packet the client sent to the VIP.
pkt::Verdict icmpErrorToClient(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const L4Context& ctx);

// An error addressed to a VIP (from a router on the client's side): delivered to the
// backend, as if about the packet the backend sent to the SNAT address.
pkt::Verdict icmpErrorToBackend(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const L4Context& ctx);

}  // namespace portico::dp::lb
