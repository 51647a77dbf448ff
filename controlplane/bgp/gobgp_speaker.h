#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "controlplane/bgp/bgp_config.h"
#include "proto/gobgp.grpc.pb.h"

namespace portico::cp {

// Keeps gobgpd announcing exactly the VIPs it is told to, on a thread of its own.
// - gobgpd is adopted when its API already answers (a control-plane restart: the BGP
//   sessions and routes are not touched), else started (setsid, so it outlives this
//   process; its pid goes to the configured pid file) and restarted if it exits, then with the graceful
//   restart flag so peers keep the routes meanwhile.
// - It is configured over its gRPC API: global settings, then every peer.
// - Paths are reconciled against what gobgpd holds: each VIP as a /32 or /128, next hop
//   self, with the configured communities and local preference.
class GobgpSpeaker {
 public:
  using Log = std::function<void(const std::string&)>;

  GobgpSpeaker(BgpConfig cfg, Log log);
  ~GobgpSpeaker();  // stops reconciling; gobgpd keeps running with its routes

  void announce(const std::set<std::string>& vips);
  // Each configured peer's address and whether its session is established, as gobgpd
  // said at its last check (every second); false while gobgpd does not answer.
  std::map<std::string, bool> peersEstablished() const;

 private:
  void checkPeers();
  void run();
  bool ensureDaemon();
  bool configure();
  bool reconcile(const std::set<std::string>& wanted);

  BgpConfig cfg_;
  Log log_;
  std::unique_ptr<apipb::GobgpApi::Stub> stub_;
  int child_ = -1;     // gobgpd when this process started it
  bool restarted_ = false;
  unsigned exits_ = 0;  // of gobgpd, since it last answered
  bool configured_ = false;
  mutable std::mutex mutex_;
  std::map<std::string, bool> established_;
  std::condition_variable wake_;
  bool told_ = false;
  std::set<std::string> wanted_;
  bool dirty_ = false;  // nothing is reconciled before the first announce()
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace portico::cp
