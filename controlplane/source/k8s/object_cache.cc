#include "controlplane/source/k8s/object_cache.h"

#include <algorithm>

#include "controlplane/source/manifest_parser.h"

namespace portico::cp::k8s {

namespace {

// Calls f(the kind's map, the ClusterState member it fills).
template <typename Maps, typename F>
bool forKind(Maps& c, const std::string& kind, F&& f) {
  if (kind == "GatewayClass") return f(c.gatewayClasses, &ClusterState::gatewayClasses), true;
  if (kind == "Gateway") return f(c.gateways, &ClusterState::gateways), true;
  if (kind == "HTTPRoute") return f(c.httpRoutes, &ClusterState::httpRoutes), true;
  if (kind == "TLSRoute") return f(c.tlsRoutes, &ClusterState::tlsRoutes), true;
  if (kind == "TCPRoute") return f(c.tcpRoutes, &ClusterState::tcpRoutes), true;
  if (kind == "UDPRoute") return f(c.udpRoutes, &ClusterState::udpRoutes), true;
  if (kind == "ReferenceGrant") return f(c.referenceGrants, &ClusterState::referenceGrants), true;
  if (kind == "Service") return f(c.services, &ClusterState::services), true;
  if (kind == "EndpointSlice") return f(c.endpointSlices, &ClusterState::endpointSlices), true;
  if (kind == "Namespace") return f(c.namespaces, &ClusterState::namespaces), true;
  if (kind == "Secret") return f(c.secrets, &ClusterState::secrets), true;
  if (kind == "Ingress") return f(c.ingresses, &ClusterState::ingresses), true;
  if (kind == "IngressClass") return f(c.ingressClasses, &ClusterState::ingressClasses), true;
  return false;
}

}  // namespace

bool ObjectCache::upsertLocked(const std::string& kind, const std::string& key, const std::string& json,
                               std::vector<Problem>& problems) {
  ClusterState one;
  const std::string source = kind + " " + key + " (Kubernetes API)";
  const std::size_t before = problems.size();
  parseManifests(json, source, one, problems);
  bool stored = false;
  forKind(maps_, kind, [&](auto& map, auto member) {
    map.erase(key);
    const auto& read = one.*member;
    for (std::size_t i = 0; i < read.size(); ++i) {
      map.insert_or_assign(read[i].meta.key(), read.shared(i));
      stored = true;
    }
  });
  // Empty text, or an object of another kind: refused like any unreadable object.
  if (!stored && problems.size() == before) problems.push_back({source, "", "", "holds no " + kind + "; ignored"});
  return stored;
}

void ObjectCache::touch() {
  ++changes_;
  lastChange_ = std::chrono::steady_clock::now();
  changed_.notify_all();
}

bool ObjectCache::upsert(const std::string& kind, const std::string& key, const std::string& json,
                         std::vector<Problem>& problems) {
  std::lock_guard lock(mutex_);
  const bool ok = upsertLocked(kind, key, json, problems);
  touch();
  return ok;
}

void ObjectCache::remove(const std::string& kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  forKind(maps_, kind, [&](auto& map, auto) { map.erase(key); });
  touch();
}

void ObjectCache::replace(const std::string& kind, const std::vector<std::pair<std::string, std::string>>& objects,
                          std::vector<Problem>& problems) {
  std::lock_guard lock(mutex_);
  forKind(maps_, kind, [&](auto& map, auto) { map.clear(); });
  for (const auto& [key, json] : objects) upsertLocked(kind, key, json, problems);
  touch();
}

ClusterState ObjectCache::state() const {
  std::lock_guard lock(mutex_);
  ClusterState out;
  const auto share = [](const auto& map, auto& into) {
    into.reserve(map.size());
    for (const auto& [key, object] : map) into.push_back(object);
  };
  for (const char* kind : {"GatewayClass", "Gateway", "HTTPRoute", "TLSRoute", "TCPRoute", "UDPRoute", "ReferenceGrant", "Service",
                           "EndpointSlice", "Namespace", "Secret", "Ingress", "IngressClass"}) {
    forKind(maps_, kind, [&](const auto& map, auto member) { share(map, out.*member); });
  }
  return out;
}

uint64_t ObjectCache::changes() const {
  std::lock_guard lock(mutex_);
  return changes_;
}

bool ObjectCache::waitForChange(uint64_t seen, std::chrono::milliseconds timeout, std::chrono::milliseconds settle) const {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return changes_ != seen; })) return false;
  // Gather a burst (a relist, a rollout touching many EndpointSlices) into one push,
  // but never wait more than a few settle periods: a cluster that never stops changing
  // must still be pushed.
  const auto latest = std::chrono::steady_clock::now() + std::max(settle * 5, std::chrono::milliseconds(1000));
  while (true) {
    const auto quietUntil = std::min(lastChange_ + settle, latest);
    if (std::chrono::steady_clock::now() >= quietUntil) return true;
    changed_.wait_until(lock, quietUntil);
  }
}

}  // namespace portico::cp::k8s
