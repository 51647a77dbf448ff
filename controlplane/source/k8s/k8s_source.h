#pragma once

// The Kubernetes source: a reflector thread per watched kind filling one cache, plus the
// Secrets listeners refer to, fetched by name (a controller that can read every Secret
// in the cluster is a bigger risk than one that reads the few it was pointed at).

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/source/k8s/api_client.h"
#include "controlplane/source/k8s/object_cache.h"
#include "controlplane/source/k8s/reflector.h"
#include "controlplane/source/state_source.h"

namespace portico::cp::k8s {

struct K8sSettings {
  ReflectorTiming timing;
  std::chrono::seconds secretRefresh{30};
  bool ingresses = false;  // watch Ingresses and IngressClasses too (controlplane.yaml ingress:)
};

class K8sSource final : public StateSource {
 public:
  using Log = std::function<void(const std::string&)>;

  K8sSource(KubeConfig config, Log log, K8sSettings settings = {});
  ~K8sSource();
  K8sSource(const K8sSource&) = delete;
  K8sSource& operator=(const K8sSource&) = delete;

  // Every kind has been listed once: before that a translation would withdraw routes
  // whose objects were simply not read yet.
  bool synced() const;
  // Once synced: the cache, with the Secrets its Gateways' listeners name fetched first.
  std::optional<ClusterState> load(std::vector<Problem>& problems) override;
  bool waitForChange(std::chrono::milliseconds timeout, std::chrono::milliseconds settle) override;
  // The Secrets ("namespace/name") listeners refer to. New ones are fetched before this
  // returns; all are fetched again every `secretRefresh`; ones no longer named are dropped.
  void wantSecrets(const std::set<std::string>& keys);

  const ApiClient& api() const { return api_; }
  // The API path of an object of a watched kind, in the version being served; "" when
  // that kind is not served.
  std::string objectPath(const std::string& kind, const std::string& ns, const std::string& name) const;

 private:
  void refreshSecrets();
  void fetchSecret(const std::string& key);

  ApiClient api_;
  Log log_;
  K8sSettings settings_;
  ObjectCache cache_;
  uint64_t seen_ = 0;  // cache changes already loaded
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Reflector>> reflectors_;
  std::vector<std::thread> threads_;

  std::mutex secretsMutex_;
  std::condition_variable secretsWake_;
  std::set<std::string> wantedSecrets_;
  std::map<std::string, std::string> secretData_;  // key -> last fetched data, to skip unchanged ones
  std::thread secretsThread_;
};

}  // namespace portico::cp::k8s
