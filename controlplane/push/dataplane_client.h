#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <grpcpp/security/credentials.h>

#include "controlplane/push/state_delta.h"
#include "proto/dataplane.grpc.pb.h"

namespace portico::cp {

// Keeps one dataplane serving the latest state, on a thread of its own: pushes every new
// version (as a delta of virtual hosts when nothing else changed since the version it
// acknowledged, else whole); while the dataplane is unreachable retries with exponential backoff and
// jitter; checks it every second and pushes the whole state again when it restarted (its
// served version is no longer the one acknowledged). A NACKed version is not retried:
// the next version may fix it.
class DataplaneClient {
 public:
  using Log = std::function<void(const std::string&)>;

  // `credentials`: insecure for a unix: socket, mutual TLS for host:port (see
  // channelCredentials in the config).
  DataplaneClient(std::string target, std::shared_ptr<grpc::ChannelCredentials> credentials, Log log);
  ~DataplaneClient();

  // Shared, not copied: at 10 000 routes a state is megabytes, and every client pushes it.
  void setState(std::shared_ptr<const portico::dataplane::v1::DesiredState> state);
  uint64_t ackedVersion() const { return acked_.load(); }
  // Answering its API and serving a version we pushed (checked every second while idle).
  bool healthy() const { return reachable_.load() && acked_.load() != 0; }
  // Heard from at least once since start (an ACK, a NACK or a failure): until then what
  // it serves is unknown, and a restarted control plane must not withdraw its VIPs.
  bool settled() const { return settled_.load(); }
  const std::string& target() const { return target_; }

 private:
  void run();
  bool push(const portico::dataplane::v1::DesiredState& state);
  // Sends `state` as a delta on top of the acknowledged one. True when the dataplane
  // answered (ACK or NACK, `answered` set); false when a whole push is needed instead.
  bool pushDelta(const portico::dataplane::v1::DesiredState& state, const StateIndex& index, bool& answered);
  // The RPC's outcome, logged; false when the dataplane could not be reached.
  bool settle(const grpc::Status& st, const portico::dataplane::v1::PushReply& reply, uint64_t version,
              const std::string& how);
  // True when the dataplane restarted and must be sent the state again.
  bool checkHealth();

  std::string target_;
  Log log_;
  std::unique_ptr<portico::dataplane::v1::Dataplane::Stub> stub_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<const portico::dataplane::v1::DesiredState> latest_;
  bool stop_ = false;
  std::atomic<uint64_t> acked_{0};
  std::optional<StateIndex> ackedIndex_;  // of the acknowledged state (client thread only)
  uint64_t nacked_ = 0;
  std::atomic<bool> reachable_{true};
  std::atomic<bool> settled_{false};
  std::thread thread_;
};

}  // namespace portico::cp
