#pragma once

// The HTTP/1.x request head (RFC 9112) of a connection's first request, read from the
// bytes received so far, as many times as segments arrive. Bounded: the caller passes
// the most bytes a head may take. Nothing is copied but the host name (lowercased, port
// removed); the other fields point into the buffer, which must outlive the result.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dataplane/l7/l7_error.h"

namespace portico::dp::l7 {

inline constexpr std::size_t kMaxHeaders = 64;
inline constexpr std::size_t kMaxHostLength = 255;

struct HttpRequestHead {
  std::string_view method;
  std::string_view path;   // origin-form path, also for absolute-form targets; no query
  std::string_view query;  // after '?', empty when none
  uint8_t versionMinor = 1;
  uint32_t length = 0;     // bytes of the head, final CRLF included
  uint16_t headerCount = 0;

  std::string_view host() const { return {hostBuf_.data(), hostLength_}; }
  // The value of the first header of a name (case-insensitive), surrounding whitespace
  // removed; nullopt when there is none.
  std::optional<std::string_view> header(std::string_view name) const;
  std::string_view headerName(uint16_t i) const { return {base_ + fields_[i].name, fields_[i].nameLength}; }
  std::string_view headerValue(uint16_t i) const { return {base_ + fields_[i].value, fields_[i].valueLength}; }

  // Offsets into the buffer, not views: a plain struct the head need not initialise, so a
  // parse costs what the request holds, not what the head could hold.
  struct Field {
    uint16_t name, nameLength, value, valueLength;
  };
  const char* base_ = nullptr;
  std::array<Field, kMaxHeaders> fields_;
  std::array<char, kMaxHostLength + 1> hostBuf_;
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
