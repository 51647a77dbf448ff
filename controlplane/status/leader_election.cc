#include "controlplane/status/leader_election.h"

#include <sys/time.h>

#include <ctime>

#include <nlohmann/json.hpp>

namespace portico::cp {

namespace {

using json = nlohmann::json;

// A Lease's MicroTime: 2026-11-26T21:54:35.123456Z.
std::string microNow() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm utc{};
  gmtime_r(&tv.tv_sec, &utc);
  char buf[40], out[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(out, sizeof out, "%s.%06ldZ", buf, static_cast<long>(tv.tv_usec));
  return out;
}

}  // namespace

LeaderElection::LeaderElection(const k8s::ApiClient& api, LeaseSettings settings, Log log, OnChange onChange)
    : api_(api), settings_(std::move(settings)), log_(std::move(log)), onChange_(std::move(onChange)) {
  thread_ = std::thread([this] { run(); });
}

LeaderElection::~LeaderElection() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (leader_.load()) release();
}

std::string LeaderElection::path() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + settings_.ns + "/leases/" + settings_.name;
}

void LeaderElection::setLeader(bool leader) {
  if (leader_.exchange(leader) == leader) return;
  log_(leader ? "leader: this control plane holds lease " + settings_.ns + "/" + settings_.name + " and writes status"
              : "leader: lost lease " + settings_.ns + "/" + settings_.name + "; status is left to the leader");
  onChange_(leader);
}

bool LeaderElection::tryAcquireOrRenew() {
  const auto now = std::chrono::steady_clock::now();
  const std::string stamp = microNow();
  const long durationS = static_cast<long>(settings_.duration.count());
  const k8s::ApiResponse got = api_.request("GET", path(), "", "", 5);
  if (got.status == 404) {
    const json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                        {"kind", "Lease"},
                        {"metadata", {{"name", settings_.name}, {"namespace", settings_.ns}}},
                        {"spec",
                         {{"holderIdentity", settings_.identity},
                          {"leaseDurationSeconds", durationS},
                          {"acquireTime", stamp},
                          {"renewTime", stamp},
                          {"leaseTransitions", 0}}}};
    const auto made = api_.request("POST", "/apis/coordination.k8s.io/v1/namespaces/" + settings_.ns + "/leases",
                                   lease.dump(), "application/json", 5);
    return made.ok();
  }
  if (!got.ok()) return false;
  json lease = json::parse(got.body, nullptr, false);
  if (!lease.is_object()) return false;
  json& spec = lease["spec"];
  if (!spec.is_object()) spec = json::object();
  const std::string holder = spec.value("holderIdentity", "");
  const std::string record = holder + "|" + spec.value("renewTime", "") + "|" +
                             lease["metadata"].value("resourceVersion", "");
  if (record != observed_) {
    observed_ = record;
    observedAt_ = now;
  }
  const auto theirDuration = std::chrono::seconds(spec.value("leaseDurationSeconds", durationS));
  if (!holder.empty() && holder != settings_.identity && now < observedAt_ + theirDuration) return false;
  if (holder != settings_.identity) {
    spec["acquireTime"] = stamp;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  spec["holderIdentity"] = settings_.identity;
  spec["leaseDurationSeconds"] = durationS;
  spec["renewTime"] = stamp;
  // With the resourceVersion read above, of two candidates only one write succeeds.
  const auto put = api_.request("PUT", path(), lease.dump(), "application/json", 5);
  return put.ok();
}

void LeaderElection::release() {
  const k8s::ApiResponse got = api_.request("GET", path(), "", "", 5);
  json lease = json::parse(got.body, nullptr, false);
  if (!got.ok() || !lease.is_object() || lease["spec"].value("holderIdentity", "") != settings_.identity) return;
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = microNow();
  if (api_.request("PUT", path(), lease.dump(), "application/json", 5).ok()) {
    log_("leader: released lease " + settings_.ns + "/" + settings_.name);
  }
}

void LeaderElection::run() {
  // client-go's proportions: retry every 2 s of a 15 s lease, give up renewing after 10.
  const auto retry = std::max<std::chrono::milliseconds>(settings_.duration / 8, std::chrono::milliseconds(200));
  const auto renewDeadline = settings_.duration * 2 / 3;
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    bool held = false;
    // A renewal counts from before it was sent: the server may have recorded it at once.
    const auto attempt = std::chrono::steady_clock::now();
    try {
      held = tryAcquireOrRenew();
    } catch (const json::exception& e) {
      log_("leader: lease " + settings_.ns + "/" + settings_.name + " not understood: " + e.what());
    }
    const auto now = std::chrono::steady_clock::now();
    if (held) {
      renewedAt_ = attempt;
      setLeader(true);
    } else if (leader_.load() && now - renewedAt_ > renewDeadline) {
      setLeader(false);
    } else if (leader_.load() && observed_.rfind(settings_.identity + "|", 0) != 0 && !observed_.empty()) {
      setLeader(false);  // someone else holds it now
    }
    lock.lock();
    wake_.wait_for(lock, retry, [&] { return stop_; });
  }
}

}  // namespace portico::cp
