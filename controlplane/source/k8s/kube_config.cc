#include "controlplane/source/k8s/kube_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/model/base64.h"

namespace portico::cp::k8s {

namespace {

std::string scalar(const YAML::Node& parent, const char* key) {
  const YAML::Node n = parent.IsMap() ? parent[key] : YAML::Node();
  return n && n.IsScalar() ? n.Scalar() : "";
}

// The named entry of a kubeconfig list (clusters, users, contexts): its inner map.
YAML::Node named(const YAML::Node& root, const char* list, const char* inner, const std::string& name) {
  const YAML::Node items = root[list];
  if (items && items.IsSequence()) {
    for (const auto& item : items) {
      if (scalar(item, "name") == name) return item[inner];
    }
  }
  return YAML::Node();
}


std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<KubeConfig> loadKubeConfig(const std::string& path, Problem& problem) {
  problem = Problem{path, "kubeconfig", "", ""};
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    problem.message = "cannot be read: " + e.msg;
    return std::nullopt;
  }
  if (!root.IsMap()) {
    problem.message = "is not a kubeconfig (expected a mapping)";
    return std::nullopt;
  }
  const std::string contextName = scalar(root, "current-context");
  if (contextName.empty()) {
    problem.field = "current-context";
    problem.message = "is not set";
    return std::nullopt;
  }
  const YAML::Node context = named(root, "contexts", "context", contextName);
  if (!context || !context.IsMap()) {
    problem.field = "contexts";
    problem.message = "has no context named '" + contextName + "' (current-context)";
    return std::nullopt;
  }
  const std::string clusterName = scalar(context, "cluster"), userName = scalar(context, "user");
  const YAML::Node cluster = named(root, "clusters", "cluster", clusterName);
  if (!cluster || !cluster.IsMap()) {
    problem.field = "clusters";
    problem.message = "has no cluster named '" + clusterName + "' (context " + contextName + ")";
    return std::nullopt;
  }
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const auto resolve = [&](const std::string& p) {
    return p.empty() || std::filesystem::path(p).is_absolute() ? p : (dir / p).string();
  };
  KubeConfig cfg;
  cfg.server = scalar(cluster, "server");
  while (!cfg.server.empty() && cfg.server.back() == '/') cfg.server.pop_back();
  if (cfg.server.rfind("https://", 0) != 0) {
    problem.field = "clusters[" + clusterName + "].server";
    problem.message = "'" + cfg.server + "' must be an https:// URL";
    return std::nullopt;
  }
  cfg.caFile = resolve(scalar(cluster, "certificate-authority"));
  cfg.insecureSkipVerify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  const auto pem = [&](const YAML::Node& n, const char* key, std::string& out, const std::string& field) {
    const std::string data = scalar(n, key);
    if (data.empty()) return true;
    const auto decoded = decodeBase64(data);
    if (!decoded) {
      problem.field = field + "." + key;
      problem.message = "is not base64";
      return false;
    }
    out = *decoded;
    return true;
  };
  if (!pem(cluster, "certificate-authority-data", cfg.caPem, "clusters[" + clusterName + "]")) return std::nullopt;

  const YAML::Node user = named(root, "users", "user", userName);
  if (user && user.IsMap()) {
    const std::string uwhere = "users[" + userName + "]";
    if (user["exec"] || user["auth-provider"]) {
      problem.field = uwhere + (user["exec"] ? ".exec" : ".auth-provider");
      problem.message = "runs a program to get credentials, which portico-controlplane does not do; use a "
                        "service-account token or a client certificate";
      return std::nullopt;
    }
    cfg.token = scalar(user, "token");
    cfg.tokenFile = resolve(scalar(user, "tokenFile"));
    cfg.clientCertFile = resolve(scalar(user, "client-certificate"));
    cfg.clientKeyFile = resolve(scalar(user, "client-key"));
    if (!pem(user, "client-certificate-data", cfg.clientCertPem, uwhere) ||
        !pem(user, "client-key-data", cfg.clientKeyPem, uwhere)) {
      return std::nullopt;
    }
  }
  if (const std::string ns = scalar(context, "namespace"); !ns.empty()) cfg.ns = ns;
  return cfg;
}

std::optional<KubeConfig> inClusterConfig(Problem& problem, const std::string& accountDir) {
  problem = Problem{"in-cluster configuration", "", "", ""};
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    problem.message = "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set: not running in a pod "
                      "(use --kubeconfig FILE or --manifests DIR)";
    return std::nullopt;
  }
  KubeConfig cfg;
  const std::string h = host;
  // An IPv6 service address needs brackets in a URL.
  cfg.server = "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + port;
  cfg.tokenFile = accountDir + "/token";
  cfg.caFile = accountDir + "/ca.crt";
  if (!std::filesystem::exists(cfg.tokenFile)) {
    problem.field = cfg.tokenFile;
    problem.message = "does not exist: no service-account token is mounted";
    return std::nullopt;
  }
  std::string ns = readFile(accountDir + "/namespace");
  while (!ns.empty() && (ns.back() == '\n' || ns.back() == ' ')) ns.pop_back();
  if (!ns.empty()) cfg.ns = ns;
  return cfg;
}

}  // namespace portico::cp::k8s
