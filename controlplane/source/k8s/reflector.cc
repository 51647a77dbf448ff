#include "controlplane/source/k8s/reflector.h"

#include <algorithm>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

namespace portico::cp::k8s {

namespace {

using json = nlohmann::json;
constexpr const char* kGatewayGroup = "gateway.networking.k8s.io";
constexpr int kPageSize = 500;

bool namespaced(const Resource& r) { return r.kind != "GatewayClass" && r.kind != "Namespace"; }

std::string keyOf(const json& object) {
  const json& meta = object.value("metadata", json::object());
  const std::string ns = meta.value("namespace", ""), name = meta.value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

std::string versionOf(const json& object) {
  const json& meta = object.value("metadata", json::object());
  return meta.value("resourceVersion", "");
}

double jitter() {
  thread_local std::mt19937 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// Status is not the cache's business, except which controllers wrote a route's parent
// entries: that is how a control plane finds entries of ours no one stands behind any
// more (written by an earlier leader or run); and a LoadBalancer Service's addresses. The
// rest of it is dropped.
void slimStatus(json& object) {
  json controllers = json::array();
  const auto status = object.find("status");
  if (status != object.end() && status->is_object()) {
    const auto parents = status->find("parents");
    if (parents != status->end() && parents->is_array()) {
      for (const json& p : *parents) {
        if (p.is_object() && p.contains("controllerName")) controllers.push_back({{"controllerName", p["controllerName"]}});
      }
    }
  }
  // A LoadBalancer Service's addresses: the one a control plane gave it before keeps it
  // across restarts.
  json ingress = json::array();
  if (status != object.end() && status->is_object() && status->contains("loadBalancer")) {
    const json& lb = (*status)["loadBalancer"];
    if (lb.is_object() && lb.contains("ingress") && lb["ingress"].is_array()) {
      for (const json& i : lb["ingress"]) {
        if (i.is_object() && i.contains("ip") && i["ip"].is_string()) ingress.push_back({{"ip", i["ip"]}});
      }
    }
  }
  object.erase("status");
  if (!controllers.empty()) object["status"] = {{"parents", std::move(controllers)}};
  if (!ingress.empty()) object["status"]["loadBalancer"] = {{"ingress", std::move(ingress)}};
}

}  // namespace

const std::vector<Resource>& watchedResources() {
  static const std::vector<Resource> resources = {
      {"GatewayClass", kGatewayGroup, "gatewayclasses", {"v1", "v1beta1"}},
      {"Gateway", kGatewayGroup, "gateways", {"v1", "v1beta1"}},
      {"HTTPRoute", kGatewayGroup, "httproutes", {"v1", "v1beta1"}},
      {"TLSRoute", kGatewayGroup, "tlsroutes", {"v1", "v1alpha3", "v1alpha2"}},
      {"TCPRoute", kGatewayGroup, "tcproutes", {"v1alpha2"}},
      {"UDPRoute", kGatewayGroup, "udproutes", {"v1alpha2"}},
      {"ReferenceGrant", kGatewayGroup, "referencegrants", {"v1", "v1beta1"}},
      {"Service", "", "services", {"v1"}},
      {"EndpointSlice", "discovery.k8s.io", "endpointslices", {"v1"}},
      {"Namespace", "", "namespaces", {"v1"}},
      {"Ingress", "networking.k8s.io", "ingresses", {"v1"}},
      {"IngressClass", "networking.k8s.io", "ingressclasses", {"v1"}},
  };
  return resources;
}

Reflector::Reflector(const ApiClient& api, Resource resource, ObjectCache& cache, Log log,
                     const std::atomic<bool>& stop, ReflectorTiming timing)
    : api_(api), resource_(std::move(resource)), cache_(cache), log_(std::move(log)), stop_(stop), timing_(timing),
      nextBackoff_(timing.firstBackoff) {}

std::string Reflector::collectionPath() const {
  std::lock_guard lock(pathMutex_);
  if (groupVersion_.empty()) return "";
  return (resource_.group.empty() ? "/api/" : "/apis/") + groupVersion_ + "/" + resource_.plural;
}

std::string Reflector::objectPath(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(pathMutex_);
  if (groupVersion_.empty()) return "";
  return (resource_.group.empty() ? "/api/" : "/apis/") + groupVersion_ +
         (namespaced(resource_) ? "/namespaces/" + ns : "") + "/" + resource_.plural + "/" + name;
}

void Reflector::pause(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop_.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(d, std::chrono::milliseconds(100)));
  }
}

void Reflector::backoff() {
  // Jitter keeps a fleet of control planes from returning to a recovered server at once.
  pause(std::chrono::milliseconds(static_cast<long>(nextBackoff_.count() * (0.5 + jitter()))));
  nextBackoff_ = std::min(nextBackoff_ * 2, timing_.maxBackoff);
}

void Reflector::logOnce(const std::string& line) {
  if (line == lastLogged_) return;
  lastLogged_ = line;
  log_(line);
}

bool Reflector::discover() {
  for (const auto& v : resource_.versions) {
    const std::string gv = resource_.group.empty() ? v : resource_.group + "/" + v;
    const std::string path = (resource_.group.empty() ? "/api/" : "/apis/") + gv + "/" + resource_.plural + "?limit=1";
    const ApiResponse r = api_.request("GET", path);
    if (r.ok()) {
      std::lock_guard lock(pathMutex_);
      groupVersion_ = gv;
      return true;
    }
    if (r.status != 404) {
      logOnce(resource_.kind + ": cannot list " + gv + ": " + r.describe() + "; retrying");
      backoff();
      return false;
    }
  }
  std::string tried;
  for (const auto& v : resource_.versions) tried += (tried.empty() ? "" : ", ") + v;
  logOnce(resource_.kind + ": the API server serves none of " + tried + " (CRD not installed?); treated as none, "
          "looking again every " + std::to_string(timing_.unservedRetry.count()) + " s");
  std::vector<Problem> none;
  cache_.replace(resource_.kind, {}, none);
  synced_.store(true);
  pause(timing_.unservedRetry);
  return false;
}

std::string Reflector::list() {
  const std::string base = collectionPath();
  std::vector<std::pair<std::string, std::string>> objects;
  std::string token, resourceVersion;
  for (;;) {
    if (stop_.load()) return "";  // half a list must never replace the cache
    std::string path = base + "?limit=" + std::to_string(kPageSize);
    if (!token.empty()) path += "&continue=" + token;
    const ApiResponse r = api_.request("GET", path, "", "", 60);
    if (r.status == 410 && !token.empty()) {
      // The continue token expired mid-list: start over from a fresh snapshot.
      objects.clear();
      token.clear();
      continue;
    }
    if (!r.ok()) {
      if (r.status == 404) {
        std::lock_guard lock(pathMutex_);
        groupVersion_.clear();  // the CRD went away or changed versions: discover again
      }
      logOnce(resource_.kind + ": list failed: " + r.describe() + "; keeping what is known and retrying");
      return "";
    }
    const json page = json::parse(r.body, nullptr, false);
    if (!page.is_object()) {
      logOnce(resource_.kind + ": list answer is not JSON; retrying");
      return "";
    }
    for (json item : page.value("items", json::array())) {
      // List items carry neither kind nor apiVersion.
      item["kind"] = resource_.kind;
      item["apiVersion"] = page.value("apiVersion", "");
      slimStatus(item);
      objects.emplace_back(keyOf(item), item.dump());
    }
    const json& meta = page.value("metadata", json::object());
    token = meta.value("continue", "");
    resourceVersion = meta.value("resourceVersion", "");
    if (token.empty()) break;
  }
  std::vector<Problem> problems;
  cache_.replace(resource_.kind, objects, problems);
  for (const auto& p : problems) log_(p.toString());
  return resourceVersion;
}

bool Reflector::onEvent(const json& event, std::string& resourceVersion, Outcome& outcome) {
  if (!event.is_object()) return true;  // half a line cannot happen; junk is skipped
  const std::string type = event.value("type", "");
  json object = event.value("object", json::object());
  if (type == "ERROR") {
    const int code = object.value("code", 0);
    if (code != 410) log_(resource_.kind + ": watch error: " + object.value("message", std::to_string(code)));
    outcome = code == 410 ? Outcome::kRelist : Outcome::kFailed;
    return false;
  }
  const std::string rv = versionOf(object);
  if (type == "ADDED" || type == "MODIFIED") {
    slimStatus(object);
    std::vector<Problem> problems;
    cache_.upsert(resource_.kind, keyOf(object), object.dump(), problems);
    for (const auto& p : problems) log_(p.toString());
  } else if (type == "DELETED") {
    cache_.remove(resource_.kind, keyOf(object));
  }
  if (!rv.empty()) resourceVersion = rv;
  nextBackoff_ = timing_.firstBackoff;
  return !stop_.load();
}

Reflector::Outcome Reflector::watch(std::string& resourceVersion) {
  const long serverTimeout = timing_.watchTimeoutS + static_cast<long>(timing_.watchTimeoutS / 4.0 * jitter());
  const std::string path = collectionPath() + "?watch=1&allowWatchBookmarks=true&resourceVersion=" + resourceVersion +
                           "&timeoutSeconds=" + std::to_string(serverTimeout);
  Outcome outcome = Outcome::kResume;
  const auto onLine = [&](std::string_view line) {
    try {
      return onEvent(json::parse(line, nullptr, false), resourceVersion, outcome);
    } catch (const json::exception& e) {
      log_(resource_.kind + ": watch event skipped: " + e.what());
      return true;
    }
  };
  const ApiResponse r = api_.stream(path, onLine, serverTimeout + 30, stop_);
  if (outcome != Outcome::kResume) return outcome;
  if (r.status == 410) return Outcome::kRelist;
  if (r.status == 404) {
    std::lock_guard lock(pathMutex_);
    groupVersion_.clear();
    return Outcome::kRelist;
  }
  if (!r.ok()) {
    logOnce(resource_.kind + ": watch failed: " + r.describe() + "; resuming from resourceVersion " + resourceVersion);
    return Outcome::kFailed;
  }
  return Outcome::kResume;
}

void Reflector::run() {
  while (!stop_.load()) {
    // discover() has waited before returning false.
    if (collectionPath().empty() && !discover()) continue;
    std::string resourceVersion;
    try {
      resourceVersion = list();
    } catch (const json::exception& e) {
      logOnce(resource_.kind + ": list answer not understood: " + e.what());
    }
    if (resourceVersion.empty()) {
      backoff();
      continue;
    }
    if (!synced_.exchange(true) || !lastLogged_.empty()) {
      log_(resource_.kind + ": listed at resourceVersion " + resourceVersion);
      lastLogged_.clear();
    }
    nextBackoff_ = timing_.firstBackoff;
    while (!stop_.load()) {
      const auto started = std::chrono::steady_clock::now();
      const Outcome o = watch(resourceVersion);
      if (o == Outcome::kRelist) break;
      // A watch that fails, or that the server ends at once, is not retried at once.
      if (o == Outcome::kFailed || std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) backoff();
    }
  }
}

}  // namespace portico::cp::k8s
