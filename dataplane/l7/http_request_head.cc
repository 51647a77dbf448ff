#include "dataplane/l7/http_request_head.h"

#include <algorithm>
#include <cstring>

namespace portico::dp::l7 {

namespace {

bool isTokenChar(uint8_t c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool isSpace(uint8_t c) { return c == ' ' || c == '\t'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The end of the head (index just past CRLF CRLF), or 0 when it has not arrived.
std::size_t headEnd(const uint8_t* d, std::size_t n) {
  for (std::size_t i = 3; i < n; ++i) {
    if (d[i] == '\n' && d[i - 1] == '\r' && d[i - 2] == '\n' && d[i - 3] == '\r') return i + 1;
  }
  return 0;
}

// Rejects a method early, before the whole head is in: a TLS ClientHello or binary sent
// to an HTTP port fails on its first byte instead of filling the buffer.
bool plausibleStart(const uint8_t* d, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (d[i] == ' ') return i > 0;
    if (!isTokenChar(d[i])) return false;
  }
  return true;
}

bool splitTarget(std::string_view target, HttpRequestHead& out, std::string_view& authority) {
  authority = {};
  if (target.empty()) return false;
  if (target.front() != '/') {
    if (target == "*") {
      out.path = target;
      return true;
    }
    // absolute-form: scheme "://" authority path
    const auto scheme = target.find("://");
    if (scheme == std::string_view::npos || scheme == 0) return false;
    const std::string_view rest = target.substr(scheme + 3);
    const auto slash = rest.find_first_of("/?");
    authority = rest.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (authority.empty()) return false;
    if (target.front() == '?') {
      out.path = "/";
      out.query = target.substr(1);
      return true;
    }
  }
  const auto q = target.find('?');
  out.path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  return true;
}

}  // namespace

const HeaderField* HttpRequestHead::header(std::string_view name) const {
  for (uint16_t i = 0; i < headerCount; ++i) {
    if (equalsNoCase(headers[i].name, name)) return &headers[i];
  }
  return nullptr;
}

bool normalizeHost(std::string_view authority, HttpRequestHead& out) {
  // userinfo is not allowed in Host, and is dropped from an absolute-form authority.
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    host = host.substr(0, close + 1);
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      for (char c : host.substr(colon + 1)) {
        if (c < '0' || c > '9') return false;
      }
      host = host.substr(0, colon);
    }
  }
  if (host.size() > kMaxHostLength) return false;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (c <= ' ' || c == '/' || c == '?' || c == '#' || c == 0x7f) return false;
    out.hostBuf_[i] = lower(c);
  }
  // A fully qualified name's trailing dot names the same host.
  std::size_t n = host.size();
  if (n > 1 && out.hostBuf_[n - 1] == '.') --n;
  out.hostLength_ = static_cast<uint8_t>(n);
  return true;
}

ParseOutcome parseRequestHead(std::span<uint8_t> data, std::size_t limit, HttpRequestHead& out) {
  const std::size_t available = std::min(data.size(), limit);
  uint8_t* d = data.data();
  if (!plausibleStart(d, std::min<std::size_t>(available, 32))) return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  const std::size_t end = headEnd(d, available);
  if (end == 0) {
    return data.size() >= limit ? ParseOutcome::failed(DropReason::kL7HeadTooLarge) : ParseOutcome::incomplete();
  }
  out = HttpRequestHead{};
  out.length = static_cast<uint32_t>(end);
  const auto text = [&](std::size_t from, std::size_t to) {
    return std::string_view(reinterpret_cast<const char*>(d) + from, to - from);
  };

  // Request line: method SP target SP HTTP/1.x
  std::size_t lineEnd = 0;
  while (d[lineEnd] != '\r' || d[lineEnd + 1] != '\n') ++lineEnd;
  const std::string_view line = text(0, lineEnd);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  out.method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || (version[7] != '0' && version[7] != '1')) {
    return ParseOutcome::failed(DropReason::kL7BadVersion);
  }
  out.versionMinor = static_cast<uint8_t>(version[7] - '0');
  std::string_view authority;
  if (target.find(' ') != std::string_view::npos || !splitTarget(target, out, authority)) {
    return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  }

  // Header fields, with obsolete folds turned into spaces first.
  std::size_t pos = lineEnd + 2;
  // Whitespace before the first field would fold into the request line.
  if (isSpace(d[pos])) return ParseOutcome::failed(DropReason::kL7BadHeader);
  for (std::size_t i = pos; i + 4 < end; ++i) {
    if (d[i] == '\r' && d[i + 1] == '\n' && isSpace(d[i + 2])) {
      d[i] = ' ';
      d[i + 1] = ' ';
    }
  }
  std::string_view host;
  bool sawHost = false;
  while (pos < end - 2) {
    std::size_t eol = pos;
    while (d[eol] != '\r' || d[eol + 1] != '\n') ++eol;
    const std::string_view field = text(pos, eol);
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return ParseOutcome::failed(DropReason::kL7BadHeader);
    const std::string_view name = field.substr(0, colon);
    for (char c : name) {
      if (!isTokenChar(static_cast<uint8_t>(c))) return ParseOutcome::failed(DropReason::kL7BadHeader);
    }
    if (out.headerCount == kMaxHeaders) return ParseOutcome::failed(DropReason::kL7TooManyHeaders);
    const std::string_view value = trim(field.substr(colon + 1));
    out.headers[out.headerCount++] = {name, value};
    if (equalsNoCase(name, "host")) {
      if (sawHost) return ParseOutcome::failed(DropReason::kL7DuplicateHost);
      sawHost = true;
      host = value;
    }
    pos = eol + 2;
  }
  if (!authority.empty()) host = authority;  // RFC 9112 3.2.2: the target's authority wins
  if (!sawHost && authority.empty() && out.versionMinor == 1) return ParseOutcome::failed(DropReason::kL7MissingHost);
  if (!normalizeHost(host, out)) return ParseOutcome::failed(DropReason::kL7BadHost);
  return ParseOutcome::complete();
}

}  // namespace portico::dp::l7
