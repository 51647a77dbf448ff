#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/arp/announcer.h"
#include "dataplane/arp/l2_pair.h"
#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/arp/neighbor_resolver.h"
#include "dataplane/common/result.h"
#include "dataplane/config/config.h"
#include "dataplane/snapshot/compiler.h"
#include "dataplane/snapshot/snapshot_store.h"
#include "dataplane/stats/counters.h"
#include "dataplane/worker/lcore_context.h"
#include "drivers/port.h"

struct rte_mempool;

namespace portico::dp::runtime {

struct OpenedPort {
  std::string name;
  std::string device;
  drv::PortInfo info;
  arp::PortAddresses addresses;
  rte_ring* controlTx = nullptr;
  // The host path, when configured: the kernel's device and the rings workers fill.
  std::optional<drv::PortInfo> host;
  rte_ring* hostPriority = nullptr;
  rte_ring* hostBulk = nullptr;
  uint32_t hostRatePps = 0;
};

// Everything a running dataplane owns once the EAL is up: the mbuf pool, the opened
// ports, one context per worker, the counters, the neighbour cache and the snapshot
// store. Built from the config's ports and lcores; what to serve arrives through
// publish(), the seam the control plane uses next. Nothing is served before it.
class Runtime {
 public:
  using LaunchArgs = std::pair<worker::LcoreContext*, const std::atomic<bool>*>;

  static Result<std::unique_ptr<Runtime>> create(const config::DataplaneConfig& cfg);
  ~Runtime();

  // What is served is the union of two parts: the static VIPs and services of
  // dataplane.yaml, and what the control plane pushed. Each source replaces only its own.
  enum class Source { kConfig, kControlPlane };

  // Replaces one source's part, compiles the union into a snapshot and publishes it;
  // returns after every worker has let go of the previous one. On error nothing changes
  // and the error names the part that was rejected. New VIPs are announced on every port.
  // Callable from any control thread (the API server's, the signal loop's): control work
  // is serialised.
  Status publish(Source source, snapshot::DesiredState part);
  // Changes some virtual hosts of the control plane's part (listeners it pushed before)
  // and publishes, compiling only those hosts. Same guarantees as publish().
  Status publishDelta(const std::vector<snapshot::VirtualHostChange>& changes);

  // The union last published, and its version.
  std::pair<snapshot::DesiredState, uint64_t> desired() const;

  // Starts the workers on their lcores; a worker on the main lcore runs inside wait().
  Status launch(const std::atomic<bool>& stop);
  void wait();

  // Control-thread duty: learn from frames workers passed up, send due announcements
  // and neighbour requests.
  void tick(std::chrono::steady_clock::time_point now);
  // Host-path duty (its own thread once launched, or a test): frames workers queued for
  // the kernel go to each port's host device, BGP first; what the kernel sent leaves
  // through the port. Returns the frames moved.
  unsigned pumpHost();

  // "stats ..." lines: one per worker, one for the control thread, one for the host path,
  // then the total.
  std::string statsReport() const;
  // The same counters, the ports' own statistics, capacities and the served state's
  // version and age, in Prometheus's text format (GET /metrics).
  std::string metricsText() const;
  // Whether every worker has finished a loop pass since the previous call (the first
  // call: since launch). A worker stuck in one pass (a bug, a livelock) makes it false;
  // the control thread stops feeding the service manager's watchdog then.
  bool workersProgressed();
  // The workers run and a state is served (GET /readyz).
  bool serving() const { return launched_.load() && version_.load() > 0; }
  // Drained: every VIP's health endpoint answers 503 DRAINING, so the load balancer in
  // front moves traffic away; connections are still served meanwhile.
  void setDraining(bool draining) { draining_.store(draining); }
  bool draining() const { return draining_.load(); }
  // 0: no health endpoint.
  uint16_t healthPort() const { return contexts_.empty() ? 0 : contexts_[0].l7->settings.healthPort; }
  // Up to `limit` live flows of every worker, asked of the workers themselves (each
  // answers between two bursts); a worker that does not answer within `wait` is skipped.
  struct ListedFlow {
    unsigned worker;
    worker::FlowSample flow;
  };
  std::vector<ListedFlow> listFlows(uint32_t limit, std::chrono::milliseconds wait = std::chrono::milliseconds(500));

  // Every counter summed over the workers and the control thread, added to `total`.
  void addTotals(LcoreCounters& total) const;
  const LcoreCounters& workerCounters(unsigned w) const { return counters_[w]; }
  unsigned workerLcore(unsigned w) const { return workerLcores_[w]; }

  const std::vector<OpenedPort>& ports() const { return ports_; }
  const std::vector<worker::LcoreContext>& workers() const { return contexts_; }
  // For tests that drive a worker's loop themselves instead of launching it.
  worker::LcoreContext& workerContext(unsigned w) { return contexts_[w]; }
  uint64_t version() const { return version_.load(); }
  // Whether backends' replies on this port are steered to their worker by RSS (else
  // handed over between workers when there are several).
  bool repliesSteered(uint8_t portIndex) const { return !contexts_.empty() && contexts_[0].snat->steered(portIndex); }

 private:
  Runtime() = default;
  Status openPorts(const config::DataplaneConfig& cfg);
  Status openHostPath(const config::PortConfig& pc, std::size_t index, OpenedPort& port);
  Status buildWorkers(const config::DataplaneConfig& cfg);
  void steerReplies(uint8_t portIndex);
  void sendControlFrame(std::size_t portIndex, const uint8_t* frame, uint32_t len);
  LcoreCounters& controlCounters() { return counters_[contexts_.size()]; }
  LcoreCounters& hostCounters() { return counters_[contexts_.size() + 1]; }

  std::vector<unsigned> workerLcores_;
  unsigned mainLcore_ = 0;
  rte_mempool* pool_ = nullptr;
  std::vector<OpenedPort> ports_;
  std::unique_ptr<LcoreCounters[]> counters_;  // one per worker, then the control thread's, then the host path's
  std::vector<worker::LcoreContext> contexts_;
  std::vector<rte_ring*> handoffRings_;
  rte_ring* controlRx_ = nullptr;
  std::unique_ptr<snapshot::SnapshotStore> snapshots_;
  std::unique_ptr<arp::NeighborCache> neighbors_;
  std::unique_ptr<arp::NeighborResolver> resolver_;
  std::unique_ptr<snapshot::Compiler> compiler_;
  std::unique_ptr<arp::Announcer> announcer_;
  // An L2 pair (config `pair:`): its state machine on the control thread, and what the
  // workers and /metrics read of it.
  std::unique_ptr<arp::L2Pair> pair_;
  std::atomic<bool> standby_{false};
  void tickPair(std::chrono::steady_clock::time_point now);
  const std::atomic<bool>* stop_ = nullptr;
  std::vector<LaunchArgs> launchArgs_;
  std::thread hostThread_;
  // Publishes a compiled snapshot (control_ held): version, announcements, next hops.
  void install(std::unique_ptr<snapshot::Snapshot> next);
  // Without control_ held: waits, at most kResolveWait, until the next hops `next` uses
  // for the first time answer ARP/NDP, so a new backend takes no request it could only
  // answer with the appliance's 503 (the resolution takes a control tick, 10 ms, and a
  // round trip). Next hops asked for before (a backend that does not answer) are not
  // waited for again.
  void awaitNewNextHops(const snapshot::Snapshot& next);
  static constexpr std::chrono::milliseconds kResolveWait{100};
  std::mutex publishing_;       // one publication at a time, in version order
  mutable std::mutex control_;  // publish and tick: the control path, never a worker
  std::mutex flowDumps_;
  snapshot::DesiredState fromConfig_, fromControlPlane_, desired_;
  std::atomic<uint64_t> version_{0};
  std::atomic<bool> launched_{false};
  uint64_t livenessToken_ = 0;
  std::atomic<int64_t> publishedAtNs_{0};  // steady clock, when version_ was installed
  std::atomic<bool> draining_{false};
  // Per-VIP traffic: each worker's counters, and the VIPs /metrics names with what their
  // slot held before they got it (a slot freed by a VIP that left is handed out again).
  std::vector<std::unique_ptr<VipTraffic[]>> vipTraffic_;
  struct VipSeries {
    std::string vip;
    uint16_t slot;
    VipTotals base;
  };
  void updateVipSeries(const lb::VipTable& served);
  mutable std::mutex vipSeriesLock_;
  std::vector<VipSeries> vipSeries_;
};

}  // namespace portico::dp::runtime
