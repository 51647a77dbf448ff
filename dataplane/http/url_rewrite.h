#pragma once

// The paths and locations of HTTPRoute URLRewrite and RequestRedirect filters, written
// into a caller's buffer (no allocation on the data path).

#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/snapshot/desired_state.h"

namespace portico::dp::http {

// `path` with its matched PathPrefix `prefix` (kPrefix) or whole (kFull) replaced by
// `value`; `path` itself for kNone or when it does not fit `out`.
std::string_view rewritePath(std::string_view path, snapshot::PathRewrite type, std::string_view value,
                             std::string_view prefix, std::span<char> out);

// The Location of a redirect: the filter's scheme, host and port where it names them,
// else the request's (the scheme's well-known port when only the scheme changes; no port
// when it is the scheme's default), then `path` and the query. 0 when it does not fit.
uint32_t writeLocation(const snapshot::RedirectSpec& redirect, std::string_view requestScheme, std::string_view host,
                       uint16_t listenerPort, std::string_view path, std::string_view query, std::span<char> out);

}  // namespace portico::dp::http
