#include "controlplane/push/route_filters.h"

#include "proto/header_edits.h"

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {

pb::PathRewrite pathRewrite(const std::optional<HttpPathModifier>& m) {
  if (!m) return pb::PATH_REWRITE_NONE;
  return m->type == "ReplacePrefixMatch" ? pb::PATH_REWRITE_PREFIX : pb::PATH_REWRITE_FULL;
}

void addHeaderFilters(const std::vector<HttpRouteFilter>& filters, pb::Filters& out) {
  for (const auto& f : filters) {
    if (f.type == "RequestHeaderModifier") headerEditsToProto(f.headers, *out.mutable_request_headers());
    if (f.type == "ResponseHeaderModifier") headerEditsToProto(f.headers, *out.mutable_response_headers());
  }
}

}  // namespace

bool hasFilters(const AttachedRule& rule) {
  if (!rule.filters.empty() || rule.requestTimeoutMs != 0 || rule.backendTimeoutMs != 0) return true;
  for (const auto& b : rule.backends) {
    if (!b.filters.empty()) return true;
  }
  return false;
}

void addBackendRef(const ResolvedBackend& b, pb::BackendRef& ref) {
  ref.set_name(b.ref);
  ref.set_weight(b.weight);
  ref.set_invalid(b.outcome == ResolvedBackend::Outcome::kInvalid);
  for (const auto& e : b.endpoints) {
    pb::Backend* be = ref.add_endpoints();
    be->set_address(e.address);
    be->set_port(e.port);
    be->set_weight(1);
  }
  if (!b.filters.empty()) addBackendFilters(b.filters, *ref.mutable_filters());
}

void addBackendFilters(const std::vector<HttpRouteFilter>& filters, pb::Filters& out) { addHeaderFilters(filters, out); }

void addRuleFilters(const AttachedRule& rule, pb::Filters& out) {
  addHeaderFilters(rule.filters, out);
  for (const auto& f : rule.filters) {
    if (f.type == "RequestRedirect") {
      pb::Redirect* r = out.mutable_redirect();
      r->set_scheme(f.scheme.value_or(""));
      r->set_hostname(f.hostname.value_or(""));
      r->set_port(f.port.value_or(0));
      r->set_path_type(pathRewrite(f.path));
      if (f.path) r->set_path(f.path->value);
      r->set_status_code(f.statusCode);
    } else if (f.type == "URLRewrite") {
      pb::Rewrite* r = out.mutable_rewrite();
      r->set_hostname(f.hostname.value_or(""));
      r->set_path_type(pathRewrite(f.path));
      if (f.path) r->set_path(f.path->value);
    }
  }
  for (const auto& m : rule.mirrors) addBackendRef(m, *out.add_mirrors());
  out.set_request_timeout_ms(rule.requestTimeoutMs);
  out.set_backend_timeout_ms(rule.backendTimeoutMs);
}

}  // namespace portico::cp
