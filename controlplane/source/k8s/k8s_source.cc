#include "controlplane/source/k8s/k8s_source.h"

#include <nlohmann/json.hpp>

namespace portico::cp::k8s {

K8sSource::K8sSource(KubeConfig config, Log log, K8sSettings settings)
    : api_(std::move(config)), log_(std::move(log)), settings_(settings) {
  for (const auto& r : watchedResources()) {
    if (!settings_.ingresses && (r.kind == "Ingress" || r.kind == "IngressClass")) continue;
    reflectors_.push_back(std::make_unique<Reflector>(api_, r, cache_, log_, stop_, settings_.timing));
  }
  for (auto& r : reflectors_) threads_.emplace_back([reflector = r.get()] { reflector->run(); });
  secretsThread_ = std::thread([this] { refreshSecrets(); });
}

K8sSource::~K8sSource() {
  stop_.store(true);
  secretsWake_.notify_all();
  cache_.wake();
  for (auto& t : threads_) t.join();
  secretsThread_.join();
}

bool K8sSource::synced() const {
  for (const auto& r : reflectors_) {
    if (!r->synced()) return false;
  }
  return true;
}

std::optional<ClusterState> K8sSource::load(std::vector<Problem>& problems) {
  // Whatever happens next, what is in the cache now has been looked at: waiting starts
  // from here (else a cache filling up before the sync would never let the caller sleep).
  seen_ = cache_.changes();
  if (!synced()) {
    problems.push_back({"kubernetes", "", "", "waiting for the first list of every kind from " + api_.config().server});
    return std::nullopt;
  }
  ClusterState state = cache_.state();
  std::set<std::string> secrets;
  for (const auto& gw : state.gateways) {
    for (const auto& l : gw.listeners) {
      for (const auto& ref : l.certificateRefs) {
        if (ref.group.empty() && ref.kind == "Secret") secrets.insert(ref.ns.value_or(gw.meta.ns) + "/" + ref.name);
      }
    }
  }
  const uint64_t before = cache_.changes();
  wantSecrets(secrets);
  if (cache_.changes() != before) state = cache_.state();
  return state;
}

bool K8sSource::waitForChange(std::chrono::milliseconds timeout, std::chrono::milliseconds settle) {
  return cache_.waitForChange(seen_, timeout, settle);
}

std::string K8sSource::objectPath(const std::string& kind, const std::string& ns, const std::string& name) const {
  for (const auto& r : reflectors_) {
    if (r->resource().kind == kind) return r->objectPath(ns, name);
  }
  return "";
}

void K8sSource::fetchSecret(const std::string& key) {
  const auto slash = key.find('/');
  const std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  const ApiResponse r = api_.request("GET", "/api/v1/namespaces/" + ns + "/secrets/" + name);
  std::lock_guard lock(secretsMutex_);
  if (!wantedSecrets_.count(key)) return;  // dropped while it was being fetched
  if (r.status == 404) {
    // Gone: translation must see it missing (InvalidCertificateRef), not the old copy.
    if (secretData_.erase(key) > 0) cache_.remove("Secret", key);
    return;
  }
  if (!r.ok()) {
    log_("Secret " + key + ": cannot be read: " + r.describe() + "; keeping the last copy");
    return;
  }
  auto object = nlohmann::json::parse(r.body, nullptr, false);
  if (!object.is_object()) return;
  const std::string data = object.value("data", nlohmann::json::object()).dump() + object.value("type", "");
  if (auto it = secretData_.find(key); it != secretData_.end() && it->second == data) return;
  secretData_[key] = data;
  object["kind"] = "Secret";
  object["apiVersion"] = "v1";
  std::vector<Problem> problems;
  cache_.upsert("Secret", key, object.dump(), problems);
  for (const auto& p : problems) log_(p.toString());
}

void K8sSource::wantSecrets(const std::set<std::string>& keys) {
  std::vector<std::string> fresh, dropped;
  {
    std::lock_guard lock(secretsMutex_);
    for (const auto& k : keys) {
      if (!wantedSecrets_.count(k)) fresh.push_back(k);
    }
    for (const auto& k : wantedSecrets_) {
      if (!keys.count(k)) dropped.push_back(k);
    }
    wantedSecrets_ = keys;
    for (const auto& k : dropped) {
      if (secretData_.erase(k) > 0) cache_.remove("Secret", k);
    }
  }
  for (const auto& k : fresh) fetchSecret(k);
}

void K8sSource::refreshSecrets() {
  std::unique_lock lock(secretsMutex_);
  while (!stop_.load()) {
    secretsWake_.wait_for(lock, settings_.secretRefresh, [&] { return stop_.load(); });
    if (stop_.load()) break;
    const std::set<std::string> keys = wantedSecrets_;
    lock.unlock();
    for (const auto& k : keys) fetchSecret(k);
    lock.lock();
  }
}

}  // namespace portico::cp::k8s
