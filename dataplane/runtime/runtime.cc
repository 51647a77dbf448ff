#include "dataplane/runtime/runtime.h"

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstring>

#include "dataplane/stats/report.h"
#include "dataplane/worker/tx_buffer.h"
#include "dataplane/worker/worker.h"
#include "drivers/port.h"

namespace portico::dp::runtime {

namespace {

constexpr unsigned kControlRingSize = 1024;
constexpr unsigned kMbufCache = 256;

int workerMain(void* arg) {
  auto* args = static_cast<Runtime::LaunchArgs*>(arg);
  worker::Worker(*args->first).run(*args->second);
  return 0;
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::create(const config::DataplaneConfig& cfg) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->workerLcores_ = cfg.workerLcores;
  rt->mainLcore_ = cfg.mainLcore;
  const auto workers = static_cast<unsigned>(cfg.workerLcores.size());

  // Enough buffers to fill every rx and tx ring of every queue, plus bursts in flight.
  unsigned mbufs = 4096;
  for (const auto& p : cfg.ports) mbufs += (p.rxDescriptors + p.txDescriptors) * workers;
  rt->pool_ = rte_pktmbuf_pool_create("portico_mbufs", mbufs, kMbufCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                      static_cast<int>(rte_socket_id()));
  if (rt->pool_ == nullptr) {
    return Error{"mbuf pool", "cannot allocate " + std::to_string(mbufs) +
                                  " buffers; give the EAL more memory (-m) or fewer descriptors"};
  }

  rt->counters_ = std::make_unique<LcoreCounters[]>(workers + 1);
  rt->snapshots_ = std::make_unique<snapshot::SnapshotStore>(workers);
  if (auto st = rt->openPorts(cfg); !st) return st.error();

  std::vector<pkt::MacAddr> macs;
  for (const auto& p : rt->ports_) macs.push_back(p.addresses.mac);
  rt->announcer_ = std::make_unique<arp::Announcer>(std::move(macs), cfg.announce.count,
                                                    std::chrono::milliseconds(cfg.announce.intervalMs));

  rt->contexts_.resize(workers);
  for (unsigned w = 0; w < workers; ++w) {
    auto& ctx = rt->contexts_[w];
    ctx.index = w;
    ctx.counters = &rt->counters_[w];
    ctx.snapshots = rt->snapshots_.get();
    for (const auto& port : rt->ports_) {
      worker::WorkerPort wp;
      wp.portId = port.portId;
      wp.queue = static_cast<uint16_t>(w);
      wp.addresses = port.addresses;
      wp.txBuffer = worker::makeTxBuffer(static_cast<int>(rte_socket_id()), ctx.counters);
      if (wp.txBuffer == nullptr) return Error{"port " + port.name, "cannot allocate a transmit buffer"};
      // One worker sends the control thread's frames on each port, so the ring stays
      // single-consumer and tx queues stay single-writer.
      wp.controlTx = w == 0 ? port.controlTx : nullptr;
      ctx.ports.push_back(wp);
    }
  }
  rt->publishVips(cfg.vips);
  return rt;
}

Status Runtime::openPorts(const config::DataplaneConfig& cfg) {
  for (const auto& pc : cfg.ports) {
    drv::PortSpec spec;
    spec.name = pc.name;
    spec.device = pc.device;
    spec.queues = static_cast<uint16_t>(cfg.workerLcores.size());
    spec.rxDescriptors = pc.rxDescriptors;
    spec.txDescriptors = pc.txDescriptors;
    spec.mac = pc.mac;
    spec.pool = pool_;
    auto opened = drv::openPort(spec);
    if (!opened) return opened.error();
    OpenedPort port;
    port.name = pc.name;
    port.device = pc.device;
    port.driver = opened->driver;
    port.portId = opened->portId;
    port.rss = opened->rss;
    port.addresses.mac = opened->mac;
    port.addresses.ipv4 = pc.ipv4;
    port.addresses.ipv6 = pc.ipv6;
    const std::string ringName = "portico_ctl_" + std::to_string(port.portId);
    port.controlTx = rte_ring_create(ringName.c_str(), kControlRingSize, static_cast<int>(rte_socket_id()),
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (port.controlTx == nullptr) return Error{"port " + pc.name, "cannot allocate the control ring"};
    ports_.push_back(port);
  }
  return Ok{};
}

Runtime::~Runtime() {
  for (auto& ctx : contexts_) {
    for (auto& wp : ctx.ports) rte_free(wp.txBuffer);
  }
  for (auto& port : ports_) {
    drv::closePort(port.portId);
    void* frame;
    while (rte_ring_dequeue(port.controlTx, &frame) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(frame));
    rte_ring_free(port.controlTx);
  }
  snapshots_.reset();
  rte_mempool_free(pool_);
}

void Runtime::publishVips(const std::vector<pkt::IpAddress>& vips) {
  auto next = std::make_unique<snapshot::Snapshot>();
  next->version = ++version_;
  next->vips = lb::VipTable(vips);
  const lb::VipTable before = snapshots_->latest() ? snapshots_->latest()->vips : lb::VipTable{};
  announcer_->vipsChanged(before, next->vips, std::chrono::steady_clock::now());
  snapshots_->publish(std::move(next));
}

Status Runtime::launch(const std::atomic<bool>& stop) {
  stop_ = &stop;
  launchArgs_.reserve(contexts_.size());  // no reallocation: workers keep pointers into it
  for (unsigned w = 0; w < contexts_.size(); ++w) {
    if (workerLcores_[w] == mainLcore_) continue;
    launchArgs_.emplace_back(&contexts_[w], &stop);
    if (rte_eal_remote_launch(workerMain, &launchArgs_.back(), workerLcores_[w]) != 0) {
      return Error{"lcore " + std::to_string(workerLcores_[w]), "cannot launch a worker there"};
    }
  }
  return Ok{};
}

void Runtime::wait() {
  for (unsigned w = 0; w < contexts_.size(); ++w) {
    if (workerLcores_[w] == mainLcore_) worker::Worker(contexts_[w]).run(*stop_);
  }
  rte_eal_mp_wait_lcore();
}

void Runtime::tick(std::chrono::steady_clock::time_point now) {
  if (announcer_->idle()) return;
  announcer_->tick(now, [this](std::size_t port, const uint8_t* frame, uint32_t len) {
    sendControlFrame(port, frame, len);
  });
}

void Runtime::sendControlFrame(std::size_t portIndex, const uint8_t* frame, uint32_t len) {
  LcoreCounters& control = counters_[contexts_.size()];
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) {
    control.drop(DropReason::kCtrlTxFull);
    return;
  }
  auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
  std::memcpy(data, frame, len);
  if (rte_ring_sp_enqueue(ports_[portIndex].controlTx, m) != 0) {
    rte_pktmbuf_free(m);
    control.drop(DropReason::kCtrlTxFull);
  }
}

std::string Runtime::statsReport() const {
  std::string out;
  const unsigned workers = static_cast<unsigned>(contexts_.size());
  for (unsigned w = 0; w < workers; ++w) {
    out += "stats worker=" + std::to_string(w) + " lcore=" + std::to_string(workerLcores_[w]) + " " +
           formatCounters(counters_[w]) + "\n";
  }
  out += "stats control " + formatCounters(counters_[workers]) + "\n";
  LcoreCounters total;
  sumCounters(std::span<const LcoreCounters>(counters_.get(), workers + 1), total);
  out += "stats total " + formatCounters(total) + "\n";
  return out;
}

}  // namespace portico::dp::runtime
