#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portico::cp {

struct BgpPeer {
  std::string address;
  uint32_t asn = 0;
  std::string password;     // TCP MD5 (RFC 2385); empty: none
  uint32_t multihopTtl = 0;  // 0: directly connected
  uint32_t holdTimeS = 90;
};

// BGP mode: gobgpd announces each VIP the dataplanes can serve, as a /32 or /128 with
// next hop self, to every peer.
struct BgpConfig {
  bool enabled = false;
  uint32_t asn = 0;
  std::string routerId;                // dotted quad
  std::vector<std::string> listenAddresses;  // where gobgpd accepts sessions (the host path's address)
  std::vector<BgpPeer> peers;
  std::vector<std::string> communities;  // "65000:100"
  uint32_t localPref = 0;                // 0: not sent (eBGP)
  uint32_t gracefulRestartS = 120;       // 0: no graceful restart
  std::string gobgpd = "gobgpd";         // the daemon's binary
  std::string api = "127.0.0.1:50051";   // its gRPC API
  std::string pidFile = "/run/portico/gobgpd.pid";  // where the pid of a gobgpd started here goes
};

}  // namespace portico::cp
