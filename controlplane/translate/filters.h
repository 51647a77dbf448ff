#pragma once

// HTTPRoute filters and timeouts as translation checks them: what the spec says makes a
// route unacceptable (a type we do not implement, two filters of a kind that may appear
// once, a redirect together with a rewrite, a prefix replacement without a PathPrefix
// match, a malformed duration), and what the rules carry to the dataplane.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/model/objects.h"

namespace portico::cp {

// Gateway API duration ("10s", "1m30s", "500ms"; at most four parts): milliseconds, or
// nullopt when the text is not one.
std::optional<uint32_t> parseDuration(const std::string& text);

// Why a rule cannot be accepted (empty: it can). `rule` names it in the message.
std::string ruleFilterProblem(const HttpRouteRule& rule, const std::string& ruleName);

// What a rule's filters make of one request, as porticoctl explain shows it (the
// dataplane's proxy does the same in dataplane/http/).
struct FilterEffect {
  std::vector<std::string> applied;  // filter types in order; a backendRef's as "backendRef RequestHeaderModifier"
  uint32_t redirectStatus = 0;       // 0: no redirect
  std::string location;
  std::string host, path;            // as the backend gets them
  std::vector<std::pair<std::string, std::string>> headersSet, headersAdded;
  std::vector<std::string> headersRemoved;
  std::vector<std::pair<std::string, std::string>> responseHeadersSet, responseHeadersAdded;
  std::vector<std::string> responseHeadersRemoved;
  std::vector<std::string> mirrors;  // the rule's resolved RequestMirror backends (set by the caller)
};

// `matchedPrefix`: the PathPrefix value of the match that took the request; `backend`: the
// backendRef when the rule has one (its own filters apply after the rule's).
FilterEffect applyFilters(const std::vector<HttpRouteFilter>& filters, const std::vector<HttpRouteFilter>* backendFilters,
                          const std::string& scheme, const std::string& host, uint32_t listenerPort,
                          const std::string& path, const std::string& query, const std::string& matchedPrefix);

}  // namespace portico::cp
