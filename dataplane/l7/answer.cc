#include "dataplane/l7/answer.h"

#include <cstdio>
#include <cstring>

namespace portico::dp::l7 {

namespace {

struct Text {
  unsigned code;
  const char* reason;
  const char* body;
};

Text textOf(AnswerStatus s) {
  switch (s) {
    case AnswerStatus::kBadRequest: return {400, "Bad Request", "malformed request\n"};
    case AnswerStatus::kRequestTimeout: return {408, "Request Timeout", "the request head took too long\n"};
    case AnswerStatus::kNotFound: return {404, "Not Found", "no route matches this host and path\n"};
    case AnswerStatus::kInternalError: return {500, "Internal Server Error", "the route's backend reference is invalid\n"};
    case AnswerStatus::kUnavailable: return {503, "Service Unavailable", "no ready endpoint for this route\n"};
    case AnswerStatus::kHealthy: return {200, "OK", "OK\n"};
    case AnswerStatus::kNotReady: return {503, "Service Unavailable", "no ready endpoint behind this address\n"};
    case AnswerStatus::kDraining: return {503, "Service Unavailable", "DRAINING\n"};
  }
  return {500, "Error", "error\n"};
}

}  // namespace

uint32_t writeAnswer(AnswerStatus status, std::span<uint8_t> out) {
  const Text t = textOf(status);
  // Control-path-sized work on a rare event; snprintf does not allocate.
  const int n = std::snprintf(reinterpret_cast<char*>(out.data()), out.size(),
                              "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                              "Connection: close\r\nServer: portico\r\n\r\n%s",
                              t.code, t.reason, std::strlen(t.body), t.body);
  return n > 0 && static_cast<std::size_t>(n) < out.size() ? static_cast<uint32_t>(n) : 0;
}

}  // namespace portico::dp::l7
