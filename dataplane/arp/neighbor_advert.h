#pragma once

#include <cstdint>

#include "dataplane/pkt/headers.h"

namespace portico::dp::arp {

// Bytes from the IPv6 header to the end of an NA carrying a target link-layer option.
inline constexpr uint32_t kNeighborAdvertL3Length = 40 + 24 + 8;

// Writes an IPv6 Neighbor Advertisement for `target` at frame + l3Offset (the Ethernet
// header and any VLAN tags before it are left to the caller) and fills the Ethernet
// addresses. Returns the frame length. Shared by the solicited reply and the unsolicited
// announcement so both carry the same, checksummed layout.
uint32_t writeNeighborAdvert(uint8_t* frame, uint32_t l3Offset, const pkt::MacAddr& srcMac,
                             const pkt::MacAddr& dstMac, const pkt::Ipv6Addr& dst, const pkt::Ipv6Addr& target,
                             uint32_t flags);

}  // namespace portico::dp::arp
