#pragma once

#include <cstdint>
#include <optional>

#include "dataplane/pkt/headers.h"

namespace portico::dp::arp {

// A port's own identity on its link: the MAC the appliance answers with and the port's
// own (non-VIP) addresses, which ARP/NDP also answer for.
struct PortAddresses {
  pkt::MacAddr mac{};
  std::optional<uint32_t> ipv4;  // network byte order
  std::optional<pkt::Ipv6Addr> ipv6;
  // Frames for these addresses that nothing here claims go to the kernel (the host path).
  bool hostPath = false;
  // The port's MSS clamp (config::PortConfig::mss), 0 for none; here because every path
  // that writes or forwards a SYN already holds the ports' addresses.
  uint16_t mss = 0;
  // The UDP port (network order) an L2 pair's heartbeats arrive on at this port's
  // address, for the control thread; 0: no pair on this port.
  uint16_t pairPortBe = 0;

  bool ownsV4(uint32_t be) const { return ipv4 && *ipv4 == be; }
  bool ownsV6(const pkt::Ipv6Addr& a) const { return ipv6 && *ipv6 == a; }
};

}  // namespace portico::dp::arp
