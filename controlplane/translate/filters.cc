#include "controlplane/translate/filters.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace portico::cp {

namespace {

bool isToken(const std::string& name) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || kSpecials.find(static_cast<char>(c)) != std::string_view::npos;
  });
}

std::string headerProblem(const HttpHeaderFilter& h) {
  std::set<std::string> seen;
  auto check = [&](const std::string& name, bool once) -> std::string {
    if (!isToken(name)) return "header name '" + name + "' is not a valid field name";
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (once && !seen.insert(lower).second) return "header " + name + " is named twice";
    return "";
  };
  for (const auto& [name, value] : h.set) {
    if (auto p = check(name, true); !p.empty()) return p;
    if (value.find_first_of("\r\n") != std::string::npos) return "header " + name + "'s value holds a line break";
  }
  for (const auto& [name, value] : h.add) {
    if (auto p = check(name, false); !p.empty()) return p;
    if (value.find_first_of("\r\n") != std::string::npos) return "header " + name + "'s value holds a line break";
  }
  for (const auto& name : h.remove) {
    if (auto p = check(name, false); !p.empty()) return p;
  }
  return "";
}

std::string pathProblem(const std::optional<HttpPathModifier>& path, const HttpRouteRule& rule) {
  if (!path) return "";
  if (path->type != "ReplaceFullPath" && path->type != "ReplacePrefixMatch") {
    return "path type " + path->type + " is not ReplaceFullPath or ReplacePrefixMatch";
  }
  if (path->value.empty() || path->value[0] != '/') return "path '" + path->value + "' must start with '/'";
  if (path->type == "ReplacePrefixMatch") {
    const bool prefixOnly = !rule.matches.empty() &&
                            std::all_of(rule.matches.begin(), rule.matches.end(),
                                        [](const HttpRouteMatch& m) { return m.pathType == "PathPrefix"; });
    if (!prefixOnly && !rule.matches.empty()) return "ReplacePrefixMatch needs every match of the rule to be a PathPrefix";
  }
  return "";
}

std::string filterProblem(const HttpRouteFilter& f, const HttpRouteRule& rule, bool onBackend) {
  if (onBackend && f.type != "RequestHeaderModifier" && f.type != "ResponseHeaderModifier") {
    return "filter " + f.type + " is not supported on a backendRef";
  }
  if (f.type == "RequestHeaderModifier" || f.type == "ResponseHeaderModifier") return headerProblem(f.headers);
  if (f.type == "RequestRedirect") {
    if (f.scheme && *f.scheme != "http" && *f.scheme != "https") return "redirect scheme " + *f.scheme + " is not http or https";
    static constexpr uint32_t kCodes[] = {301, 302, 303, 307, 308};
    if (std::find(std::begin(kCodes), std::end(kCodes), f.statusCode) == std::end(kCodes)) {
      return "redirect statusCode " + std::to_string(f.statusCode) + " is not 301, 302, 303, 307 or 308";
    }
    return pathProblem(f.path, rule);
  }
  if (f.type == "URLRewrite") return pathProblem(f.path, rule);
  if (f.type == "RequestMirror") return "";
  return "filter type " + f.type + " is not supported";
}

// Bytes the dataplane keeps per exchange for a response's header edits (http/proxy.h).
constexpr std::size_t kResponseEditBytes = 1024;

std::size_t responseEditBytes(const std::vector<HttpRouteFilter>& filters) {
  std::size_t n = 0;
  for (const auto& f : filters) {
    if (f.type != "ResponseHeaderModifier") continue;
    for (const auto& [name, value] : f.headers.set) n += 4 + name.size() + value.size();
    for (const auto& [name, value] : f.headers.add) n += 4 + name.size() + value.size();
    for (const auto& name : f.headers.remove) n += 4 + name.size();
  }
  return n;
}

}  // namespace

std::optional<uint32_t> parseDuration(const std::string& text) {
  uint64_t total = 0;
  std::size_t i = 0, parts = 0;
  while (i < text.size()) {
    std::size_t digits = 0;
    uint64_t v = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      v = v * 10 + static_cast<uint64_t>(text[i++] - '0');
      ++digits;
    }
    if (digits == 0 || digits > 5 || ++parts > 4) return std::nullopt;
    if (text.compare(i, 2, "ms") == 0) {
      i += 2;
    } else if (i < text.size() && (text[i] == 'h' || text[i] == 'm' || text[i] == 's')) {
      v *= text[i] == 'h' ? 3'600'000 : text[i] == 'm' ? 60'000 : 1'000;
      ++i;
    } else {
      return std::nullopt;
    }
    total += v;
  }
  if (parts == 0 || total > 0xffffffffull) return std::nullopt;
  return static_cast<uint32_t>(total);
}

std::string ruleFilterProblem(const HttpRouteRule& rule, const std::string& ruleName) {
  if (!rule.unsupportedFields.empty()) return ruleName + ": " + rule.unsupportedFields.front() + " is not supported";
  std::set<std::string> types;
  for (const auto& f : rule.filters) {
    if (auto p = filterProblem(f, rule, false); !p.empty()) return ruleName + ": " + p;
    if (f.type != "RequestMirror" && !types.insert(f.type).second) return ruleName + ": filter " + f.type + " appears twice";
  }
  if (types.count("RequestRedirect") && types.count("URLRewrite")) {
    return ruleName + ": RequestRedirect and URLRewrite cannot both be used";
  }
  for (std::size_t i = 0; i < rule.backendRefs.size(); ++i) {
    std::set<std::string> own;
    for (const auto& f : rule.backendRefs[i].filters) {
      const std::string name = ruleName + " backendRef " + std::to_string(i);
      if (auto p = filterProblem(f, rule, true); !p.empty()) return name + ": " + p;
      if (!own.insert(f.type).second) return name + ": filter " + f.type + " appears twice";
    }
  }
  const std::size_t ruleEdits = responseEditBytes(rule.filters);
  for (const auto& ref : rule.backendRefs) {
    if (ruleEdits + responseEditBytes(ref.filters) > kResponseEditBytes) {
      return ruleName + ": ResponseHeaderModifier fields (with a backendRef's) exceed " + std::to_string(kResponseEditBytes) +
             " bytes";
    }
  }
  if (ruleEdits > kResponseEditBytes) {
    return ruleName + ": ResponseHeaderModifier fields exceed " + std::to_string(kResponseEditBytes) + " bytes";
  }
  std::optional<uint32_t> request, backend;
  if (rule.requestTimeout && !(request = parseDuration(*rule.requestTimeout))) {
    return ruleName + ": timeouts.request '" + *rule.requestTimeout + "' is not a duration";
  }
  if (rule.backendRequestTimeout && !(backend = parseDuration(*rule.backendRequestTimeout))) {
    return ruleName + ": timeouts.backendRequest '" + *rule.backendRequestTimeout + "' is not a duration";
  }
  if (request && backend && *request != 0 && (*backend == 0 || *backend > *request)) {
    return ruleName + ": timeouts.backendRequest must not be longer than timeouts.request";
  }
  return "";
}

namespace {

std::string withoutTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string modifiedPath(const HttpPathModifier& m, const std::string& path, const std::string& matchedPrefix) {
  if (m.type == "ReplaceFullPath") return m.value;
  const std::string prefix = withoutTrailingSlash(matchedPrefix);
  const std::string rest = path.size() >= prefix.size() ? path.substr(prefix.size()) : "";
  const std::string out = withoutTrailingSlash(m.value) + rest;
  return out.empty() ? "/" : out;
}

void addHeaders(const HttpHeaderFilter& h, std::vector<std::pair<std::string, std::string>>& set,
                std::vector<std::pair<std::string, std::string>>& added, std::vector<std::string>& removed) {
  set.insert(set.end(), h.set.begin(), h.set.end());
  added.insert(added.end(), h.add.begin(), h.add.end());
  removed.insert(removed.end(), h.remove.begin(), h.remove.end());
}

}  // namespace

FilterEffect applyFilters(const std::vector<HttpRouteFilter>& filters, const std::vector<HttpRouteFilter>* backendFilters,
                          const std::string& scheme, const std::string& host, uint32_t listenerPort,
                          const std::string& path, const std::string& query, const std::string& matchedPrefix) {
  FilterEffect e;
  e.host = host;
  e.path = path;
  auto apply = [&](const HttpRouteFilter& f, const std::string& label) {
    e.applied.push_back(label + f.type);
    if (f.type == "RequestHeaderModifier") addHeaders(f.headers, e.headersSet, e.headersAdded, e.headersRemoved);
    if (f.type == "ResponseHeaderModifier") {
      addHeaders(f.headers, e.responseHeadersSet, e.responseHeadersAdded, e.responseHeadersRemoved);
    }
    if (f.type == "URLRewrite") {
      if (f.hostname) e.host = *f.hostname;
      if (f.path) e.path = modifiedPath(*f.path, path, matchedPrefix);
    }
    if (f.type == "RequestRedirect") {
      // The port: the filter's; else the scheme's well-known one when it names a scheme;
      // else the listener's. Left out when it is the scheme's default.
      const std::string s = f.scheme.value_or(scheme);
      const uint32_t port = f.port ? *f.port : f.scheme ? (*f.scheme == "https" ? 443 : 80) : listenerPort;
      const bool defaultPort = (s == "http" && port == 80) || (s == "https" && port == 443);
      e.redirectStatus = f.statusCode;
      e.location = s + "://" + f.hostname.value_or(host) + (defaultPort ? "" : ":" + std::to_string(port)) +
                   (f.path ? modifiedPath(*f.path, path, matchedPrefix) : path) + (query.empty() ? "" : "?" + query);
    }
  };
  for (const auto& f : filters) apply(f, "");
  if (backendFilters != nullptr) {
    for (const auto& f : *backendFilters) apply(f, "backendRef ");
  }
  return e;
}

}  // namespace portico::cp
