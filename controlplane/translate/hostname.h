#pragma once

// Gateway API hostname semantics (v1 standard channel), as pure functions shared by
// translation and by porticoctl explain:
// - a hostname is precise ("www.example.com") or a wildcard whose first label is "*"
//   ("*.example.com"); IP addresses are not hostnames;
// - a wildcard matches one or more labels in place of "*", never the apex itself;
// - a listener and a route attach only where their hostnames intersect; no hostname on
//   either side means "any".

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::cp {

// Why a hostname is not valid (empty string: it is valid).
std::string hostnameProblem(std::string_view hostname);

bool isWildcard(std::string_view hostname);

// Does the pattern (precise or wildcard) accept this precise name? Compared
// case-insensitively; a trailing dot on the name is ignored.
bool hostnameMatches(std::string_view pattern, std::string_view name);

// The hostnames a route serves on a listener: every route hostname intersected with the
// listener's (nullopt = the listener has none). An empty result with a non-empty route
// list means the route does not attach (NoMatchingListenerHostname); a route with no
// hostnames takes the listener's (or matches everything, "" in the result, when the
// listener has none either).
std::vector<std::string> intersectHostnames(const std::optional<std::string>& listener,
                                            const std::vector<std::string>& route);

// Orders listener hostnames for choosing one: precise names first, then wildcards with
// more labels, then fewer; the catch-all (no hostname) last. Negative when a comes first.
int compareSpecificity(const std::optional<std::string>& a, const std::optional<std::string>& b);


// The Host header without its port ("example.com:8080" -> "example.com"; IPv6 literals
// in brackets keep their brackets).
std::string_view hostWithoutPort(std::string_view host);

}  // namespace portico::cp
