#include "dataplane/http/framing.h"

#include "dataplane/http/fields.h"

namespace portico::dp::http {

namespace {

// Content-Length: digits only (a list of equal values is one value, RFC 9110 8.6).
bool parseLength(std::string_view v, uint64_t& out) {
  bool seen = false;
  bool ok = true;
  forEachToken(v, [&](std::string_view t) {
    uint64_t n = 0;
    if (t.empty() || t.size() > 18) ok = false;
    for (const char c : t) {
      if (!isDigit(c)) ok = false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (seen && n != out) ok = false;
    out = n;
    seen = true;
  });
  return ok && seen;
}

// The last transfer coding is chunked.
bool chunkedLast(std::string_view te) {
  std::string_view last;
  forEachToken(te, [&](std::string_view t) { last = t; });
  return equalsNoCase(last, "chunked");
}

template <typename Head>
void connectionOptions(const Head& head, uint8_t versionMinor, Framing& f) {
  bool keepAlive = false, close = false, upgrade = false;
  for (uint16_t i = 0; i < head.headerCount; ++i) {
    if (!equalsNoCase(head.headerName(i), "connection")) continue;
    forEachToken(head.headerValue(i), [&](std::string_view t) {
      if (equalsNoCase(t, "close")) close = true;
      if (equalsNoCase(t, "keep-alive")) keepAlive = true;
      if (equalsNoCase(t, "upgrade")) upgrade = true;
    });
  }
  f.close = close || (versionMinor == 0 && !keepAlive);
  f.upgrade = upgrade && head.header("upgrade").has_value();
}

}  // namespace

Framing requestFraming(const l7::HttpRequestHead& head) {
  Framing f;
  connectionOptions(head, head.versionMinor, f);
  uint64_t length = 0;
  bool haveLength = false, haveCoding = false;
  std::string_view coding;
  for (uint16_t i = 0; i < head.headerCount; ++i) {
    const std::string_view name = head.headerName(i);
    if (equalsNoCase(name, "content-length")) {
      uint64_t n = 0;
      if (!parseLength(head.headerValue(i), n) || (haveLength && n != length)) f.invalid = true;
      length = n;
      haveLength = true;
    } else if (equalsNoCase(name, "transfer-encoding")) {
      if (haveCoding) f.invalid = true;  // two fields: refuse rather than guess
      coding = head.headerValue(i);
      haveCoding = true;
    } else if (equalsNoCase(name, "expect")) {
      f.expectContinue = equalsNoCase(head.headerValue(i), "100-continue");
    }
  }
  if (haveCoding) {
    if (haveLength || !chunkedLast(coding) || head.versionMinor == 0) f.invalid = true;
    f.body = BodyFramer::Kind::kChunked;
  } else if (haveLength) {
    f.body = length > 0 ? BodyFramer::Kind::kLength : BodyFramer::Kind::kNone;
    f.length = length;
  }
  return f;
}

Framing responseFraming(const ResponseHead& head, std::string_view requestMethod) {
  Framing f;
  connectionOptions(head, head.versionMinor, f);
  if (requestMethod == "HEAD" || (head.status >= 100 && head.status < 200) || head.status == 204 || head.status == 304) {
    return f;  // no body, whatever the fields say
  }
  std::optional<std::string_view> coding = head.header("transfer-encoding");
  std::optional<std::string_view> length = head.header("content-length");
  if (coding) {
    if (chunkedLast(*coding)) {
      f.body = BodyFramer::Kind::kChunked;
    } else {
      f.body = BodyFramer::Kind::kUntilClose;
      f.close = true;
    }
  } else if (length) {
    uint64_t n = 0;
    if (!parseLength(*length, n)) {
      f.invalid = true;
      return f;
    }
    f.body = n > 0 ? BodyFramer::Kind::kLength : BodyFramer::Kind::kNone;
    f.length = n;
  } else {
    f.body = BodyFramer::Kind::kUntilClose;
    f.close = true;
  }
  return f;
}

bool hopByHop(std::string_view name, std::string_view connection) {
  for (const std::string_view h : {"connection", "keep-alive", "proxy-connection", "te", "upgrade"}) {
    if (equalsNoCase(name, h)) return true;
  }
  bool named = false;
  forEachToken(connection, [&](std::string_view t) { named = named || equalsNoCase(t, name); });
  return named;
}

}  // namespace portico::dp::http
