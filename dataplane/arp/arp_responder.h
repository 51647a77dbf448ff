#pragma once

#include <cstdint>

#include "dataplane/arp/port_addresses.h"
#include "dataplane/lb/vip_table.h"
#include "dataplane/pkt/parsed_packet.h"
#include "dataplane/pkt/verdict.h"

namespace portico::dp::arp {

// Turns an ARP request for a VIP or the port's own IPv4 address into the reply, in place
// (VLAN tags kept, frame length unchanged).
pkt::Verdict answerArp(uint8_t* frame, uint32_t len, const pkt::ParsedPacket& p, const PortAddresses& port,
                       const lb::VipTable& vips);

}  // namespace portico::dp::arp
