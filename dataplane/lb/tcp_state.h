#pragma once

#include <cstdint>

namespace portico::dp::lb {

// What the load balancer needs to know of a TCP connection to time it out: not a full
// TCP state machine, only which idle timeout applies.
enum class FlowState : uint8_t { kSynSeen, kEstablished, kClosing, kReset, kUdp };

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

// The state after a segment with these flags, from either side.
constexpr FlowState nextTcpState(FlowState s, uint8_t flags, bool fromBackend) {
  if (flags & kTcpRst) return FlowState::kReset;
  // Sequence numbers are not checked, so a RST may have been spoofed or out of window and
  // ignored by both ends: acknowledged traffic after it means the connection lives on.
  if (s == FlowState::kReset && (flags & (kTcpAck | kTcpFin)) == kTcpAck) return FlowState::kEstablished;
  if (flags & kTcpFin) return FlowState::kClosing;
  if (s == FlowState::kSynSeen && fromBackend && (flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck)) {
    return FlowState::kEstablished;
  }
  return s;
}

}  // namespace portico::dp::lb
