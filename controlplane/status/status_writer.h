#pragma once

// Writes the status of the objects this controller owns to the API server, on a thread
// of its own so a slow API server never delays a push: each object's status is read,
// merged (status_json) and written back with its resourceVersion, retried on 409
// Conflict, and only when what we want differs from what we last wrote. Only the leader
// writes.

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controlplane/source/k8s/api_client.h"

namespace portico::cp {

struct StatusTarget {
  std::string kind;
  std::string ns;  // "" for cluster-scoped kinds
  std::string name;
  // desiredStatus()'s JSON as text: what tells whether it changed, read back only for
  // the objects written (held as JSON for 10 000 routes it was tens of megabytes).
  std::string text;
};

// The target for writing `desired` to the object of `kind` named `key` (namespace/name, or
// name for cluster-scoped kinds).
StatusTarget statusTarget(const std::string& kind, const std::string& key, nlohmann::json desired);

// What we write to object `key` ("Kind namespace/name") once we no longer stand behind
// it: a route's status with our parent entries taken out (other controllers' stay), a
// Service's with no load balancer addresses.
StatusTarget releasedStatus(const std::string& key);

class StatusWriter {
 public:
  using Log = std::function<void(const std::string&)>;
  // The API path of an object ("" when its kind is not served).
  using PathOf = std::function<std::string(const std::string& kind, const std::string& ns, const std::string& name)>;

  StatusWriter(const k8s::ApiClient& api, PathOf pathOf, Log log);
  ~StatusWriter();
  StatusWriter(const StatusWriter&) = delete;
  StatusWriter& operator=(const StatusWriter&) = delete;

  // Every status wanted now, keyed "Kind namespace/name".
  void update(std::map<std::string, StatusTarget> wanted);
  // A new leader checks every object again: the old one may have written other things.
  void setLeader(bool leader);

 private:
  enum class Result { kWritten, kUnchanged, kGone, kFailed };

  void run();
  Result writeOne(const StatusTarget& target);

  const k8s::ApiClient& api_;
  PathOf pathOf_;
  Log log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, StatusTarget> wanted_;
  std::map<std::string, std::string> written_;  // key -> desired JSON last written (or found in place)
  bool leader_ = false;
  bool dirty_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace portico::cp
