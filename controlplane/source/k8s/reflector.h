#pragma once

// Keeps one kind of object in the cache in step with the API server, the way client-go's
// reflector does: list (in pages), then watch from the list's resourceVersion with
// bookmarks; resume a dropped watch from the last version seen; list again when the
// server answers 410 Gone; back off with jitter while the server is away. The cache keeps
// its last contents meanwhile, so the dataplanes keep serving.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/source/k8s/api_client.h"
#include "controlplane/source/k8s/object_cache.h"

namespace portico::cp::k8s {

struct Resource {
  std::string kind;
  std::string group;  // "" for the core API
  std::string plural;
  std::vector<std::string> versions;  // most preferred first; the first one served is used
};

// The kinds translation reads (Secrets are fetched by name, not watched).
const std::vector<Resource>& watchedResources();

struct ReflectorTiming {
  long watchTimeoutS = 300;  // asked of the server; each watch gets up to a quarter more, at random
  std::chrono::milliseconds firstBackoff{200};
  std::chrono::milliseconds maxBackoff{30000};
  std::chrono::seconds unservedRetry{60};  // how often to look again for a kind the server does not serve
};

class Reflector {
 public:
  using Log = std::function<void(const std::string&)>;

  Reflector(const ApiClient& api, Resource resource, ObjectCache& cache, Log log, const std::atomic<bool>& stop,
            ReflectorTiming timing = {});

  // The thread body: returns once `stop` is set.
  void run();
  // The first list has completed (or the server serves no version of this kind).
  bool synced() const { return synced_.load(); }
  // "/apis/group/version/plural" or "/api/v1/plural" for the version in use; "" before.
  std::string collectionPath() const;
  // The path of one object of this kind ("" namespace for cluster-scoped kinds).
  std::string objectPath(const std::string& ns, const std::string& name) const;
  const Resource& resource() const { return resource_; }

 private:
  enum class Outcome { kResume, kRelist, kFailed };

  // Lists every object into the cache; the list's resourceVersion, or "" on failure.
  std::string list();
  Outcome watch(std::string& resourceVersion);
  // One watch event into the cache; false ends the watch (with `outcome` set).
  bool onEvent(const nlohmann::json& event, std::string& resourceVersion, Outcome& outcome);
  // Picks the first served version. False after a pause: the server failed (backoff),
  // or serves none of the versions (the kind is then empty until it does).
  bool discover();
  void pause(std::chrono::milliseconds d);
  void backoff();
  void logOnce(const std::string& line);

  const ApiClient& api_;
  Resource resource_;
  ObjectCache& cache_;
  Log log_;
  const std::atomic<bool>& stop_;
  ReflectorTiming timing_;
  mutable std::mutex pathMutex_;
  std::string groupVersion_;
  std::atomic<bool> synced_{false};
  std::chrono::milliseconds nextBackoff_;
  std::string lastLogged_;
};

}  // namespace portico::cp::k8s
