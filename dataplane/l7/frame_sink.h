#pragma once

#include <cstdint>

namespace portico::dp::l7 {

// Where the L7 path sends frames it originates beyond the one it rewrites in place (a
// backend SYN alongside the client's ACK, the held bytes, retransmissions). The worker
// backs it with mbufs; tests with plain buffers.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // A buffer for one frame and its capacity, or nullptr when none is free.
  virtual uint8_t* begin(uint32_t& capacity) = 0;
  // Sends the frame last begun out of a port; length 0 gives the buffer back.
  virtual void commit(uint8_t port, uint16_t length) = 0;
};

}  // namespace portico::dp::l7
