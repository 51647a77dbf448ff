#pragma once

#include <cstdint>

#include "dataplane/pkt/headers.h"

namespace portico::dp::arp {

// Frames the appliance originates on the control path: announcements that a VIP lives
// behind `mac` (on VIP add, and later when a VIP moves here) and neighbour requests for
// next hops. Each returns the frame length written into buf.
inline constexpr uint32_t kAnnounceFrameCapacity = 128;

// A gratuitous ARP request (sender = target = vip, broadcast), padded to the 60-byte minimum.
uint32_t buildGratuitousArp(uint8_t* buf, const pkt::MacAddr& mac, uint32_t vipBe);

// An unsolicited Neighbor Advertisement (override set, solicited clear) to all nodes.
uint32_t buildUnsolicitedNeighborAdvert(uint8_t* buf, const pkt::MacAddr& mac, const pkt::Ipv6Addr& vip);

// An ARP request from the port's own address asking who has `targetBe`.
uint32_t buildArpRequest(uint8_t* buf, const pkt::MacAddr& mac, uint32_t senderBe, uint32_t targetBe);

// A Neighbor Solicitation from the port's own address for `target`, to its
// solicited-node group, with our source link-layer address.
uint32_t buildNeighborSolicit(uint8_t* buf, const pkt::MacAddr& mac, const pkt::Ipv6Addr& source,
                              const pkt::Ipv6Addr& target);

}  // namespace portico::dp::arp
