#pragma once

// Where the Kubernetes API is and how to prove who we are: from a kubeconfig file
// (its current context) or, inside a pod, from the service account Kubernetes mounts.

#include <optional>
#include <string>

#include "controlplane/model/problem.h"

namespace portico::cp::k8s {

struct KubeConfig {
  std::string server;  // https://host:port, no trailing slash
  // Trust: a CA bundle as a file or as PEM text; insecure only when the kubeconfig says so.
  std::string caFile;
  std::string caPem;
  bool insecureSkipVerify = false;
  // Identity: a bearer token (inline, or a file re-read when it rotates), and/or a
  // client certificate with its key (files or PEM text).
  std::string token;
  std::string tokenFile;
  std::string clientCertFile, clientKeyFile;
  std::string clientCertPem, clientKeyPem;
  std::string ns = "default";  // the context's namespace: where the leader Lease lives
};

// The kubeconfig's current context. Relative paths are taken from the file's folder, as
// kubectl does. `exec` and `auth-provider` users run programs, which a gateway appliance
// will not do; they are refused with a message saying so.
std::optional<KubeConfig> loadKubeConfig(const std::string& path, Problem& problem);

// In a pod: KUBERNETES_SERVICE_HOST / _PORT, and the token, CA and namespace under
// `accountDir` (normally /var/run/secrets/kubernetes.io/serviceaccount).
std::optional<KubeConfig> inClusterConfig(Problem& problem,
                                          const std::string& accountDir = "/var/run/secrets/kubernetes.io/serviceaccount");

}  // namespace portico::cp::k8s
