#include "controlplane/translate/hostname.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace portico::cp {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::size_t labels(std::string_view h) { return static_cast<std::size_t>(std::count(h.begin(), h.end(), '.')) + 1; }

}  // namespace

std::string hostnameProblem(std::string_view h) {
  if (h.empty()) return "is empty";
  if (h.size() > 253) return "is longer than 253 characters";
  if (h == "*" || h == "*.") return "has nothing after the wildcard";
  const std::string_view rest = isWildcard(h) ? h.substr(2) : h;
  if (rest.find('*') != std::string_view::npos) return "may only have '*' as its whole first label";
  in_addr a4;
  in6_addr a6;
  const std::string s(rest);
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1 || inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    return "is an IP address, not a hostname";
  }
  std::size_t start = 0;
  while (start <= rest.size()) {
    const std::size_t dot = rest.find('.', start);
    const std::string_view label = rest.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "has an empty label";
    if (label.size() > 63) return "has a label longer than 63 characters";
    for (char c : label) {
      if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
        return "may hold only lower-case letters, digits, '-' and '.'";
      }
    }
    if (label.front() == '-' || label.back() == '-') return "has a label that starts or ends with '-'";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

bool isWildcard(std::string_view h) { return h.substr(0, 2) == "*."; }

bool hostnameMatches(std::string_view pattern, std::string_view name) {
  const std::string p = lower(pattern), n = lower(name);
  if (!isWildcard(p)) return p == n;
  // "*.example.com" needs at least one label before ".example.com".
  const std::string_view suffix = std::string_view(p).substr(1);
  return n.size() > suffix.size() && endsWith(n, suffix);
}

std::vector<std::string> intersectHostnames(const std::optional<std::string>& listener,
                                            const std::vector<std::string>& route) {
  if (route.empty()) return {listener.value_or("")};
  if (!listener) return route;
  const std::string l = lower(*listener);
  std::vector<std::string> out;
  for (const auto& r : route) {
    const std::string rl = lower(r);
    if (rl == l) {
      out.push_back(rl);
    } else if (!isWildcard(rl) && hostnameMatches(l, rl)) {
      out.push_back(rl);  // wildcard listener, precise route: the route's name
    } else if (isWildcard(rl) && !isWildcard(l) && hostnameMatches(rl, l)) {
      out.push_back(l);  // precise listener, wildcard route: the listener's name
    } else if (isWildcard(rl) && isWildcard(l)) {
      // Both wildcards: the narrower one, if one contains the other.
      if (endsWith(rl, l.substr(1))) out.push_back(rl);
      else if (endsWith(l, rl.substr(1))) out.push_back(l);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int compareSpecificity(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return a ? -1 : (b ? 1 : 0);
  const bool wa = isWildcard(*a), wb = isWildcard(*b);
  if (wa != wb) return wa ? 1 : -1;
  const std::size_t la = labels(*a), lb = labels(*b);
  if (la != lb) return la > lb ? -1 : 1;
  if (a->size() != b->size()) return a->size() > b->size() ? -1 : 1;
  return a->compare(*b) < 0 ? -1 : (*a == *b ? 0 : 1);
}

std::string_view hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  const std::size_t colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(':') != colon) return host;  // bare IPv6 stays whole
  return host.substr(0, colon);
}

}  // namespace portico::cp
