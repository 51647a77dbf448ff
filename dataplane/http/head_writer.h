#pragma once

// The heads the proxy sends on: the request as the backend gets it (hop-by-hop fields
// dropped, forwarding headers set), the response as the client gets it (its connection
// options ours), and the appliance's own answers. Each writes into a caller's buffer and
// returns the length, 0 when it does not fit.

#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/http/framing.h"
#include "dataplane/http/header_edits.h"
#include "dataplane/http/response_head.h"
#include "dataplane/l7/http_request_head.h"

namespace portico::dp::http {

struct Forwarding {
  std::string_view clientAddress;  // textual
  bool trustedPeer = false;        // keep and extend what the peer says of the client
  std::string_view proto = "http";
};

// What the route's filters change of a request: header edits (the rule's, then the
// backendRef's), and the Host and path a URLRewrite gives it (empty: unchanged).
struct RequestEdits {
  HeaderEdits rule, backend;
  std::string_view host;
  std::string_view path;
};

uint32_t writeUpstreamRequest(const l7::HttpRequestHead& head, const Framing& framing, const Forwarding& fwd,
                              std::span<uint8_t> out, const RequestEdits& edits = {});

// `closeClient`: the client connection ends after this response. `edits`: the
// ResponseHeaderModifier of the rule and backendRef, one after the other.
uint32_t writeClientResponse(const ResponseHead& head, bool closeClient, uint8_t clientMinor, std::span<uint8_t> out,
                             HeaderEdits edits = {});

// A RequestRedirect's answer: `status` with the Location, no body.
uint32_t writeRedirect(uint16_t status, std::string_view location, bool close, std::span<uint8_t> out);

// The appliance's own answer: status, a one-line text body, and whether it closes.
uint32_t writeOwnAnswer(uint16_t status, std::string_view body, bool close, std::span<uint8_t> out);

}  // namespace portico::dp::http
