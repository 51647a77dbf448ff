#pragma once

// What translation makes of the cluster state: per Gateway, its listeners and the routes
// attached to each, with backends resolved to endpoints; and a status condition for every
// object this controller owns, as it would write them back.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/model/objects.h"

namespace portico::cp {

inline constexpr const char* kControllerName = "portico.dev/gateway-controller";

struct Condition {
  std::string type;
  std::string status;  // True, False, Unknown
  std::string reason;
  std::string message;
  int64_t observedGeneration = 0;
};

// The route kinds this controller attaches to Gateways (and writes parent status for).
inline bool isRouteKind(const std::string& kind) {
  return kind == "HTTPRoute" || kind == "TLSRoute" || kind == "TCPRoute" || kind == "UDPRoute";
}

// The condition of a type in a list, or nullptr.
const Condition* findCondition(const std::vector<Condition>& conditions, const std::string& type);

struct ListenerStatus {
  std::string name;
  uint32_t attachedRoutes = 0;
  std::vector<std::string> supportedKinds;  // route kinds (gateway.networking.k8s.io) it takes
  std::vector<Condition> conditions;

  const Condition* condition(const std::string& type) const { return findCondition(conditions, type); }
};

struct RouteParentStatus {
  ParentReference parentRef;
  std::vector<Condition> conditions;
};

struct ObjectStatus {
  std::string kind;
  std::string key;  // namespace/name, or name for cluster-scoped kinds
  std::vector<Condition> conditions;          // GatewayClass, Gateway
  std::vector<ListenerStatus> listeners;      // Gateway
  std::vector<RouteParentStatus> parents;     // routes

  const Condition* condition(const std::string& type) const;
  const RouteParentStatus* parent(const std::string& gatewayKey, const std::optional<std::string>& section) const;
};

struct Endpoint {
  std::string address;
  uint32_t port = 0;
};

// One backendRef of a rule, resolved.
struct ResolvedBackend {
  enum class Outcome { kServed, kInvalid, kNoEndpoints };
  std::string ref;  // "namespace/service:port"
  uint32_t weight = 1;
  Outcome outcome = Outcome::kServed;
  std::string reason;  // why it is invalid or has no endpoints
  std::vector<Endpoint> endpoints;
  // Listed but not taking new connections (not ready, or terminating while others are
  // ready): an L4 listener keeps their open flows.
  std::vector<Endpoint> draining;
  std::vector<HttpRouteFilter> filters;  // HTTPRoute backendRef filters (header modifiers)
};

struct AttachedRule {
  std::vector<HttpRouteMatch> matches;  // HTTPRoute; empty for TLSRoute
  std::vector<ResolvedBackend> backends;
  std::vector<HttpRouteFilter> filters;    // HTTPRoute, checked (filters.h)
  std::vector<ResolvedBackend> mirrors;    // RequestMirror backendRefs that resolved
  uint32_t requestTimeoutMs = 0;           // timeouts.request; 0: none
  uint32_t backendTimeoutMs = 0;           // timeouts.backendRequest; 0: none
};

struct AttachedRoute {
  std::string kind;  // HTTPRoute, TLSRoute, TCPRoute or UDPRoute
  std::string key;
  std::string creationTimestamp;
  std::vector<std::string> hostnames;  // intersected with the listener's; "" = any
  std::vector<AttachedRule> rules;
};

struct CertificatePair {
  std::string name;  // namespace/name of the Secret
  std::string certificatePem, keyPem;
};

// Secrets that held a usable certificate, by namespace/name. Handed to the next
// translation, it keeps listeners serving a Secret's last good certificate when an edit
// leaves the Secret unusable. A deleted Secret, or a reference no longer permitted, is
// not remembered: that is how a certificate is withdrawn.
using CertificateMemory = std::map<std::string, CertificatePair>;

struct ListenerState {
  std::string name;
  uint32_t port = 0;
  std::string protocol;
  std::optional<std::string> hostname;
  std::string tlsMode;
  bool accepted = true;  // a listener that is not accepted takes no traffic
  std::vector<AttachedRoute> routes;
  // HTTPS, and TLS in Terminate mode: the usable certificates of its certificateRefs, in
  // the listener's order (a Secret that went bad gives its last good one).
  std::vector<CertificatePair> certificates;
};

// Gateway annotation: "v2" sends a PROXY protocol v2 header to backends, so they see
// the client's address that full NAT hides.
inline constexpr const char* kProxyProtocolAnnotation = "portico.dev/proxy-protocol";
// Gateway annotation: "proxy" routes every HTTP request on its own (HTTP listeners);
// "relay" terminates both TCP halves in the dataplane and relays the bytes (each side gets
// its own round trip); "splice" joins them after the first bytes.
inline constexpr const char* kL7ModeAnnotation = "portico.dev/l7-mode";

enum class L7Mode { kDefault, kSplice, kRelay, kProxy };

struct GatewayState {
  std::string key;
  std::vector<std::string> addresses;  // spec.addresses; pool assignment comes later
  std::vector<ListenerState> listeners;
  bool proxyProtocol = false;
  L7Mode mode = L7Mode::kDefault;
};

struct Translation {
  std::vector<GatewayState> gateways;
  std::vector<ObjectStatus> statuses;
  CertificateMemory goodCertificates;  // every certificate this translation serves

  const ObjectStatus* status(const std::string& kind, const std::string& key) const;
  const GatewayState* gateway(const std::string& key) const;
};

// Pure: reads nothing but `state` and `lastGood` (the previous translation's
// goodCertificates), so the same cluster always translates the same way.
Translation translate(const ClusterState& state, const CertificateMemory& lastGood = {});

}  // namespace portico::cp
