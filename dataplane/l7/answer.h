#pragma once

// The appliance's own HTTP answers, for requests no backend can take: small HTTP/1.1
// responses that close the connection.

#include <cstdint>
#include <span>

namespace portico::dp::l7 {

enum class AnswerStatus : uint16_t { kBadRequest = 400, kNotFound = 404, kRequestTimeout = 408, kInternalError = 500, kUnavailable = 503 };

// Writes the response into `out`; returns its length (0 when it does not fit).
uint32_t writeAnswer(AnswerStatus status, std::span<uint8_t> out);

}  // namespace portico::dp::l7
