#pragma once

// An HTTP/1.x response head (RFC 9112 4) read from a backend: status, version, and each
// header field as offsets into the caller's buffer, which must outlive the result.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dataplane/l7/l7_error.h"

namespace portico::dp::http {

inline constexpr std::size_t kMaxResponseHeaders = 100;

struct ResponseHead {
  uint16_t status = 0;
  uint8_t versionMinor = 1;
  uint32_t length = 0;  // bytes of the head, final CRLF included
  uint16_t headerCount = 0;
  std::string_view reason;

  std::optional<std::string_view> header(std::string_view name) const;
  std::string_view headerName(uint16_t i) const { return {base_ + fields_[i].name, fields_[i].nameLength}; }
  std::string_view headerValue(uint16_t i) const { return {base_ + fields_[i].value, fields_[i].valueLength}; }

  struct Field {
    uint16_t name, nameLength, value, valueLength;
  };
  const char* base_ = nullptr;
  std::array<Field, kMaxResponseHeaders> fields_;
};

l7::ParseOutcome parseResponseHead(std::span<const uint8_t> data, std::size_t limit, ResponseHead& out);

}  // namespace portico::dp::http
