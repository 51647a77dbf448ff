#pragma once

#include <cstdint>

namespace portico::dp::lb {

// What the load balancer needs to know of a TCP connection to time it out: not a full
// TCP state machine, only which idle timeout applies. A half-closed connection may still
// carry data the other way, so it keeps the long closing timeout; once both sides sent
// their FIN only retransmissions can follow, and the flow (its SNAT port, its L7
// connection) is let go after the short closed timeout. A connection is established only
// once the client acknowledges the backend's SYN-ACK: a spoofed SYN flood gets SYN-ACKs
// from the backends but never that ACK, so its flows keep the short handshake timeout
// (and are evicted first when the table is full) instead of looking like connections.
enum class FlowState : uint8_t { kSynSeen, kEstablished, kClientFin, kBackendFin, kClosed, kReset, kUdp, kSynAckSeen };

inline constexpr bool finSeen(FlowState s) {
  return s == FlowState::kClientFin || s == FlowState::kBackendFin || s == FlowState::kClosed;
}

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
  if (flags & kTcpFin) {
    const FlowState other = fromBackend ? FlowState::kClientFin : FlowState::kBackendFin;
    if (s == other || s == FlowState::kClosed) return FlowState::kClosed;
    return fromBackend ? FlowState::kBackendFin : FlowState::kClientFin;
  }
  if (s == FlowState::kSynSeen && fromBackend && (flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck)) {
    return FlowState::kSynAckSeen;
  }
  // The client's ACK of the SYN-ACK, or anything acknowledged after it from either side.
  if (s == FlowState::kSynAckSeen && (flags & (kTcpSyn | kTcpAck)) == kTcpAck) return FlowState::kEstablished;
  return s;
}

}  // namespace portico::dp::lb
