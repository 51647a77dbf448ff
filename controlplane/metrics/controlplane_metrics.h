#pragma once

// What the control plane exports on GET /metrics: whether its state is read, what it
// pushed, each dataplane's ACK and how long it took (a histogram per dataplane), its
// Lease, and the VIPs BGP announces. The main loop writes, the metrics thread reads: one
// mutex, taken a few times per push, never on a packet path.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace portico::cp {

class ControlplaneMetrics {
 public:
  explicit ControlplaneMetrics(std::vector<std::string> dataplanes, bool elects);

  // A read of the source: its outcome and the problems (conditions, log lines) it left.
  void stateRead(bool ok, std::size_t problems);
  void translated(double seconds, std::size_t gateways);
  void pushed(uint64_t version, std::size_t vips, std::chrono::steady_clock::time_point at);
  // Each main-loop turn: dataplane i's ACKed version and health; the first ACK of the
  // pushed version records the push-to-ACK time.
  void dataplane(std::size_t i, uint64_t acked, bool up, std::chrono::steady_clock::time_point now);
  void leader(bool leader);
  void announced(std::size_t vips);
  // Each configured BGP peer and whether its session is established.
  void bgpPeers(std::map<std::string, bool> established);

  // True once a state has been read (GET /readyz).
  bool ready() const;
  std::string text() const;

  static constexpr double kPushBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

 private:
  struct Dataplane {
    std::string target;
    uint64_t acked = 0;
    bool up = false;
    bool timed = false;  // the pushed version's ACK is recorded
    std::vector<uint64_t> buckets = std::vector<uint64_t>(std::size(kPushBuckets), 0);
    double sum = 0;
    uint64_t count = 0;
  };
  mutable std::mutex mutex_;
  std::vector<Dataplane> dataplanes_;
  bool elects_;
  bool read_ = false;
  bool lastReadOk_ = false;
  uint64_t reads_ = 0, failedReads_ = 0;
  std::size_t problems_ = 0, gateways_ = 0, vips_ = 0, announced_ = 0;
  double translateSeconds_ = 0;
  uint64_t version_ = 0;
  std::chrono::steady_clock::time_point pushedAt_{};
  bool leader_ = false;
  std::map<std::string, bool> bgpPeers_;
};

}  // namespace portico::cp
