#pragma once

#include <cstdint>

#include "dataplane/arp/port_addresses.h"
#include "dataplane/pkt/parsed_packet.h"
#include "dataplane/pkt/verdict.h"

namespace portico::dp::arp {

// Turns an ICMP or ICMPv6 echo request (already known to be addressed to a VIP) into the
// echo reply, in place: addresses swapped, type changed, checksums updated incrementally.
pkt::Verdict answerEcho4(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const PortAddresses& port);
pkt::Verdict answerEcho6(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const PortAddresses& port);

}  // namespace portico::dp::arp
