#pragma once

// Limits and timeouts of proxy-mode HTTP listeners (dataplane.yaml `l7.http`).

#include <cstdint>

namespace portico::dp::http {

struct ProxySettings {
  uint32_t sessions = 16'384;
  uint32_t headTimeoutMs = 10'000;       // a request head must arrive whole within this
  uint32_t idleTimeoutMs = 60'000;       // a kept-alive client connection with no request
  uint32_t responseTimeoutMs = 60'000;   // the backend's response head (504 after)
  uint32_t tunnelIdleMs = 3'600'000;     // an upgraded connection (WebSocket) with no bytes
  uint32_t maxHeadBytes = 16'384;
  uint32_t pooledPerEndpoint = 32;
};

}  // namespace portico::dp::http
