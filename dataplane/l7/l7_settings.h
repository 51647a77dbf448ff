#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/pkt/ip_prefix.h"
#include "dataplane/http/proxy_settings.h"
#include "dataplane/tcp/settings.h"
#include "dataplane/tls/tls_settings.h"

namespace portico::dp::l7 {

// Sizes and timers of the L7 path (dataplane.yaml `l7:`); pools are per worker and
// allocated at start.
struct L7Settings {
  uint32_t connections = 65'536;  // L7 connections a worker tracks at once
  // The health endpoint a load balancer in front monitors on every VIP (0: none): GET
  // healthPath answers 200 while the address has a ready endpoint, 503 otherwise, and
  // 503 DRAINING while the dataplane is drained (l7/health.h).
  uint16_t healthPort = 0;
  std::string healthPath = "/healthz";
  uint32_t buffers = 1'024;       // connections holding their first bytes at once
  uint32_t bufferBytes = 16'384;  // the most a request head or ClientHello may take
  uint16_t initialRtoMs = 200;    // first retransmission of a backend SYN, held bytes or an answer
  uint8_t maxRetries = 6;
  // The most a whole request head or ClientHello may take from its first byte; then 408
  // (HTTP) or a reset (TLS). HAProxy's advice for `timeout http-request` is 10 s too.
  uint32_t headTimeoutMs = 10'000;
  // Buffers the heads from one source (IPv4 address, IPv6 /64) may hold at once; 0 gives
  // an eighth of `buffers`, at least 16.
  uint32_t buffersPerSource = 0;
  // Peers that carry many clients' connections (an F5's self IPs): no share per source.
  std::vector<pkt::IpPrefix> trustedPeers;

  // Relay-mode listeners: connections of the workers' TCP endpoint per worker (both sides
  // count), the memory behind their buffers (taken as it is used), and each one's limits.
  uint32_t relayConnections = 16'384;
  uint32_t relayBufferMb = 256;
  tcp::Settings tcp;
  http::ProxySettings http;  // proxy-mode listeners (its sessions and head limits follow the above)
  tls::TlsSettings tls;      // HTTPS listeners

  uint32_t sourceShare() const { return buffersPerSource != 0 ? buffersPerSource : std::max<uint32_t>(buffers / 8, 16); }
};

}  // namespace portico::dp::l7
