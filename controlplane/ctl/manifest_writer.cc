#include "controlplane/ctl/manifest_writer.h"

#include <yaml-cpp/yaml.h>

namespace portico::cp {

namespace {

constexpr const char* kApiVersion = "gateway.networking.k8s.io/v1";

void meta(YAML::Emitter& y, const ObjectMeta& m) {
  y << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << m.name;
  if (!m.ns.empty()) y << YAML::Key << "namespace" << YAML::Value << m.ns;
  if (!m.annotations.empty()) y << YAML::Key << "annotations" << YAML::Value << m.annotations;
  y << YAML::EndMap;
}

void headers(YAML::Emitter& y, const HttpHeaderFilter& h) {
  y << YAML::BeginMap;
  if (!h.set.empty()) {
    y << YAML::Key << "set" << YAML::Value << YAML::BeginSeq;
    for (const auto& [name, value] : h.set) {
      y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << name << YAML::Key << "value" << YAML::Value << value
        << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  if (!h.remove.empty()) y << YAML::Key << "remove" << YAML::Value << YAML::Flow << h.remove;
  y << YAML::EndMap;
}

void filter(YAML::Emitter& y, const HttpRouteFilter& f) {
  y << YAML::BeginMap << YAML::Key << "type" << YAML::Value << f.type;
  if (f.type == "RequestHeaderModifier" || f.type == "ResponseHeaderModifier") {
    y << YAML::Key << (f.type == "RequestHeaderModifier" ? "requestHeaderModifier" : "responseHeaderModifier") << YAML::Value;
    headers(y, f.headers);
  } else if (f.type == "RequestRedirect" || f.type == "URLRewrite") {
    const bool redirect = f.type == "RequestRedirect";
    y << YAML::Key << (redirect ? "requestRedirect" : "urlRewrite") << YAML::Value << YAML::BeginMap;
    if (f.scheme) y << YAML::Key << "scheme" << YAML::Value << *f.scheme;
    if (f.hostname) y << YAML::Key << "hostname" << YAML::Value << *f.hostname;
    if (f.port) y << YAML::Key << "port" << YAML::Value << *f.port;
    if (f.path) {
      y << YAML::Key << "path" << YAML::Value << YAML::BeginMap << YAML::Key << "type" << YAML::Value << f.path->type;
      y << YAML::Key << (f.path->type == "ReplaceFullPath" ? "replaceFullPath" : "replacePrefixMatch") << YAML::Value
        << f.path->value << YAML::EndMap;
    }
    if (redirect) y << YAML::Key << "statusCode" << YAML::Value << f.statusCode;
    y << YAML::EndMap;
  }
  y << YAML::EndMap;
}

void parentRefs(YAML::Emitter& y, const std::vector<ParentReference>& refs) {
  y << YAML::Key << "parentRefs" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : refs) {
    y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << p.name;
    if (p.ns) y << YAML::Key << "namespace" << YAML::Value << *p.ns;
    if (p.sectionName) y << YAML::Key << "sectionName" << YAML::Value << *p.sectionName;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

void route(YAML::Emitter& y, const HttpRoute& r) {
  y << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << kApiVersion;
  y << YAML::Key << "kind" << YAML::Value << "HTTPRoute";
  meta(y, r.meta);
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  parentRefs(y, r.parentRefs);
  if (!r.hostnames.empty()) y << YAML::Key << "hostnames" << YAML::Value << r.hostnames;
  y << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const HttpRouteRule& rule : r.rules) {
    y << YAML::BeginMap << YAML::Key << "matches" << YAML::Value << YAML::BeginSeq;
    for (const auto& m : rule.matches) {
      y << YAML::BeginMap << YAML::Key << "path" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "type"
        << YAML::Value << m.pathType << YAML::Key << "value" << YAML::Value << m.pathValue << YAML::EndMap << YAML::EndMap;
    }
    y << YAML::EndSeq;
    if (!rule.filters.empty()) {
      y << YAML::Key << "filters" << YAML::Value << YAML::BeginSeq;
      for (const auto& f : rule.filters) filter(y, f);
      y << YAML::EndSeq;
    }
    if (!rule.backendRefs.empty()) {
      y << YAML::Key << "backendRefs" << YAML::Value << YAML::BeginSeq;
      for (const auto& b : rule.backendRefs) {
        y << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << b.name;
        if (b.port) y << YAML::Key << "port" << YAML::Value << *b.port;
        y << YAML::EndMap;
      }
      y << YAML::EndSeq;
    }
    if (rule.backendRequestTimeout) {
      y << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap << YAML::Key << "backendRequest" << YAML::Value
        << *rule.backendRequestTimeout << YAML::EndMap;
    }
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
}

void gateway(YAML::Emitter& y, const Gateway& g) {
  y << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << kApiVersion;
  y << YAML::Key << "kind" << YAML::Value << "Gateway";
  meta(y, g.meta);
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "gatewayClassName" << YAML::Value << g.gatewayClassName;
  if (!g.addresses.empty()) {
    y << YAML::Key << "addresses" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : g.addresses) {
      y << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << a.type << YAML::Key << "value"
        << YAML::Value << a.value << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  y << YAML::Key << "listeners" << YAML::Value << YAML::BeginSeq;
  for (const Listener& l : g.listeners) {
    y << YAML::BeginMap << YAML::Key << "name" << YAML::Value << l.name;
    y << YAML::Key << "port" << YAML::Value << l.port << YAML::Key << "protocol" << YAML::Value << l.protocol;
    if (l.hostname) y << YAML::Key << "hostname" << YAML::Value << *l.hostname;
    if (!l.certificateRefs.empty()) {
      y << YAML::Key << "tls" << YAML::Value << YAML::BeginMap << YAML::Key << "mode" << YAML::Value << l.tlsMode;
      y << YAML::Key << "certificateRefs" << YAML::Value << YAML::BeginSeq;
      for (const auto& c : l.certificateRefs) {
        y << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name;
        if (c.ns) y << YAML::Key << "namespace" << YAML::Value << *c.ns;
        y << YAML::EndMap;
      }
      y << YAML::EndSeq << YAML::EndMap;
    }
    y << YAML::Key << "allowedRoutes" << YAML::Value << YAML::BeginMap << YAML::Key << "namespaces" << YAML::Value
      << YAML::Flow << YAML::BeginMap << YAML::Key << "from" << YAML::Value << l.allowedFrom << YAML::EndMap << YAML::EndMap;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
}

void grant(YAML::Emitter& y, const ReferenceGrant& g) {
  y << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << "gateway.networking.k8s.io/v1beta1";
  y << YAML::Key << "kind" << YAML::Value << "ReferenceGrant";
  meta(y, g.meta);
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap << YAML::Key << "from" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : g.from) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "group" << YAML::Value << f.group << YAML::Key << "kind"
      << YAML::Value << f.kind << YAML::Key << "namespace" << YAML::Value << f.ns << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::Key << "to" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : g.to) {
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "group" << YAML::Value << t.group << YAML::Key << "kind"
      << YAML::Value << t.kind;
    if (t.name) y << YAML::Key << "name" << YAML::Value << *t.name;
    y << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
}

template <typename T>
std::string one(void (*write)(YAML::Emitter&, const T&), const T& object) {
  YAML::Emitter y;
  write(y, object);
  return std::string("---\n") + y.c_str() + "\n";
}

}  // namespace

std::string conversionYaml(const IngressConversion& c) {
  std::string out = "# Gateway API objects equivalent to the Ingresses " ;
  for (std::size_t i = 0; i < c.ingresses.size(); ++i) out += (i == 0 ? "" : ", ") + c.ingresses[i];
  out += " (porticoctl migrate-ingress).\n";
  for (const auto& n : c.notes) {
    std::string line = n.toString();
    for (char& ch : line) ch = ch == '\n' ? ' ' : ch;
    out += "# " + line + "\n";
  }
  if (c.gateway) out += one(gateway, *c.gateway);
  for (const auto& g : c.grants) out += one(grant, g);
  for (const auto& r : c.routes) out += one(route, r);
  return out;
}

}  // namespace portico::cp
