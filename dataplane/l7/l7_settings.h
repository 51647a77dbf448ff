#pragma once

#include <cstdint>

namespace portico::dp::l7 {

// Sizes and timers of the L7 path (dataplane.yaml `l7:`); pools are per worker and
// allocated at start.
struct L7Settings {
  uint32_t connections = 65'536;  // L7 connections a worker tracks at once
  uint32_t buffers = 1'024;       // connections holding their first bytes at once
  uint32_t bufferBytes = 16'384;  // the most a request head or ClientHello may take
  uint16_t initialRtoMs = 200;    // first retransmission of a backend SYN, held bytes or an answer
  uint8_t maxRetries = 6;
};

}  // namespace portico::dp::l7
