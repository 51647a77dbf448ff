#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/arp/announcer.h"
#include "dataplane/common/result.h"
#include "dataplane/config/config.h"
#include "dataplane/snapshot/snapshot_store.h"
#include "dataplane/stats/counters.h"
#include "dataplane/worker/lcore_context.h"

struct rte_mempool;

namespace portico::dp::runtime {

struct OpenedPort {
  std::string name;
  std::string device;
  std::string driver;
  uint16_t portId = 0;
  bool rss = false;
  arp::PortAddresses addresses;
  rte_ring* controlTx = nullptr;
};

// Everything a running dataplane owns once the EAL is up: the mbuf pool, the opened
// ports, one context per worker, the counters and the snapshot store. Built from the
// config; VIPs arrive through publishVips, the seam the control plane will use.
class Runtime {
 public:
  using LaunchArgs = std::pair<worker::LcoreContext*, const std::atomic<bool>*>;

  static Result<std::unique_ptr<Runtime>> create(const config::DataplaneConfig& cfg);
  ~Runtime();

  // Compiles and publishes a snapshot serving these VIPs; returns after every worker has
  // let go of the previous one. New VIPs are announced on every port.
  void publishVips(const std::vector<pkt::IpAddress>& vips);

  // Starts the workers on their lcores; a worker on the main lcore runs inside wait().
  Status launch(const std::atomic<bool>& stop);
  void wait();

  // Control-thread duty: send the announcements that are due.
  void tick(std::chrono::steady_clock::time_point now);

  // "stats ..." lines: one per worker, one for the control thread, then the total.
  std::string statsReport() const;

  const std::vector<OpenedPort>& ports() const { return ports_; }
  const std::vector<worker::LcoreContext>& workers() const { return contexts_; }

 private:
  Runtime() = default;
  Status openPorts(const config::DataplaneConfig& cfg);
  void sendControlFrame(std::size_t portIndex, const uint8_t* frame, uint32_t len);

  std::vector<unsigned> workerLcores_;
  unsigned mainLcore_ = 0;
  rte_mempool* pool_ = nullptr;
  std::vector<OpenedPort> ports_;
  std::unique_ptr<LcoreCounters[]> counters_;  // one per worker, then one for the control thread
  std::vector<worker::LcoreContext> contexts_;
  std::unique_ptr<snapshot::SnapshotStore> snapshots_;
  std::unique_ptr<arp::Announcer> announcer_;
  const std::atomic<bool>* stop_ = nullptr;
  std::vector<LaunchArgs> launchArgs_;
  uint64_t version_ = 0;
};

}  // namespace portico::dp::runtime
