#pragma once

// What every connection of the workers' TCP endpoint is allowed (dataplane.yaml `l7.tcp`).

#include <cstdint>

namespace portico::dp::tcp {

struct Settings {
  uint32_t sendBufferBytes = 4u << 20;     // per connection, at most
  uint32_t receiveBufferBytes = 4u << 20;  // the most a connection advertises
  uint32_t initialWindowSegments = 10;     // RFC 6928
  uint32_t initialRtoMs = 1'000;           // RFC 6298
  uint32_t minRtoMs = 200;                 // Linux's floor: peers time us with the same
  uint32_t maxRtoMs = 60'000;
  uint32_t delayedAckMs = 40;              // Linux's delayed ACK
  uint8_t retries = 12;                    // RTO doublings without progress before giving up
  uint8_t synRetries = 5;
  uint32_t finWait2Ms = 60'000;            // a peer that never sends its FIN
  uint32_t timeWaitMs = 2'000;
  uint8_t windowScale = 7;                 // the shift we announce
  uint16_t quickAckSegments = 16;          // acknowledged at once after the handshake
};

}  // namespace portico::dp::tcp
