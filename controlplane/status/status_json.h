#pragma once

// The status a controller writes, as Kubernetes JSON: built from translation's
// conditions, then merged into what the object carries so that a condition whose status
// did not change keeps its lastTransitionTime and other controllers' route parents stay.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/translate/translation.h"

namespace portico::cp {

// Our part of an object's status. `programmed`: every dataplane acknowledged the version
// that carries it, so Programmed conditions pending that acknowledgement become True.
nlohmann::json desiredStatus(const ObjectStatus& status, const std::vector<std::string>& addresses, bool programmed);

// A LoadBalancer Service's status: its addresses as status.loadBalancer.ingress (ipMode
// VIP: the address is answered at the gateway, as kube-proxy's own VIPs are).
// An Ingress's status (networking.k8s.io/v1 IngressLoadBalancerIngress has no ipMode).
nlohmann::json loadBalancerStatus(const std::vector<std::string>& addresses, const std::string& kind = "Service");

// `existing` (the object's status, possibly null) with `desired` written over it;
// `now` (RFC 3339) stamps conditions that are new or changed status.
nlohmann::json mergeStatus(const nlohmann::json& existing, const nlohmann::json& desired, const std::string& kind,
                           const std::string& now);

// The current time as Kubernetes writes it: 2026-11-26T21:54:35Z.
std::string rfc3339Now();

}  // namespace portico::cp
