#pragma once

// Ingress objects as Gateway API objects. One converter serves both sides of a migration:
// the control plane serves the Ingresses it owns by translating what this makes of them
// (so they route exactly as the HTTPRoutes would), and `porticoctl migrate-ingress` writes
// the same objects out as YAML for the operator to review and apply. What does not carry
// over one to one (ingress-nginx annotations above all) is said per Ingress, never dropped
// silently.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/translate/translation.h"

namespace portico::cp {

inline constexpr const char* kIngressControllerName = "portico.dev/ingress-controller";

// controlplane.yaml `ingress:` (serving), or porticoctl migrate-ingress's flags.
struct IngressSettings {
  bool enabled = false;  // serving only: off unless configured
  // The Gateway the Ingresses go on. When the state holds it (a shared Gateway such as
  // the seed's flex-gateway), the routes attach to its listeners and no Gateway is made.
  std::string gatewayNamespace = "portico-system";
  std::string gatewayName = "ingress";
  std::string gatewayClass = "portico";
  std::vector<std::string> addresses;  // the made Gateway's spec.addresses; none: from a pool
  std::string pool;                    // that pool ("" any)
  uint32_t httpPort = 80;
  uint32_t httpsPort = 443;
  // Prefix of the made routes' and grants' names (their Ingress's name follows), so that
  // served conversions never collide with objects a migration applied.
  std::string namePrefix;
};

// One field or annotation of an Ingress that does not carry over one to one.
struct IngressNote {
  enum class Kind {
    kFilter,   // became a Gateway API filter or field (ssl-redirect -> RequestRedirect)
    kChanged,  // carried over with a difference the operator should know
    kDropped,  // not carried over: no Gateway API equivalent, or unusable
  };
  std::string ingress;  // namespace/name
  Kind kind = Kind::kDropped;
  std::string field;  // "annotation nginx.ingress.kubernetes.io/ssl-redirect", "spec.rules[0].http.paths[1]"
  std::string what;

  std::string toString() const;
};

struct IngressConversion {
  std::optional<Gateway> gateway;  // absent when the state holds the Gateway already
  std::vector<HttpRoute> routes;
  std::vector<ReferenceGrant> grants;  // the Gateway's certificateRefs into Ingress namespaces
  std::vector<std::string> ingresses;  // namespace/name of every Ingress converted
  std::vector<IngressNote> notes;
};

// Whether the Ingress is this controller's: its class (spec.ingressClassName, or the
// legacy annotation kubernetes.io/ingress.class) names an IngressClass whose controller is
// kIngressControllerName, or it names none and such a class is the cluster's default.
bool isOurIngress(const Ingress& ingress, const ClusterState& state);

// Pure: the same state and settings always give the same objects, in the same order.
IngressConversion convertIngresses(const ClusterState& state, const IngressSettings& settings);

// Hosts that an Ingress and an HTTPRoute both claim on the Ingresses' Gateway (a route that
// names it as its parent), one message each: Gateway API's precedence then decides per
// request, which the operator must know rather than find out.
std::vector<std::string> ingressConflicts(const Translation& translation, const IngressConversion& conversion,
                                          const IngressSettings& settings);

// The state with a conversion's objects added (the GatewayClass it needs too), to be
// translated like any other; `made` gets "Kind namespace/name" of each object added
// that has a status (they exist only in the control plane: none is written for them).
ClusterState withIngresses(const ClusterState& state, const IngressConversion& conversion,
                           const IngressSettings& settings, std::set<std::string>* made = nullptr);

}  // namespace portico::cp
