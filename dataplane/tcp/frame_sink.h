#pragma once

#include <cstdint>

namespace portico::dp::tcp {

// Where the L7 path and the TCP endpoint send frames they originate (beyond a frame
// rewritten in place): a backend SYN alongside the client's ACK, held bytes, data,
// retransmissions. The worker backs it with mbufs; tests with plain buffers.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // A buffer for one frame and its capacity, or nullptr when none is free.
  virtual uint8_t* begin(uint32_t& capacity) = 0;
  // Sends the frame last begun out of a port; length 0 gives the buffer back.
  virtual void commit(uint8_t port, uint16_t length) = 0;
};

}  // namespace portico::dp::tcp
