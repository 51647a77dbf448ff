#pragma once

// Gateway API objects written out as Kubernetes YAML (porticoctl migrate-ingress), in the
// field names and defaults the API uses, so `kubectl apply -f` takes them as they are and
// the manifest parser reads them back to the same objects.

#include <string>

#include "controlplane/translate/ingress.h"

namespace portico::cp {

// The conversion's Gateway (if it made one), ReferenceGrants and HTTPRoutes, as one
// multi-document YAML stream; each Ingress's notes lead as comments.
std::string conversionYaml(const IngressConversion& conversion);

}  // namespace portico::cp
