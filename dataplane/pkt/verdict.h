#pragma once

#include <cstdint>

#include "dataplane/stats/drop_reasons.h"

namespace portico::dp::pkt {

// What a handler decided for one frame, rewritten in place and now length() bytes long:
// send it back out of the port it came in on, send it out of another port, hand it to
// the worker that owns its flow, pass it to the control thread, drop it for a reason, or
// nothing more (its content was taken in).
// Kept in one 64-bit word so it is returned in a register: a struct of bytes is built
// with narrow stores and read back wide, a store-forwarding stall on every packet.
class Verdict {
 public:
  enum class Action : uint8_t { kDrop, kReply, kForward, kHandoff, kToControl, kConsumed, kToHost };

  static constexpr Verdict reply(uint16_t length) { return Verdict(Action::kReply, length, DropReason::kCount, 0); }
  static constexpr Verdict forward(uint8_t port, uint16_t length) {
    return Verdict(Action::kForward, length, DropReason::kCount, port);
  }
  static constexpr Verdict handoff(uint8_t worker) { return Verdict(Action::kHandoff, 0, DropReason::kCount, worker); }
  static constexpr Verdict toControl() { return Verdict(Action::kToControl, 0, DropReason::kCount, 0); }
  // To the kernel through the receiving port's host path; BGP is never rate-limited.
  static constexpr Verdict toHost(bool priority) {
    return Verdict(Action::kToHost, priority ? 1 : 0, DropReason::kCount, 0);
  }
  static constexpr Verdict drop(DropReason reason) { return Verdict(Action::kDrop, 0, reason, 0); }
  // Taken in and done with, not dropped: a handshake ACK the L7 path absorbed.
  static constexpr Verdict consumed() { return Verdict(Action::kConsumed, 0, DropReason::kCount, 0); }

  constexpr Action action() const { return static_cast<Action>(bits_ & 0xff); }
  constexpr uint16_t length() const { return static_cast<uint16_t>(bits_ >> 8); }
  constexpr DropReason reason() const { return static_cast<DropReason>((bits_ >> 24) & 0xff); }
  constexpr uint8_t target() const { return static_cast<uint8_t>(bits_ >> 32); }  // port or worker index
  constexpr bool isReply() const { return action() == Action::kReply; }
  constexpr bool isDrop() const { return action() == Action::kDrop; }
  constexpr bool hostPriority() const { return length() != 0; }

 private:
  constexpr Verdict(Action action, uint16_t length, DropReason reason, uint8_t target)
      : bits_(static_cast<uint64_t>(action) | static_cast<uint64_t>(length) << 8 |
              static_cast<uint64_t>(reason) << 24 | static_cast<uint64_t>(target) << 32) {}

  uint64_t bits_;
};

}  // namespace portico::dp::pkt
