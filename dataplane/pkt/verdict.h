#pragma once

#include <cstdint>

#include "dataplane/stats/drop_reasons.h"

namespace portico::dp::pkt {

// What a handler decided for one frame: send it back out of the port it came in on
// (rewritten in place, now `length` bytes long), or drop it for a reason.
struct Verdict {
  enum class Action : uint8_t { kDrop, kReply };
  Action action = Action::kDrop;
  uint16_t length = 0;
  DropReason reason = DropReason::kCount;

  static constexpr Verdict reply(uint16_t length) { return {Action::kReply, length, DropReason::kCount}; }
  static constexpr Verdict drop(DropReason reason) { return {Action::kDrop, 0, reason}; }
  bool isReply() const { return action == Action::kReply; }
};

}  // namespace portico::dp::pkt
