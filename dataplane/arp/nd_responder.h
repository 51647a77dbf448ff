#pragma once

#include <cstdint>

#include "dataplane/arp/port_addresses.h"
#include "dataplane/lb/vip_table.h"
#include "dataplane/pkt/parsed_packet.h"
#include "dataplane/pkt/verdict.h"

namespace portico::dp::arp {

// Answers an IPv6 Neighbor Solicitation for a VIP or the port's own IPv6 address with a
// solicited Neighbor Advertisement written over the request. `capacity` is the buffer
// size: the reply may be longer than a solicitation without options.
pkt::Verdict answerNeighborSolicit(uint8_t* frame, uint32_t capacity, const pkt::ParsedPacket& p,
                                   const PortAddresses& port, const lb::VipTable& vips);

}  // namespace portico::dp::arp
