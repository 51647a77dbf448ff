#pragma once

#include <cstdint>

#include "dataplane/stats/drop_reasons.h"

namespace portico::dp::l7 {

// Where parsing the first bytes of a connection stands.
enum class ParseStatus : uint8_t {
  kIncomplete,  // need more bytes
  kComplete,
  kFailed,      // `reason` says why; the connection gets a 400 (HTTP) or a reset (TLS)
};

struct ParseOutcome {
  ParseStatus status = ParseStatus::kIncomplete;
  DropReason reason = DropReason::kCount;

  static constexpr ParseOutcome incomplete() { return {}; }
  static constexpr ParseOutcome complete() { return {ParseStatus::kComplete, DropReason::kCount}; }
  static constexpr ParseOutcome failed(DropReason r) { return {ParseStatus::kFailed, r}; }
};

}  // namespace portico::dp::l7
