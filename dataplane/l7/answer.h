#pragma once

// The appliance's own HTTP answers, for requests no backend can take: small HTTP/1.1
// responses that close the connection.

#include <cstdint>
#include <span>

namespace portico::dp::l7 {

enum class AnswerStatus : uint16_t {
  kBadRequest,
  kNotFound,
  kRequestTimeout,
  kInternalError,
  kUnavailable,
  // The health endpoint's answers (health.h).
  kHealthy,
  kNotReady,
  kDraining,
};

// Writes the response into `out`; returns its length (0 when it does not fit).
uint32_t writeAnswer(AnswerStatus status, std::span<uint8_t> out);

}  // namespace portico::dp::l7
