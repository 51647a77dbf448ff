#pragma once

// The HTTP/1.x request head (RFC 9112) of a connection's first request, read from the
// bytes received so far, as many times as segments arrive. Bounded: the caller passes
// the most bytes a head may take. Nothing is copied but the host name (lowercased, port
// removed); the other fields point into the buffer.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/l7/l7_error.h"

namespace portico::dp::l7 {

inline constexpr std::size_t kMaxHeaders = 64;
inline constexpr std::size_t kMaxHostLength = 255;

struct HeaderField {
  std::string_view name;   // as sent; compare case-insensitively
  std::string_view value;  // surrounding whitespace removed
};

struct HttpRequestHead {
  std::string_view method;
  std::string_view path;   // origin-form path, also for absolute-form targets; no query
  std::string_view query;  // after '?', empty when none
  uint8_t versionMinor = 1;
  uint32_t length = 0;     // bytes of the head, final CRLF included
  std::array<HeaderField, kMaxHeaders> headers{};
  uint16_t headerCount = 0;

  std::string_view host() const { return {hostBuf_.data(), hostLength_}; }
  // The first header of a name (case-insensitive), if any.
  const HeaderField* header(std::string_view name) const;

  std::array<char, kMaxHostLength + 1> hostBuf_{};
  uint8_t hostLength_ = 0;
};

// Parses data[0..size) as the start of a request. Obsolete line folding is replaced by
// spaces in place (RFC 9112 5.2), so the bytes forwarded to the backend carry no fold.
// HTTP/1.1 requires exactly one Host (or an absolute-form target, whose authority wins);
// HTTP/1.0 may omit it and then only a catch-all listener can take it.
ParseOutcome parseRequestHead(std::span<uint8_t> data, std::size_t limit, HttpRequestHead& out);

// Host names compare case-insensitively; a port (":80", also after "[v6]") is dropped.
// False when the authority is not a plausible host.
bool normalizeHost(std::string_view authority, HttpRequestHead& out);

}  // namespace portico::dp::l7
