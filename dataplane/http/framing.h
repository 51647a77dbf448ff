#pragma once

// How an HTTP/1.1 message is delimited and what it asks of the connection (RFC 9112 6,
// 9.3): its body's framing, whether the connection closes after it, an upgrade, an
// Expect: 100-continue. A request whose length cannot be known reliably is refused, as
// the RFC lets a proxy do: both Transfer-Encoding and Content-Length, a coding other than
// chunked last, or Content-Length values that differ (the ways requests are smuggled).

#include <cstdint>
#include <string_view>

#include "dataplane/http/body_framer.h"
#include "dataplane/http/response_head.h"
#include "dataplane/l7/http_request_head.h"

namespace portico::dp::http {

struct Framing {
  BodyFramer::Kind body = BodyFramer::Kind::kNone;
  uint64_t length = 0;
  bool close = false;           // the connection ends after this message
  bool upgrade = false;         // Connection: upgrade with an Upgrade header
  bool expectContinue = false;  // Expect: 100-continue
  bool invalid = false;
};

Framing requestFraming(const l7::HttpRequestHead& head);

// `requestMethod` is the request this answers (a HEAD's response has no body).
Framing responseFraming(const ResponseHead& head, std::string_view requestMethod);

// Whether a header is hop-by-hop (RFC 9110 7.6.1), not to be forwarded: the fixed ones,
// and those the message's Connection header names.
bool hopByHop(std::string_view name, std::string_view connection);

}  // namespace portico::dp::http
