#include "dataplane/http/response_head.h"

#include "dataplane/http/fields.h"

namespace portico::dp::http {

using l7::ParseOutcome;

std::optional<std::string_view> ResponseHead::header(std::string_view name) const {
  for (uint16_t i = 0; i < headerCount; ++i) {
    if (equalsNoCase(headerName(i), name)) return headerValue(i);
  }
  return std::nullopt;
}

ParseOutcome parseResponseHead(std::span<const uint8_t> data, std::size_t limit, ResponseHead& out) {
  const std::size_t end = std::min(data.size(), limit);
  const auto* d = data.data();
  out.base_ = reinterpret_cast<const char*>(d);
  out.headerCount = 0;
  // Status line: HTTP/1.x SP 3DIGIT SP reason CRLF.
  std::size_t eol = findLineEnd(d, 0, end);
  if (eol == end) return end >= limit ? ParseOutcome::failed(DropReason::kL7HeadTooLarge) : ParseOutcome::incomplete();
  const std::string_view line(out.base_, eol);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
      !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
    return ParseOutcome::failed(DropReason::kL7BadVersion);
  }
  out.versionMinor = static_cast<uint8_t>(line[7] - '0');
  out.status = static_cast<uint16_t>((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
  out.reason = line.size() > 13 ? line.substr(13) : std::string_view();
  std::size_t at = nextLine(d, eol, end);
  for (;;) {
    eol = findLineEnd(d, at, end);
    if (eol == end) return end >= limit ? ParseOutcome::failed(DropReason::kL7HeadTooLarge) : ParseOutcome::incomplete();
    if (eol == at) {
      out.length = static_cast<uint32_t>(nextLine(d, eol, end));
      return ParseOutcome::complete();
    }
    if (out.headerCount == kMaxResponseHeaders) return ParseOutcome::failed(DropReason::kL7TooManyHeaders);
    ResponseHead::Field f;
    if (!splitField(d, at, eol, f.name, f.nameLength, f.value, f.valueLength)) {
      return ParseOutcome::failed(DropReason::kL7BadHeader);
    }
    out.fields_[out.headerCount++] = f;
    at = nextLine(d, eol, end);
  }
}

}  // namespace portico::dp::http
