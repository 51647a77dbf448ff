#pragma once

// What the control plane knows of the cluster, kept by kind and key as watches report
// it; only the typed fields translation reads are kept, never the API's whole objects.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/model/problem.h"

namespace portico::cp::k8s {

class ObjectCache {
 public:
  // Stores one object given as JSON (an item of a list, or a watch event's object),
  // replacing the one with its key. False, with the problem logged by the caller, when it
  // cannot be read: the previous version of it is then dropped too, as translation must
  // not act on a spec the cluster no longer has.
  bool upsert(const std::string& kind, const std::string& key, const std::string& json, std::vector<Problem>& problems);
  void remove(const std::string& kind, const std::string& key);
  // A relist: the objects of `kind` become exactly these (key, JSON) pairs.
  void replace(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& objects,
               std::vector<Problem>& problems);

  // Everything, as translation takes it: the objects are shared, not copied.
  ClusterState state() const;
  // Counts every change; waitForChange() returns when it moved past `seen`.
  uint64_t changes() const;
  // True when something changed after `seen` within `timeout`; changes that follow
  // within `settle` of each other are gathered into one.
  bool waitForChange(uint64_t seen, std::chrono::milliseconds timeout, std::chrono::milliseconds settle) const;
  // Wakes waiters without a change (to stop).
  void wake() const { changed_.notify_all(); }

 private:
  template <typename T>
  using Map = std::map<std::string, std::shared_ptr<const T>>;  // shared with every state() handed out
  struct Maps {
    Map<GatewayClass> gatewayClasses;
    Map<Gateway> gateways;
    Map<HttpRoute> httpRoutes;
    Map<TlsRoute> tlsRoutes;
    Map<L4Route> tcpRoutes;
    Map<L4Route> udpRoutes;
    Map<ReferenceGrant> referenceGrants;
    Map<Service> services;
    Map<EndpointSlice> endpointSlices;
    Map<Namespace> namespaces;
    Map<Secret> secrets;
    Map<Ingress> ingresses;
    Map<IngressClass> ingressClasses;
  };

  bool upsertLocked(const std::string& kind, const std::string& key, const std::string& json,
                    std::vector<Problem>& problems);
  void touch();

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  uint64_t changes_ = 0;
  std::chrono::steady_clock::time_point lastChange_{};
  Maps maps_;
};

}  // namespace portico::cp::k8s
