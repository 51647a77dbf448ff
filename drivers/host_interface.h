#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/common/result.h"
#include "dataplane/pkt/headers.h"

namespace portico::drv {

// Gives the kernel interface of a port's host path (its TAP) the port's own addresses and
// brings it up, so the kernel's stack answers for them: BGP, SSH, ping. An address it
// already holds (a restart) is fine.
dp::Status configureHostInterface(const std::string& name, std::optional<uint32_t> ipv4Be, uint8_t ipv4Prefix,
                                  const std::optional<dp::pkt::Ipv6Addr>& ipv6, uint8_t ipv6Prefix);

// The device string of a TAP for interface `name` with the port's MAC: frames the kernel
// sends carry the MAC peers already know for the port's address.
std::string tapDevice(unsigned index, const std::string& name, const dp::pkt::MacAddr& mac);

}  // namespace portico::drv
