#pragma once

#include <string>
#include <vector>

#include "controlplane/bgp/bgp_config.h"
#include "controlplane/model/problem.h"
#include "controlplane/translate/addresses.h"
#include "controlplane/translate/ingress.h"
#include "controlplane/translate/load_balancers.h"

namespace portico::cp {

// The Kubernetes source (--kubeconfig, or in-cluster).
struct KubernetesConfig {
  std::string leaseNamespace;  // empty: the kubeconfig context's namespace (in a pod: its own)
  std::string leaseName = "portico-controlplane";
  unsigned leaseDurationS = 15;
  unsigned secretRefreshS = 30;  // referenced Secrets are read again this often
  unsigned watchTimeoutS = 300;
};

// The control plane's side of the dataplanes' mutual TLS (their api.listen): its client
// certificate and key, and the CA that signed the dataplanes' server certificates. PEM
// paths; needed for every dataplane given as host:port.
struct DataplaneTls {
  std::string certificate, key, ca;
};

struct ControlPlaneConfig {
  std::vector<std::string> dataplanes;  // gRPC targets, e.g. "unix:/run/portico/dataplane.sock"
  std::vector<AddressPool> addressPools;
  LoadBalancerSettings loadBalancers;  // load_balancer_services: which Services of type LoadBalancer are ours
  IngressSettings ingress;             // ingress: where the Ingresses of class portico.dev/ingress-controller are served
  unsigned debounceMs = 200;  // changes closer together than this become one push
  std::string metricsListen;  // "address:port" of GET /metrics, /healthz, /readyz; empty: none
  DataplaneTls dataplaneTls;
  BgpConfig bgp;
  KubernetesConfig kubernetes;
};

// Reads controlplane.yaml; a problem names the file and key, and nothing is returned
// then (the daemon does not start on a half-read config).
bool loadControlPlaneConfig(const std::string& path, ControlPlaneConfig& out, Problem& problem);
// The same from the file's text; `source` names it in the problem.
bool parseControlPlaneConfig(const std::string& yaml, const std::string& source, ControlPlaneConfig& out,
                             Problem& problem);

}  // namespace portico::cp
