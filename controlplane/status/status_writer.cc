#include "controlplane/status/status_writer.h"

#include <vector>

#include "controlplane/status/status_json.h"

namespace portico::cp {

namespace {

constexpr int kAttempts = 5;
constexpr auto kRetryFailed = std::chrono::seconds(5);

// Kinds whose status we take back when we no longer stand behind the object.
bool releasable(const std::string& kind) { return isRouteKind(kind) || kind == "Service" || kind == "Ingress"; }

}  // namespace

StatusTarget statusTarget(const std::string& kind, const std::string& key, nlohmann::json desired) {
  const auto slash = key.find('/');
  StatusTarget t;
  t.kind = kind;
  t.ns = slash == std::string::npos ? "" : key.substr(0, slash);
  t.name = slash == std::string::npos ? key : key.substr(slash + 1);
  t.text = desired.dump();
  return t;
}

StatusTarget releasedStatus(const std::string& key) {
  const auto space = key.find(' ');
  const std::string kind = key.substr(0, space);
  // A route keeps other controllers' parent entries (mergeStatus); a Service or an Ingress
  // loses the addresses we gave it.
  const bool addressed = kind == "Service" || kind == "Ingress";
  return statusTarget(kind, key.substr(space + 1),
                      addressed ? loadBalancerStatus({}, kind) : nlohmann::json{{"parents", nlohmann::json::array()}});
}

StatusWriter::StatusWriter(const k8s::ApiClient& api, PathOf pathOf, Log log)
    : api_(api), pathOf_(std::move(pathOf)), log_(std::move(log)) {
  thread_ = std::thread([this] { run(); });
}

StatusWriter::~StatusWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StatusWriter::update(std::map<std::string, StatusTarget> wanted) {
  {
    std::lock_guard lock(mutex_);
    // A route we wrote status for that no longer attaches to any of our Gateways loses
    // our parent entries (other controllers' stay), and a Service that is no longer ours
    // (its type or class changed) the address we gave it; else `kubectl get` would show
    // what no longer serves it.
    for (const auto& [key, text] : written_) {
      const auto space = key.find(' '), slash = key.find('/');
      if (wanted.count(key) || !releasable(key.substr(0, space)) || slash == std::string::npos) continue;
      StatusTarget release = releasedStatus(key);
      if (text != release.text) wanted.emplace(key, std::move(release));
    }
    wanted_ = std::move(wanted);
    dirty_ = true;
  }
  wake_.notify_all();
}

void StatusWriter::setLeader(bool leader) {
  {
    std::lock_guard lock(mutex_);
    if (leader && !leader_) written_.clear();
    leader_ = leader;
    dirty_ = true;
  }
  wake_.notify_all();
}

StatusWriter::Result StatusWriter::writeOne(const StatusTarget& t) {
  const std::string path = pathOf_(t.kind, t.ns, t.name);
  const std::string what = t.kind + " " + (t.ns.empty() ? t.name : t.ns + "/" + t.name);
  if (path.empty()) return Result::kGone;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const k8s::ApiResponse got = api_.request("GET", path);
    if (got.status == 404) return Result::kGone;
    if (!got.ok()) {
      log_("status of " + what + ": cannot be read: " + got.describe());
      return Result::kFailed;
    }
    auto object = nlohmann::json::parse(got.body, nullptr, false);
    if (!object.is_object()) return Result::kFailed;
    const nlohmann::json existing = object.value("status", nlohmann::json::object());
    const nlohmann::json merged = mergeStatus(existing, nlohmann::json::parse(t.text), t.kind, rfc3339Now());
    if (merged == existing) return Result::kUnchanged;
    object["status"] = merged;
    // The resourceVersion read above makes this write fail (409) if anyone wrote in
    // between; the loop then merges into their version.
    const k8s::ApiResponse put = api_.request("PUT", path + "/status", object.dump());
    if (put.ok()) return Result::kWritten;
    if (put.status == 404) return Result::kGone;
    if (put.status != 409) {
      log_("status of " + what + ": cannot be written: " + put.describe());
      return Result::kFailed;
    }
  }
  log_("status of " + what + ": still conflicting after " + std::to_string(kAttempts) + " attempts; will retry");
  return Result::kFailed;
}

void StatusWriter::run() {
  std::unique_lock lock(mutex_);
  bool behind = false;  // some write failed: try again later even without news
  bool recheck = false;  // a pass did work: one more pass tells whether all is written
  uint64_t checked = 0, wrote = 0;  // since the last "up to date"
  while (!stop_) {
    // A standby keeps `dirty_` set and sleeps: it writes once it leads.
    wake_.wait_for(lock, kRetryFailed, [&] { return stop_ || (leader_ && (dirty_ || recheck)); });
    if (stop_) break;
    if (!leader_ || (!dirty_ && !behind && !recheck)) continue;
    dirty_ = false;
    std::vector<std::pair<std::string, StatusTarget>> todo;
    for (const auto& [key, target] : wanted_) {
      if (auto it = written_.find(key); it == written_.end() || it->second != target.text) todo.emplace_back(key, target);
    }
    if (todo.empty() && !behind && checked > 0) {
      log_("status: up to date (" + std::to_string(wrote) + " written of " + std::to_string(checked) + " checked)");
      checked = wrote = 0;
    }
    lock.unlock();
    std::vector<std::pair<std::string, std::string>> done;
    bool failed = false;
    const uint64_t wroteBefore = wrote;
    for (const auto& [key, target] : todo) {
      Result r = Result::kFailed;
      try {
        r = writeOne(target);
      } catch (const nlohmann::json::exception& e) {
        // An object shaped unlike the API's (a status field of the wrong type) must not
        // stop the writer; it is retried with the others.
        log_("status of " + key + ": " + e.what());
      }
      if (r == Result::kFailed) {
        failed = true;
      } else if (r == Result::kGone) {
        done.emplace_back(key, "");  // forgotten below: a deleted object needs nothing more
      } else {
        done.emplace_back(key, target.text);
        wrote += r == Result::kWritten ? 1 : 0;
      }
      ++checked;
      std::lock_guard check(mutex_);
      if (stop_ || !leader_) break;
    }
    lock.lock();
    for (auto& [key, want] : done) {
      if (want.empty()) {
        written_.erase(key);
      } else {
        written_[key] = std::move(want);
      }
    }
    // Forget what is no longer wanted, except objects still carrying what we wrote: the
    // next update() releases them.
    for (auto it = written_.begin(); it != written_.end();) {
      const bool held = releasable(it->first.substr(0, it->first.find(' '))) && it->second != releasedStatus(it->first).text;
      const bool keep = wanted_.count(it->first) || held;
      it = keep ? std::next(it) : written_.erase(it);
    }
    behind = failed;
    // Another pass at once only after progress: failures wait for the retry timer.
    recheck = wrote != wroteBefore || (!todo.empty() && !failed);
  }
}

}  // namespace portico::cp
