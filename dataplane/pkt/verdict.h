#pragma once

#include <cstdint>

#include "dataplane/stats/drop_reasons.h"

namespace portico::dp::pkt {

// What a handler decided for one frame, rewritten in place and now `length` bytes long:
// send it back out of the port it came in on, send it out of another port, hand it to
// the worker that owns its flow, pass it to the control thread, or drop it for a reason.
struct Verdict {
  enum class Action : uint8_t { kDrop, kReply, kForward, kHandoff, kToControl };
  Action action = Action::kDrop;
  uint16_t length = 0;
  DropReason reason = DropReason::kCount;
  uint8_t target = 0;  // kForward: port index; kHandoff: worker index

  static constexpr Verdict reply(uint16_t length) { return {Action::kReply, length, DropReason::kCount, 0}; }
  static constexpr Verdict forward(uint8_t port, uint16_t length) {
    return {Action::kForward, length, DropReason::kCount, port};
  }
  static constexpr Verdict handoff(uint8_t worker) { return {Action::kHandoff, 0, DropReason::kCount, worker}; }
  static constexpr Verdict toControl() { return {Action::kToControl, 0, DropReason::kCount, 0}; }
  static constexpr Verdict drop(DropReason reason) { return {Action::kDrop, 0, reason, 0}; }
  bool isReply() const { return action == Action::kReply; }
  bool isDrop() const { return action == Action::kDrop; }
};

}  // namespace portico::dp::pkt
