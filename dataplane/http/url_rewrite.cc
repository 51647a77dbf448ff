#include "dataplane/http/url_rewrite.h"

#include <charconv>

#include "dataplane/http/bounded_writer.h"

namespace portico::dp::http {

namespace {

std::string_view withoutTrailingSlash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

using Writer = BoundedWriter<char>;

}  // namespace

std::string_view rewritePath(std::string_view path, snapshot::PathRewrite type, std::string_view value,
                             std::string_view prefix, std::span<char> out) {
  if (type == snapshot::PathRewrite::kNone) return path;
  if (type == snapshot::PathRewrite::kFull) return value;
  // Whole path elements: "/foo" matched "/foo/bar", so "/bar" is what stays; the
  // replacement's trailing '/' is dropped so it never doubles one.
  const std::string_view matched = withoutTrailingSlash(prefix);
  const std::string_view rest = path.size() >= matched.size() ? path.substr(matched.size()) : std::string_view{};
  Writer w(out);
  w << withoutTrailingSlash(value) << rest;
  if (w.size() == 0) w << "/";
  if (w.overflow()) return path;
  return {out.data(), w.size()};
}

uint32_t writeLocation(const snapshot::RedirectSpec& redirect, std::string_view requestScheme, std::string_view host,
                       uint16_t listenerPort, std::string_view path, std::string_view query, std::span<char> out) {
  const std::string_view scheme = redirect.scheme.empty() ? requestScheme : std::string_view(redirect.scheme);
  uint16_t port = redirect.port;
  if (port == 0) {
    port = redirect.scheme == "https" ? 443 : redirect.scheme == "http" ? 80 : listenerPort;
  }
  Writer w(out);
  w << scheme << "://" << (redirect.hostname.empty() ? host : std::string_view(redirect.hostname));
  if (!((scheme == "http" && port == 80) || (scheme == "https" && port == 443))) {
    char digits[8];
    const auto r = std::to_chars(digits, digits + sizeof digits, port);
    w << ":" << std::string_view(digits, static_cast<std::size_t>(r.ptr - digits));
  }
  w << path;
  if (!query.empty()) w << "?" << query;
  return w.finish();
}

}  // namespace portico::dp::http
