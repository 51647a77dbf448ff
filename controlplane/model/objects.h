#pragma once

// The Kubernetes objects the control plane reads, reduced to the fields translation
// needs (so memory stays bounded however large the cluster's objects are). Field names
// follow the API's; absent optional fields are std::nullopt, never a sentinel value.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/model/shared_objects.h"

namespace portico::cp {

struct ObjectMeta {
  std::string ns;  // empty for cluster-scoped objects (GatewayClass, Namespace)
  std::string name;
  int64_t generation = 0;
  std::string creationTimestamp;  // RFC 3339; orders routes of equal precedence
  std::map<std::string, std::string> labels;
  std::string source;  // where it came from, for messages: "file.yaml (document 2)"
  std::map<std::string, std::string> annotations;

  std::string key() const { return ns.empty() ? name : ns + "/" + name; }
};

struct GatewayClass {
  ObjectMeta meta;
  std::string controllerName;
};

struct LabelSelector {
  std::map<std::string, std::string> matchLabels;
  struct Expression {
    std::string key;
    std::string op;  // In, NotIn, Exists, DoesNotExist
    std::vector<std::string> values;
  };
  std::vector<Expression> matchExpressions;
};

struct RouteGroupKind {
  std::string group = "gateway.networking.k8s.io";
  std::string kind;
};

struct SecretObjectReference {
  std::string group;  // "" = core
  std::string kind = "Secret";
  std::optional<std::string> ns;
  std::string name;
};

struct Listener {
  std::string name;
  uint32_t port = 0;
  std::string protocol;  // HTTP, HTTPS, TLS, TCP, UDP
  std::optional<std::string> hostname;
  std::string tlsMode;   // HTTPS/TLS: Terminate (default) or Passthrough
  std::vector<SecretObjectReference> certificateRefs;
  std::string allowedFrom = "Same";  // Same, All, Selector
  std::optional<LabelSelector> allowedSelector;
  std::vector<RouteGroupKind> allowedKinds;  // empty: the protocol's default kinds
};

struct GatewayAddress {
  std::string type = "IPAddress";
  std::string value;
};

struct Gateway {
  ObjectMeta meta;
  std::string gatewayClassName;
  std::vector<Listener> listeners;
  std::vector<GatewayAddress> addresses;
};

struct ParentReference {
  std::string group = "gateway.networking.k8s.io";
  std::string kind = "Gateway";
  std::optional<std::string> ns;
  std::string name;
  std::optional<std::string> sectionName;
  std::optional<uint32_t> port;
};

struct HttpRouteFilter;

struct BackendRef {
  std::string group;  // "" = core
  std::string kind = "Service";
  std::optional<std::string> ns;
  std::string name;
  std::optional<uint32_t> port;
  uint32_t weight = 1;
  std::vector<HttpRouteFilter> filters;  // HTTPRoute backendRefs only
};

// HTTPHeaderFilter: fields set (replacing), added (another line), removed, by name.
struct HttpHeaderFilter {
  std::vector<std::pair<std::string, std::string>> set, add;
  std::vector<std::string> remove;
};

// HTTPPathModifier of a redirect or rewrite.
struct HttpPathModifier {
  std::string type;  // ReplaceFullPath, ReplacePrefixMatch
  std::string value;
};

struct HttpRouteFilter {
  std::string type;  // RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect, URLRewrite, RequestMirror, ...
  HttpHeaderFilter headers;  // the header modifiers
  // RequestRedirect (scheme, hostname, port, path, statusCode) and URLRewrite (hostname, path).
  std::optional<std::string> scheme, hostname;
  std::optional<uint32_t> port;
  std::optional<HttpPathModifier> path;
  uint32_t statusCode = 302;
  std::optional<BackendRef> mirror;  // RequestMirror's backendRef
};

// A header or query-parameter condition of an HTTPRoute match.
struct HttpValueMatch {
  std::string type = "Exact";  // Exact, RegularExpression
  std::string name;
  std::string value;
};

struct HttpRouteMatch {
  std::string pathType = "PathPrefix";  // Exact, PathPrefix, RegularExpression
  std::string pathValue = "/";
  std::vector<HttpValueMatch> headers;
  std::vector<HttpValueMatch> queryParams;
  std::optional<std::string> method;
};

struct HttpRouteRule {
  std::vector<HttpRouteMatch> matches;  // empty: one PathPrefix "/" match
  std::vector<BackendRef> backendRefs;
  std::vector<HttpRouteFilter> filters;
  // timeouts.request and timeouts.backendRequest, as Gateway API durations ("10s", "1m30s").
  std::optional<std::string> requestTimeout, backendRequestTimeout;
  // Fields of the experimental channel the rule sets and Portico does not implement
  // (retry, sessionPersistence): the route is refused rather than served without them.
  std::vector<std::string> unsupportedFields;
};

struct HttpRoute {
  ObjectMeta meta;
  std::vector<ParentReference> parentRefs;
  std::vector<std::string> hostnames;
  std::vector<HttpRouteRule> rules;
  std::vector<std::string> statusControllers;  // controllerName of each status.parents entry
};

struct TlsRoute {
  ObjectMeta meta;
  std::vector<ParentReference> parentRefs;
  std::vector<std::string> hostnames;
  std::vector<std::vector<BackendRef>> rules;  // each rule's backendRefs
  std::vector<std::string> statusControllers;  // controllerName of each status.parents entry
};

// TCPRoute and UDPRoute (Gateway API's experimental channel, v1alpha2): no hostnames, their
// rules' backendRefs share a TCP or UDP listener's flows by weight.
struct L4Route {
  ObjectMeta meta;
  std::vector<ParentReference> parentRefs;
  std::vector<std::vector<BackendRef>> rules;  // each rule's backendRefs
  std::vector<std::string> statusControllers;
};

struct ReferenceGrant {
  ObjectMeta meta;
  struct From {
    std::string group;
    std::string kind;
    std::string ns;
  };
  struct To {
    std::string group;
    std::string kind;
    std::optional<std::string> name;
  };
  std::vector<From> from;
  std::vector<To> to;
};

struct ServicePort {
  std::string name;
  uint32_t port = 0;
  std::optional<uint32_t> targetPortNumber;
  std::optional<std::string> targetPortName;
  std::string protocol = "TCP";
};

struct Service {
  ObjectMeta meta;
  std::vector<ServicePort> ports;
  std::string type = "ClusterIP";  // ClusterIP, NodePort, LoadBalancer, ExternalName
  std::optional<std::string> loadBalancerClass;
  std::optional<std::string> loadBalancerIP;  // deprecated in the API, still written
  std::string externalTrafficPolicy = "Cluster";
  std::vector<std::string> ipFamilies;  // IPv4, IPv6; set by the API server
  std::string ipFamilyPolicy = "SingleStack";
  // status.loadBalancer.ingress[].ip: what a control plane gave it before, kept after a
  // restart (read leniently: status is not the user's to get right).
  std::vector<std::string> statusAddresses;
};

struct EndpointSlice {
  ObjectMeta meta;
  std::string serviceName;  // label kubernetes.io/service-name
  std::string addressType = "IPv4";
  struct Port {
    std::string name;
    std::optional<uint32_t> port;
    std::string protocol = "TCP";
  };
  struct Endpoint {
    std::vector<std::string> addresses;
    std::optional<bool> ready;  // absent means ready (API rule)
    std::optional<bool> serving;
    std::optional<bool> terminating;
  };
  std::vector<Port> ports;
  std::vector<Endpoint> endpoints;
};

struct Namespace {
  ObjectMeta meta;
};

struct Secret {
  ObjectMeta meta;
  std::string type;
  std::string certificatePem;  // data["tls.crt"], decoded
  std::string keyPem;          // data["tls.key"], decoded
};

// networking.k8s.io/v1 Ingress, served (and converted) through the Gateway API translation.
struct IngressBackend {
  std::string service;  // service.name; empty for a resource backend
  std::optional<uint32_t> portNumber;
  std::optional<std::string> portName;
  std::optional<std::string> resource;  // "Kind name" of a resource backend: not served
};

struct IngressPath {
  std::string path = "/";
  std::string pathType = "ImplementationSpecific";  // Exact, Prefix, ImplementationSpecific
  IngressBackend backend;
};

struct IngressRule {
  std::optional<std::string> host;  // exact or "*.suffix"; absent: every host
  std::vector<IngressPath> paths;
};

struct IngressTls {
  std::vector<std::string> hosts;  // empty: the certificate for every host
  std::string secretName;
};

struct Ingress {
  ObjectMeta meta;
  std::optional<std::string> ingressClassName;  // or the legacy annotation kubernetes.io/ingress.class
  std::optional<IngressBackend> defaultBackend;
  std::vector<IngressRule> rules;
  std::vector<IngressTls> tls;
  std::vector<std::string> statusAddresses;  // status.loadBalancer.ingress[].ip, as read
};

struct IngressClass {
  ObjectMeta meta;
  std::string controller;
  bool isDefault = false;  // annotation ingressclass.kubernetes.io/is-default-class: "true"
};

// Data of a ConfigMap (ingress-nginx's proxy-set-headers names one); read from manifests.
struct ConfigMap {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};

// Everything translation reads: the whole cache, by kind. Copies share the objects.
struct ClusterState {
  SharedObjects<GatewayClass> gatewayClasses;
  SharedObjects<Gateway> gateways;
  SharedObjects<HttpRoute> httpRoutes;
  SharedObjects<TlsRoute> tlsRoutes;
  SharedObjects<L4Route> tcpRoutes;
  SharedObjects<L4Route> udpRoutes;
  SharedObjects<ReferenceGrant> referenceGrants;
  SharedObjects<Service> services;
  SharedObjects<EndpointSlice> endpointSlices;
  SharedObjects<Namespace> namespaces;
  SharedObjects<Secret> secrets;
  SharedObjects<Ingress> ingresses;
  SharedObjects<IngressClass> ingressClasses;
  SharedObjects<ConfigMap> configMaps;
};

// Calls f(kind, &ClusterState::list) for every kind a state holds, so that code which
// handles each kind (merging, counting) cannot miss one.
template <typename F>
void forEachKind(F&& f) {
  f("GatewayClass", &ClusterState::gatewayClasses);
  f("Gateway", &ClusterState::gateways);
  f("HTTPRoute", &ClusterState::httpRoutes);
  f("TLSRoute", &ClusterState::tlsRoutes);
  f("TCPRoute", &ClusterState::tcpRoutes);
  f("UDPRoute", &ClusterState::udpRoutes);
  f("ReferenceGrant", &ClusterState::referenceGrants);
  f("Service", &ClusterState::services);
  f("EndpointSlice", &ClusterState::endpointSlices);
  f("Namespace", &ClusterState::namespaces);
  f("Secret", &ClusterState::secrets);
  f("Ingress", &ClusterState::ingresses);
  f("IngressClass", &ClusterState::ingressClasses);
  f("ConfigMap", &ClusterState::configMaps);
}

}  // namespace portico::cp
