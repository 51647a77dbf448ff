#include "dataplane/runtime/runtime.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "dataplane/stats/report.h"
#include "dataplane/worker/tx_buffer.h"
#include "dataplane/worker/worker.h"
#include "drivers/host_interface.h"
#include "drivers/port.h"

namespace portico::dp::runtime {

namespace {

constexpr unsigned kControlRingSize = 1024;
constexpr unsigned kHandoffRingSize = 4096;
constexpr unsigned kMbufCache = 256;

int workerMain(void* arg) {
  auto* args = static_cast<Runtime::LaunchArgs*>(arg);
  worker::Worker(*args->first).run(*args->second);
  return 0;
}

rte_ring* makeRing(const std::string& name, unsigned size, unsigned flags) {
  return rte_ring_create(name.c_str(), size, static_cast<int>(rte_socket_id()), flags);
}

void freeRing(rte_ring* ring) {
  if (ring == nullptr) return;
  void* m;
  while (rte_ring_dequeue(ring, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  rte_ring_free(ring);
}

}  // namespace

Result<std::unique_ptr<Runtime>> Runtime::create(const config::DataplaneConfig& cfg) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->workerLcores_ = cfg.workerLcores;
  rt->mainLcore_ = cfg.mainLcore;
  const auto workers = static_cast<unsigned>(cfg.workerLcores.size());

  // Enough buffers to fill every rx and tx ring of every queue, plus the rings between
  // threads and bursts in flight.
  unsigned mbufs = 8192 + kHandoffRingSize * (workers > 1 ? workers : 0);
  for (const auto& p : cfg.ports) mbufs += (p.rxDescriptors + p.txDescriptors) * workers;
  if (cfg.mbufs != 0) mbufs = cfg.mbufs;
  rt->pool_ = rte_pktmbuf_pool_create("portico_mbufs", mbufs, kMbufCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                      static_cast<int>(rte_socket_id()));
  if (rt->pool_ == nullptr) {
    return Error{"mbuf pool", "cannot allocate " + std::to_string(mbufs) +
                                  " buffers; give the EAL more memory (-m) or fewer descriptors"};
  }
  // One writer each: the workers, the control thread, the host-path thread.
  rt->counters_ = std::make_unique<LcoreCounters[]>(workers + 2);
  for (unsigned w = 0; w < workers; ++w) {
    rt->vipTraffic_.push_back(std::make_unique<VipTraffic[]>(kVipSlots));
    rt->counters_[w].vips = rt->vipTraffic_.back().get();
  }
  rt->snapshots_ = std::make_unique<snapshot::SnapshotStore>(workers);
  rt->neighbors_ = std::make_unique<arp::NeighborCache>();
  if (auto st = rt->openPorts(cfg); !st) return st.error();

  std::vector<pkt::MacAddr> macs;
  std::vector<arp::PortAddresses> addresses;
  std::vector<snapshot::PortRoute> routes;
  for (std::size_t i = 0; i < rt->ports_.size(); ++i) {
    const auto& port = rt->ports_[i];
    const auto& pc = cfg.ports[i];
    macs.push_back(port.addresses.mac);
    addresses.push_back(port.addresses);
    routes.push_back({port.addresses, pc.ipv4Prefix, pc.ipv6Prefix, pc.gateway4, pc.gateway6});
  }
  for (std::size_t i = 0; i < cfg.ports.size(); ++i) {
    for (const auto& [addr, mac] : cfg.ports[i].staticNeighbors) {
      if (!rt->neighbors_->pin(static_cast<uint8_t>(i), addr, mac)) {
        return Error{"port " + cfg.ports[i].name, "too many neighbours"};
      }
    }
  }
  rt->announcer_ = std::make_unique<arp::Announcer>(std::move(macs), cfg.announce.count,
                                                    std::chrono::milliseconds(cfg.announce.intervalMs),
                                                    std::chrono::seconds(cfg.announce.refreshS));
  rt->resolver_ = std::make_unique<arp::NeighborResolver>(*rt->neighbors_, addresses);
  if (cfg.pair) {
    // A pair member starts silent: it claims the VIPs only once it knows the peer is not
    // serving them (arp/l2_pair.h).
    const auto at = std::find_if(cfg.ports.begin(), cfg.ports.end(), [&](const auto& p) { return p.name == cfg.pair->port; });
    const auto index = static_cast<uint8_t>(at - cfg.ports.begin());
    arp::PairSettings settings{index, *at->ipv4, cfg.pair->peer, static_cast<uint8_t>(cfg.pair->priority),
                               std::chrono::milliseconds(cfg.pair->intervalMs), cfg.pair->udpPort};
    rt->pair_ = std::make_unique<arp::L2Pair>(settings, rt->ports_[index].addresses.mac);
    rt->standby_.store(true);
    rt->announcer_->setActive(false);
  }
  rt->compiler_ =
      std::make_unique<snapshot::Compiler>(std::move(routes), *rt->neighbors_, cfg.flows.maglevSize, workers);
  rt->compiler_->serveHealth(cfg.l7.healthPort);
  if (auto st = rt->buildWorkers(cfg); !st) return st.error();
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
    port.info = *opened;
    port.addresses.mac = opened->mac;
    port.addresses.ipv4 = pc.ipv4;
    port.addresses.mss = pc.mss;
    if (cfg.pair && cfg.pair->port == pc.name) port.addresses.pairPortBe = pkt::hton16(cfg.pair->udpPort);
    port.addresses.ipv6 = pc.ipv6;
    // Two producers: the control thread and the host path.
    port.controlTx = makeRing("portico_ctl_" + std::to_string(port.info.portId), kControlRingSize, RING_F_SC_DEQ);
    if (port.controlTx == nullptr) return Error{"port " + pc.name, "cannot allocate the control ring"};
    if (pc.hostPath()) {
      if (auto st = openHostPath(pc, ports_.size(), port); !st) return st;
    }
    ports_.push_back(port);
  }
  return Ok{};
}

Status Runtime::openHostPath(const config::PortConfig& pc, std::size_t index, OpenedPort& port) {
  drv::PortSpec spec;
  spec.name = pc.name + " host path";
  spec.device = pc.host.device.empty() ? drv::tapDevice(static_cast<unsigned>(index), pc.host.interface, port.info.mac)
                                       : pc.host.device;
  spec.queues = 1;
  spec.rxDescriptors = spec.txDescriptors = 512;
  spec.pool = pool_;
  auto opened = drv::openPort(spec);
  if (!opened) return opened.error();
  port.host = *opened;
  if (!pc.host.interface.empty()) {
    if (auto st = drv::configureHostInterface(pc.host.interface, pc.ipv4, pc.ipv4Prefix, pc.ipv6, pc.ipv6Prefix); !st) {
      return Error{"port " + pc.name + " " + st.error().where, st.error().what};
    }
  }
  const std::string id = std::to_string(port.info.portId);
  port.hostPriority = makeRing("portico_host_hi_" + id, kControlRingSize, RING_F_SC_DEQ);
  port.hostBulk = makeRing("portico_host_lo_" + id, kControlRingSize, RING_F_SC_DEQ);
  if (port.hostPriority == nullptr || port.hostBulk == nullptr) return Error{"port " + pc.name, "cannot allocate the host rings"};
  port.hostRatePps = pc.host.ratePps;
  port.addresses.hostPath = true;
  return Ok{};
}

Status Runtime::buildWorkers(const config::DataplaneConfig& cfg) {
  const auto workers = static_cast<unsigned>(cfg.workerLcores.size());
  controlRx_ = makeRing("portico_ctl_rx", kControlRingSize, RING_F_SC_DEQ);
  if (controlRx_ == nullptr) return Error{"control thread", "cannot allocate its receive ring"};
  // Without RSS steering of replies, a backend's reply may land on any worker's queue;
  // the worker owning its SNAT port gets it over a ring.
  const bool handoff = workers > 1;
  for (unsigned w = 0; handoff && w < workers; ++w) {
    handoffRings_.push_back(makeRing("portico_handoff_" + std::to_string(w), kHandoffRingSize, RING_F_SC_DEQ));
    if (handoffRings_.back() == nullptr) return Error{"worker " + std::to_string(w), "cannot allocate its handoff ring"};
  }

  // One cookie secret for all workers: a handshake's SYN and ACK may be seen by different
  // workers on PMDs without RSS.
  l7::SipKey cookieKey;
  if (getrandom(&cookieKey, sizeof cookieKey, 0) != sizeof cookieKey) return Error{"SYN cookies", "no random bytes for the secret"};

  uint16_t maxPortId = 0;
  for (const auto& p : ports_) maxPortId = std::max(maxPortId, p.info.portId);
  contexts_.resize(workers);
  for (unsigned w = 0; w < workers; ++w) {
    auto& ctx = contexts_[w];
    ctx.index = w;
    ctx.workers = workers;
    ctx.counters = &counters_[w];
    ctx.snapshots = snapshots_.get();
    ctx.neighbors = neighbors_.get();
    ctx.flows = std::make_unique<lb::FlowTable>(cfg.flows.capacity, cfg.flows.timeouts);
    ctx.fragments = std::make_unique<lb::FragmentTable>();
    ctx.flowDump = std::make_unique<worker::FlowDump>();
    ctx.l7 = std::make_unique<l7::L7Worker>(cfg.l7, cookieKey, w, counters_[w]);
    ctx.l7->draining = &draining_;
    ctx.standby = &standby_;
    ctx.flows->setRemovalHook(l7::releaseConnection, ctx.l7.get());
    ctx.pool = pool_;
    ctx.snat = std::make_unique<lb::SnatPorts>(w, workers);
    ctx.handoffReplies = handoff;
    ctx.handoff = handoffRings_;
    ctx.controlRx = controlRx_;
    ctx.tscPerMs = std::max<uint64_t>(rte_get_tsc_hz() / 1000, 1);
    ctx.portIndexById.assign(maxPortId + 1u, 0);
    for (std::size_t i = 0; i < ports_.size(); ++i) {
      const auto& port = ports_[i];
      worker::WorkerPort wp;
      wp.portId = port.info.portId;
      wp.queue = static_cast<uint16_t>(w);
      wp.txBuffer = worker::makeTxBuffer(static_cast<int>(rte_socket_id()), ctx.counters);
      if (wp.txBuffer == nullptr) return Error{"port " + port.name, "cannot allocate a transmit buffer"};
      // One worker sends the control thread's frames on each port, so the ring stays
      // single-consumer and tx queues stay single-writer.
      wp.controlTx = w == 0 ? port.controlTx : nullptr;
      wp.hostPriority = port.hostPriority;
      wp.hostBulk = port.hostBulk;
      // Each worker admits its share of the port's rate.
      if (port.host) wp.hostRate = TokenBucket(std::max(port.hostRatePps / workers, 1u), rte_get_tsc_hz());
      ctx.ports.push_back(wp);
      ctx.addresses.push_back(port.addresses);
      ctx.portIndexById[port.info.portId] = static_cast<uint8_t>(i);
    }
  }
  for (std::size_t i = 0; i < ports_.size(); ++i) steerReplies(static_cast<uint8_t>(i));
  return Ok{};
}

void Runtime::steerReplies(uint8_t portIndex) {
  // All or nothing per port: a worker that could not steer would pick SNAT ports by the
  // modulo rule while the others never hand replies over.
  const drv::PortInfo& info = ports_[portIndex].info;
  if (info.reta.empty() || !info.hashesPorts()) return;
  std::vector<std::unique_ptr<lb::RssSteering>> steering;
  for (unsigned w = 0; w < contexts_.size(); ++w) {
    steering.push_back(std::make_unique<lb::RssSteering>(info.rssKey, info.reta, static_cast<uint16_t>(w)));
    if (!steering.back()->usable()) return;
  }
  for (unsigned w = 0; w < contexts_.size(); ++w) contexts_[w].snat->steer(portIndex, std::move(steering[w]));
}

Runtime::~Runtime() {
  for (auto& ctx : contexts_) {
    for (auto& wp : ctx.ports) rte_free(wp.txBuffer);
  }
  if (hostThread_.joinable()) hostThread_.join();
  for (auto& port : ports_) {
    drv::closePort(port.info);
    if (port.host) drv::closePort(*port.host);
    freeRing(port.controlTx);
    freeRing(port.hostPriority);
    freeRing(port.hostBulk);
  }
  for (auto* ring : handoffRings_) freeRing(ring);
  freeRing(controlRx_);
  snapshots_.reset();
  rte_mempool_free(pool_);
}

Status Runtime::publish(Source source, snapshot::DesiredState part) {
  std::lock_guard order(publishing_);
  std::unique_lock lock(control_);
  const snapshot::DesiredState& config = source == Source::kConfig ? part : fromConfig_;
  const snapshot::DesiredState& pushed = source == Source::kControlPlane ? part : fromControlPlane_;
  snapshot::DesiredState desired = config;
  desired.vips.insert(desired.vips.end(), pushed.vips.begin(), pushed.vips.end());
  desired.services.insert(desired.services.end(), pushed.services.begin(), pushed.services.end());
  desired.l7Ports.insert(desired.l7Ports.end(), pushed.l7Ports.begin(), pushed.l7Ports.end());
  auto next = compiler_->compile(desired, version_ + 1);
  if (!next) return next.error();
  for (const auto& w : compiler_->warnings()) std::fprintf(stderr, "portico-dataplane: warning: %s\n", w.c_str());
  // Moved, not copied: at 10 000 routes a copy of the pushed part is tens of milliseconds.
  (source == Source::kConfig ? fromConfig_ : fromControlPlane_) = std::move(part);
  desired_ = std::move(desired);
  lock.unlock();
  awaitNewNextHops(**next);
  lock.lock();
  install(std::move(*next));
  return Ok{};
}

void Runtime::awaitNewNextHops(const snapshot::Snapshot& next) {
  std::vector<uint32_t> fresh;
  {
    std::lock_guard lock(control_);
    const auto& entries = neighbors_->entries();
    for (const auto& be : next.backends) {
      if (be.state == snapshot::BackendState::kRemoved || be.neighborSlot >= entries.size()) continue;
      const auto& e = entries[be.neighborSlot];
      if (!e.resolved && e.lastRequest == arp::NeighborCache::Clock::time_point{}) fresh.push_back(be.neighborSlot);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + kResolveWait;
  while (!fresh.empty() && std::chrono::steady_clock::now() < deadline) {
    // Asks for them now and learns the replies, rather than at the control thread's next
    // pass (which may be this thread, reloading the config).
    tick(std::chrono::steady_clock::now());
    std::erase_if(fresh, [&](uint32_t slot) { return neighbors_->mac(slot).has_value(); });
    if (!fresh.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Status Runtime::publishDelta(const std::vector<snapshot::VirtualHostChange>& changes) {
  std::lock_guard order(publishing_);
  std::unique_lock lock(control_);
  const snapshot::Snapshot* base = snapshots_->latest();
  if (base == nullptr) return Error{"delta", "nothing is served yet: push the whole state first"};
  auto next = compiler_->applyDelta(*base, changes, version_ + 1);
  if (!next) return next.error();
  for (const auto& w : compiler_->warnings()) std::fprintf(stderr, "portico-dataplane: warning: %s\n", w.c_str());
  // The compiler found every listener in the snapshot, so both specs hold them too.
  for (const auto& c : changes) {
    snapshot::applyChange(fromControlPlane_, c);
    snapshot::applyChange(desired_, c);
  }
  lock.unlock();
  awaitNewNextHops(**next);
  lock.lock();
  install(std::move(*next));
  return Ok{};
}

void Runtime::install(std::unique_ptr<snapshot::Snapshot> next) {
  ++version_;
  publishedAtNs_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::steady_clock::now().time_since_epoch()).count());
  const lb::VipTable before = snapshots_->latest() ? snapshots_->latest()->vips : lb::VipTable{};
  announcer_->vipsChanged(before, next->vips);
  updateVipSeries(next->vips);
  std::vector<bool> usedSlots;
  for (const auto& be : next->backends) {
    if (be.state == snapshot::BackendState::kRemoved) continue;
    if (usedSlots.size() <= be.neighborSlot) usedSlots.resize(be.neighborSlot + 1u);
    usedSlots[be.neighborSlot] = true;
  }
  snapshots_->publish(std::move(next));
  // Every worker has left the previous snapshot: its next hops may go.
  neighbors_->retainOnly(usedSlots);
}

void Runtime::updateVipSeries(const lb::VipTable& served) {
  std::vector<VipSeries> next;
  const auto add = [&](const pkt::IpAddress& vip, uint16_t slot) {
    if (slot >= kVipSlots) return;
    next.push_back({vip.toString(), slot, {}});
  };
  for (std::size_t i = 0; i < served.v4().size(); ++i) add(pkt::IpAddress::fromV4(served.v4()[i]), served.v4Slots()[i]);
  for (std::size_t i = 0; i < served.v6().size(); ++i) add(pkt::IpAddress::fromV6(served.v6()[i]), served.v6Slots()[i]);
  std::lock_guard lock(vipSeriesLock_);
  for (VipSeries& s : next) {
    const auto kept = std::find_if(vipSeries_.begin(), vipSeries_.end(),
                                   [&](const VipSeries& o) { return o.slot == s.slot && o.vip == s.vip; });
    s.base = kept != vipSeries_.end() ? kept->base : sumVipTraffic(vipTraffic_, s.slot);
  }
  vipSeries_ = std::move(next);
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
  if (std::any_of(ports_.begin(), ports_.end(), [](const OpenedPort& p) { return p.host.has_value(); })) {
    // Not a poll-mode lcore: the kernel's traffic is light, so it naps when there is
    // nothing to move (a fraction of a millisecond added to BGP's round trips).
    hostThread_ = std::thread([this] {
      while (!stop_->load()) {
        if (pumpHost() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    });
  }
  livenessToken_ = snapshots_->livenessToken();
  launched_.store(true);
  return Ok{};
}

void Runtime::wait() {
  for (unsigned w = 0; w < contexts_.size(); ++w) {
    if (workerLcores_[w] == mainLcore_) worker::Worker(contexts_[w]).run(*stop_);
  }
  // rte_eal_mp_wait_lcore spins on the workers' state: on the main lcore, which shares
  // its core with the control thread and the rest of the host, that would burn a whole
  // core for nothing. Sleep until no worker runs, then collect them.
  const auto running = [this] {
    for (unsigned lcore : workerLcores_) {
      if (lcore != mainLcore_ && rte_eal_get_lcore_state(lcore) == RUNNING) return true;
    }
    return false;
  };
  while (running()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  rte_eal_mp_wait_lcore();
}

unsigned Runtime::pumpHost() {
  unsigned moved = 0;
  rte_mbuf* burst[worker::kBurstSize];
  for (auto& port : ports_) {
    if (!port.host) continue;
    for (rte_ring* ring : {port.hostPriority, port.hostBulk}) {
      const unsigned n = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(burst), worker::kBurstSize, nullptr);
      const uint16_t sent = n == 0 ? 0 : rte_eth_tx_burst(port.host->portId, 0, burst, static_cast<uint16_t>(n));
      for (unsigned i = sent; i < n; ++i) rte_pktmbuf_free(burst[i]);
      if (sent < n) hostCounters().drop(DropReason::kHostRingFull, n - sent);
      moved += n;
    }
    const uint16_t n = rte_eth_rx_burst(port.host->portId, 0, burst, worker::kBurstSize);
    for (uint16_t i = 0; i < n; ++i) {
      if (rte_ring_mp_enqueue(port.controlTx, burst[i]) != 0) {
        rte_pktmbuf_free(burst[i]);
        hostCounters().drop(DropReason::kCtrlTxFull);
      }
    }
    LcoreCounters::bump(hostCounters().fromHost, n);
    moved += n;
  }
  return moved;
}

std::pair<snapshot::DesiredState, uint64_t> Runtime::desired() const {
  std::lock_guard lock(control_);
  return {desired_, version_.load()};
}

void Runtime::tick(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(control_);
  void* frames[worker::kBurstSize];
  unsigned n;
  while ((n = rte_ring_sc_dequeue_burst(controlRx_, frames, worker::kBurstSize, nullptr)) > 0) {
    for (unsigned i = 0; i < n; ++i) {
      auto* m = static_cast<rte_mbuf*>(frames[i]);
      const auto& byId = contexts_[0].portIndexById;
      if (m->port < byId.size()) {
        const uint8_t pi = byId[m->port];
        if (pair_ && pair_->take(pi, rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), now)) {
          rte_pktmbuf_free(m);
          continue;
        }
        resolver_->onFrame(pi, rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m), now);
        // Answers to our address are the kernel's too: it asked for its BGP peers.
        if (ports_[pi].host && rte_ring_mp_enqueue(ports_[pi].hostPriority, m) == 0) continue;
      }
      rte_pktmbuf_free(m);
    }
  }
  const auto send = [this](std::size_t port, const uint8_t* frame, uint32_t len) {
    sendControlFrame(port, frame, len);
  };
  resolver_->tick(now, send);
  if (pair_) tickPair(now);
  if (!announcer_->idle()) announcer_->tick(now, send);
}

void Runtime::tickPair(std::chrono::steady_clock::time_point now) {
  if (pair_->decide(now)) {
    standby_.store(!pair_->active());
    announcer_->setActive(pair_->active());
    std::fprintf(stderr, "portico-dataplane: pair: %s (%s)\n", arp::roleName(pair_->role()), pair_->why().c_str());
  }
  uint8_t frame[arp::L2Pair::kFrameCapacity];
  if (const uint32_t n = pair_->heartbeatDue(now, frame); n != 0) sendControlFrame(pair_->settings().port, frame, n);
}

void Runtime::sendControlFrame(std::size_t portIndex, const uint8_t* frame, uint32_t len) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) {
    controlCounters().drop(DropReason::kCtrlTxFull);
    return;
  }
  auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(len)));
  std::memcpy(data, frame, len);
  if (rte_ring_mp_enqueue(ports_[portIndex].controlTx, m) != 0) {
    rte_pktmbuf_free(m);
    controlCounters().drop(DropReason::kCtrlTxFull);
  }
}

bool Runtime::workersProgressed() {
  const bool progressed = snapshots_->passedSince(livenessToken_);
  if (progressed) livenessToken_ = snapshots_->livenessToken();
  return progressed;
}

std::string Runtime::statsReport() const {
  std::string out;
  const unsigned workers = static_cast<unsigned>(contexts_.size());
  for (unsigned w = 0; w < workers; ++w) {
    out += "stats worker=" + std::to_string(w) + " lcore=" + std::to_string(workerLcores_[w]) + " " +
           formatCounters(counters_[w]) + "\n";
  }
  out += "stats control " + formatCounters(counters_[workers]) + "\n";
  out += "stats host " + formatCounters(counters_[workers + 1]) + "\n";
  LcoreCounters total;
  addTotals(total);
  // The TSC rate turns busy_cycles into time for whoever reads the report.
  out += "stats total " + formatCounters(total) + " tsc_hz=" + std::to_string(rte_get_tsc_hz()) + "\n";
  return out;
}

std::vector<Runtime::ListedFlow> Runtime::listFlows(uint32_t limit, std::chrono::milliseconds wait) {
  std::lock_guard lock(flowDumps_);  // one reader at a time per worker mailbox
  std::vector<ListedFlow> out;
  for (unsigned w = 0; w < contexts_.size() && out.size() < limit; ++w) {
    worker::FlowDump& dump = *contexts_[w].flowDump;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    auto waitForAnswer = [&] {
      while (!dump.answered() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      return dump.answered();
    };
    // A request an earlier reader gave up on is answered first, then discarded.
    if (dump.pending() && !waitForAnswer()) continue;
    if (dump.answered()) dump.release();
    uint32_t start = 0;
    while (out.size() < limit && start < contexts_[w].flows->capacity()) {
      if (!dump.request(start, static_cast<uint32_t>(limit - out.size()))) break;
      waitForAnswer();
      if (!dump.answered()) break;  // not running: the next reader discards the late answer
      for (uint32_t i = 0; i < dump.found(); ++i) out.push_back({w, dump.samples()[i]});
      start = dump.next();
      dump.release();
    }
  }
  return out;
}

void Runtime::addTotals(LcoreCounters& total) const {
  sumCounters(std::span<const LcoreCounters>(counters_.get(), contexts_.size() + 2), total);
}

}  // namespace portico::dp::runtime
