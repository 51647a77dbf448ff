#pragma once

// A rule's (or backendRef's) HTTPRoute filters and timeouts as the dataplane takes them.

#include <vector>

#include "controlplane/translate/translation.h"
#include "proto/dataplane.pb.h"

namespace portico::cp {

// Whether anything of `rule` needs the proxy to act on a request beyond choosing its backend.
bool hasFilters(const AttachedRule& rule);

void addRuleFilters(const AttachedRule& rule, portico::dataplane::v1::Filters& out);
void addBackendFilters(const std::vector<HttpRouteFilter>& filters, portico::dataplane::v1::Filters& out);
// One resolved backendRef (its endpoints, weight, and its own filters).
void addBackendRef(const ResolvedBackend& b, portico::dataplane::v1::BackendRef& ref);

}  // namespace portico::cp
