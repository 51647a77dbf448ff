#pragma once

// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder
// renews the lease; the others take it once it has not changed for its duration, timed
// by their own clock (never by comparing the holder's timestamps with ours, so clock skew
// between machines cannot make two leaders). A leader that cannot renew within two
// thirds of the duration steps down before anyone may take over. On a clean stop the
// lease is released, so a standby takes over at once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "controlplane/source/k8s/api_client.h"

namespace portico::cp {

struct LeaseSettings {
  std::string ns = "default";
  std::string name = "portico-controlplane";
  std::string identity;  // unique per process: host name and pid
  std::chrono::seconds duration{15};
};

class LeaderElection {
 public:
  using Log = std::function<void(const std::string&)>;
  using OnChange = std::function<void(bool leader)>;

  LeaderElection(const k8s::ApiClient& api, LeaseSettings settings, Log log, OnChange onChange);
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

 private:
  void run();
  // One round: read the lease, then create, renew or take it when allowed.
  bool tryAcquireOrRenew();
  void release();
  void setLeader(bool leader);
  std::string path() const;

  const k8s::ApiClient& api_;
  LeaseSettings settings_;
  Log log_;
  OnChange onChange_;
  std::atomic<bool> leader_{false};
  // What the lease said when last read, and when (our clock) it last changed.
  std::string observed_;
  std::chrono::steady_clock::time_point observedAt_{};
  std::chrono::steady_clock::time_point renewedAt_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace portico::cp
