#include "dataplane/http/head_writer.h"

#include <cstdio>
#include <cstring>

#include "dataplane/http/bounded_writer.h"
#include "dataplane/http/fields.h"

namespace portico::dp::http {

namespace {

using Out = BoundedWriter<uint8_t>;

// The Connection field of a head, for the fields it names.
template <typename Head>
std::string_view connectionOf(const Head& head) {
  const auto v = head.header("connection");
  return v ? *v : std::string_view();
}

std::string_view reasonOf(uint16_t status) {
  switch (status) {
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

}  // namespace

uint32_t writeUpstreamRequest(const l7::HttpRequestHead& head, const Framing& framing, const Forwarding& fwd,
                              std::span<uint8_t> out, const RequestEdits& edits) {
  Out o(out);
  o << head.method << " " << (edits.path.empty() ? head.path : edits.path);
  if (!head.query.empty()) o << "?" << head.query;
  o << " HTTP/1.1\r\n";
  const std::string_view connection = connectionOf(head);
  std::string_view forwardedFor, forwardedProto, forwardedHost;
  bool sawHost = false;
  for (uint16_t i = 0; i < head.headerCount; ++i) {
    const std::string_view name = head.headerName(i), value = head.headerValue(i);
    if (hopByHop(name, connection)) continue;
    // What the client says of earlier hops counts only from a trusted peer; ours follow.
    if (equalsNoCase(name, "x-forwarded-for")) {
      if (fwd.trustedPeer) forwardedFor = value;
      continue;
    }
    if (equalsNoCase(name, "x-forwarded-proto")) {
      if (fwd.trustedPeer) forwardedProto = value;
      continue;
    }
    if (equalsNoCase(name, "x-forwarded-host")) {
      if (fwd.trustedPeer) forwardedHost = value;
      continue;
    }
    if (equalsNoCase(name, "host")) {
      sawHost = true;
      o.field(name, edits.host.empty() ? value : edits.host);
      continue;
    }
    if (edits.rule.drops(name) || edits.backend.drops(name)) continue;
    o.field(name, value);
  }
  // An HTTP/1.0 request may have no Host; the backend gets the one it was routed by.
  if (!sawHost && !head.host().empty()) o.field("Host", edits.host.empty() ? head.host() : edits.host);
  // The rule's fields, unless the backendRef's edits replace or remove them, then the backendRef's.
  edits.rule.forEachNew([&](std::string_view name, std::string_view value) {
    if (!edits.backend.drops(name)) o.field(name, value);
  });
  edits.backend.forEachNew([&](std::string_view name, std::string_view value) { o.field(name, value); });
  if (forwardedFor.empty()) {
    o.field("X-Forwarded-For", fwd.clientAddress);
  } else {
    o << "X-Forwarded-For: " << forwardedFor << ", " << fwd.clientAddress << "\r\n";
  }
  o.field("X-Forwarded-Proto", forwardedProto.empty() ? fwd.proto : forwardedProto);
  const auto host = head.header("host");
  o.field("X-Forwarded-Host", !forwardedHost.empty() ? forwardedHost : host ? *host : head.host());
  if (framing.upgrade) {
    o.field("Connection", "upgrade");
    o.field("Upgrade", *head.header("upgrade"));
  }
  o << "\r\n";
  return o.finish();
}

uint32_t writeClientResponse(const ResponseHead& head, bool closeClient, uint8_t clientMinor, std::span<uint8_t> out,
                             HeaderEdits edits) {
  Out o(out);
  char status[4] = {static_cast<char>('0' + head.status / 100), static_cast<char>('0' + head.status / 10 % 10),
                    static_cast<char>('0' + head.status % 10), 0};
  o << (clientMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ") << std::string_view(status, 3) << " " << head.reason << "\r\n";
  const std::string_view connection = connectionOf(head);
  const bool switching = head.status == 101;
  for (uint16_t i = 0; i < head.headerCount; ++i) {
    const std::string_view name = head.headerName(i);
    if (hopByHop(name, connection) && !(switching && equalsNoCase(name, "upgrade"))) continue;
    if (edits.drops(name)) continue;
    o.field(name, head.headerValue(i));
  }
  edits.forEachNew([&](std::string_view name, std::string_view value) { o.field(name, value); });
  if (switching) {
    o.field("Connection", "upgrade");
  } else if (closeClient) {
    o.field("Connection", "close");
  } else if (clientMinor == 0) {
    o.field("Connection", "keep-alive");
  }
  o << "\r\n";
  return o.finish();
}

uint32_t writeRedirect(uint16_t status, std::string_view location, bool close, std::span<uint8_t> out) {
  Out o(out);
  char line[32];
  const int n = std::snprintf(line, sizeof line, "HTTP/1.1 %u ", static_cast<unsigned>(status));
  o << std::string_view(line, static_cast<std::size_t>(n)) << reasonOf(status) << "\r\n";
  o.field("Location", location);
  o.field("Content-Length", "0");
  o.field("Server", "portico");
  if (close) o.field("Connection", "close");
  o << "\r\n";
  return o.finish();
}

uint32_t writeOwnAnswer(uint16_t status, std::string_view body, bool close, std::span<uint8_t> out) {
  Out o(out);
  char line[64];
  const int n = std::snprintf(line, sizeof line, "HTTP/1.1 %u ", static_cast<unsigned>(status));
  char length[24];
  const int ln = std::snprintf(length, sizeof length, "%zu", body.size() + 1);
  o << std::string_view(line, static_cast<std::size_t>(n)) << reasonOf(status) << "\r\n";
  o.field("Content-Type", "text/plain");
  o.field("Content-Length", std::string_view(length, static_cast<std::size_t>(ln)));
  o.field("Server", "portico");
  if (close) o.field("Connection", "close");
  o << "\r\n" << body << "\n";
  return o.finish();
}

}  // namespace portico::dp::http
