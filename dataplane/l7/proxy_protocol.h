#pragma once

// The PROXY protocol v2 header (haproxy.org's proxy-protocol.txt, section 2.2) that tells
// a backend the client's address, which full NAT otherwise hides.

#include <array>
#include <cstdint>

#include "dataplane/lb/flow_key.h"

namespace portico::dp::l7 {

inline constexpr std::size_t kProxyV2MaxLength = 16 + 36;

// `client` is the client -> VIP key as received. Returns the header's length.
uint16_t writeProxyV2(const lb::FlowKey& client, std::array<uint8_t, kProxyV2MaxLength>& out);

}  // namespace portico::dp::l7
