#pragma once

#include <cstdint>

#include "dataplane/pkt/headers.h"

namespace portico::dp::arp {

// Frames that tell a link a VIP lives behind `mac` (control path: on VIP add, and later
// when a VIP moves here). Each returns the frame length written into buf.
inline constexpr uint32_t kAnnounceFrameCapacity = 128;

// A gratuitous ARP request (sender = target = vip, broadcast), padded to the 60-byte minimum.
uint32_t buildGratuitousArp(uint8_t* buf, const pkt::MacAddr& mac, uint32_t vipBe);

// An unsolicited Neighbor Advertisement (override set, solicited clear) to all nodes.
uint32_t buildUnsolicitedNeighborAdvert(uint8_t* buf, const pkt::MacAddr& mac, const pkt::Ipv6Addr& vip);

}  // namespace portico::dp::arp
