#include "dataplane/snapshot/compiler.h"

#include <xxhash.h>

#include <set>

#include "dataplane/lb/flow_key.h"

namespace portico::dp::snapshot {

namespace {

bool inPrefix(const uint8_t* a, const uint8_t* b, unsigned prefix) {
  for (unsigned bit = 0; bit < prefix; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
  }
  return true;
}

std::string describe(const ServiceSpec& s) {
  return "service " + s.name + " (" + s.vip.toString() + ":" + std::to_string(s.port) + "/" +
         (s.proto == 6 ? "tcp" : "udp") + ")";
}

}  // namespace

std::optional<std::pair<uint8_t, pkt::IpAddress>> Compiler::route(const pkt::IpAddress& to) const {
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    const auto& p = ports_[i];
    if (to.family == 4 && p.addresses.ipv4 &&
        inPrefix(reinterpret_cast<const uint8_t*>(&*p.addresses.ipv4), reinterpret_cast<const uint8_t*>(&to.v4),
                 p.ipv4Prefix)) {
      return std::make_pair(static_cast<uint8_t>(i), to);
    }
    if (to.family == 6 && p.addresses.ipv6 && inPrefix(p.addresses.ipv6->data(), to.v6.data(), p.ipv6Prefix)) {
      return std::make_pair(static_cast<uint8_t>(i), to);
    }
  }
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    const auto& p = ports_[i];
    if (to.family == 4 && p.gateway4) return std::make_pair(static_cast<uint8_t>(i), pkt::IpAddress::fromV4(*p.gateway4));
    if (to.family == 6 && p.gateway6) return std::make_pair(static_cast<uint8_t>(i), pkt::IpAddress::fromV6(*p.gateway6));
  }
  return std::nullopt;
}

Result<uint32_t> Compiler::addBackend(const BackendSpec& b, const std::string& where, BackendIds& ids,
                                      std::vector<BackendEntry>& backends, std::vector<BackendRefCount>& refs) {
  const auto hop = route(b.address);
  if (!hop) return Error{where, "no port reaches it: it is in no port's subnet and no port has a gateway"};
  const uint32_t slot = neighbors_.slotFor(hop->first, hop->second);
  if (slot == arp::NeighborCache::kNoSlot) return Error{where, "the neighbour table is full"};

  auto [it, fresh] = ids.emplace(std::make_pair(b.address, b.port), static_cast<uint32_t>(ids.size()));
  const uint32_t id = it->second;
  if (backends.size() <= id) backends.resize(id + 1);
  BackendEntry& e = backends[id];
  refs.push_back({id, b.state});
  e.address = b.address;
  e.portBe = pkt::hton16(b.port);
  e.egressPort = hop->first;
  e.neighborSlot = slot;
  return id;
}

std::vector<BackendSpec> Compiler::reachable(const std::vector<BackendSpec>& endpoints, uint8_t family,
                                             const std::string& where) {
  std::vector<BackendSpec> out;
  for (const BackendSpec& e : endpoints) {
    if (e.address.family == family && route(e.address)) {
      out.push_back(e);
    } else {
      warnings_.push_back(where + " endpoint " + e.address.toString() +
                          ": no port reaches it (or its family differs from the VIP's); left out");
    }
  }
  return out;
}

Result<BackendSet> Compiler::backendSet(const std::vector<BackendSpec>& endpoints, uint8_t family,
                                        const std::string& where, BackendIds& ids, std::vector<BackendEntry>& backends,
                                        std::vector<BackendRefCount>& refs, uint32_t tableSize) {
  BackendSet set;
  std::vector<lb::MaglevBackend> ring;
  for (const BackendSpec& b : endpoints) {
    const std::string at = where + " backend " + b.address.toString() + ":" + std::to_string(b.port);
    if (b.address.family != family) {
      return Error{at, "address family differs from the VIP's (NAT between IPv4 and IPv6 is not supported)"};
    }
    auto id = addBackend(b, at, ids, backends, refs);
    if (!id) return id.error();
    if (b.state == BackendState::kRemoved) continue;
    // The Maglev identity is the backend's address and port, so every dataplane (and
    // every restart) builds the same table from the same backends.
    const pkt::Ipv6Addr canonical = b.address.family == 4 ? lb::v4Mapped(b.address.v4) : b.address.v6;
    const uint64_t key = XXH3_64bits_withSeed(canonical.data(), canonical.size(), b.port);
    ring.push_back({key, b.state == BackendState::kActive ? b.weight : 0});
    set.backendIds.push_back(*id);
  }
  set.maglev = lb::MaglevTable::build(ring, tableSize == 0 ? maglevSize_ : tableSize);
  return set;
}

Result<std::unique_ptr<Snapshot>> Compiler::compile(const DesiredState& desired, uint64_t version) {
  auto snap = std::make_unique<Snapshot>();
  snap->version = version;
  warnings_.clear();
  std::vector<pkt::IpAddress> vips = desired.vips;
  std::set<std::tuple<pkt::IpAddress, uint16_t, uint8_t>> seen;

  // Ids are only handed out once the whole state is known to compile.
  BackendIds ids = backendIds_;
  std::vector<BackendEntry> backends;
  std::vector<BackendRefCount> serviceRefs;

  for (std::size_t si = 0; si < desired.services.size(); ++si) {
    const ServiceSpec& spec = desired.services[si];
    if (spec.proto != 6 && spec.proto != 17) return Error{describe(spec), "protocol must be tcp or udp"};
    if (!seen.emplace(spec.vip, spec.port, spec.proto).second) {
      return Error{describe(spec), "another service already uses this address, port and protocol"};
    }
    vips.push_back(spec.vip);
    ServiceEntry svc;
    svc.vip = spec.vip.family == 4 ? lb::v4Mapped(spec.vip.v4) : spec.vip.v6;
    svc.portBe = pkt::hton16(spec.port);
    svc.proto = spec.proto;
    svc.family = spec.vip.family;
    svc.id = static_cast<uint16_t>(si);
    svc.name = spec.name;
    auto set = backendSet(reachable(spec.backends, spec.vip.family, describe(spec)), spec.vip.family, describe(spec), ids,
                          backends, serviceRefs);
    if (!set) return set.error();
    svc.maglev = std::move(set->maglev);
    svc.backendIds = std::move(set->backendIds);
    snap->services.push_back(std::move(svc));
  }
  for (const auto& l7 : desired.l7Ports) {
    if (!seen.emplace(l7.vip, l7.port, 6).second) {
      return Error{"listener port " + l7.vip.toString() + ":" + std::to_string(l7.port),
                   "an L4 service or another listener port already uses this address and port"};
    }
    vips.push_back(l7.vip);
  }
  if (healthPort_ != 0) {
    // The health endpoint: an HTTP port with no listeners on every VIP (compileL7 sorts
    // it in with the listener ports).
    for (const pkt::IpAddress& vip : std::set<pkt::IpAddress>(vips.begin(), vips.end())) {
      if (!seen.emplace(vip, healthPort_, 6).second) {
        warnings_.push_back("health endpoint " + vip.toString() + ":" + std::to_string(healthPort_) +
                            ": a listener or service of the address uses the port; no health endpoint there");
        continue;
      }
      L7Port port;
      port.vip = vip.family == 4 ? lb::v4Mapped(vip.v4) : vip.v6;
      port.portBe = pkt::hton16(healthPort_);
      port.family = vip.family;
      port.protocol = ListenerProtocol::kHttp;
      port.mode = L7Mode::kSplice;
      port.health = true;
      auto matcher = l7::HostMatcher::build(std::vector<l7::HostPattern>{});
      if (!matcher) return Error{"health endpoint", matcher.error().what};
      port.listenerMatcher = std::move(*matcher);
      snap->l7Ports.push_back(std::move(port));
    }
  }
  if (auto st = compileL7(desired, *snap, ids, backends); !st) return st.error();
  std::sort(snap->services.begin(), snap->services.end(),
            [](const ServiceEntry& a, const ServiceEntry& b) { return a.key() < b.key(); });
  backends.resize(ids.size());
  // One backend may serve several services and hosts; the most available state wins,
  // and one nobody names any more is removed (its flows end).
  std::vector<RefCounts> counts(ids.size());
  count(counts, serviceRefs, 1);
  for (const auto& port : snap->l7Ports) {
    for (const auto& l : port.listeners) {
      for (const auto& h : l.vhosts) count(counts, h->refs, 1);
    }
  }
  for (std::size_t id = 0; id < backends.size(); ++id) backends[id].state = stateOf(counts[id]);
  snap->backends = std::move(backends);
  VipSlots slots = vipSlots_;
  slots.assign(std::set<pkt::IpAddress>(vips.begin(), vips.end()));
  if (const std::size_t n = slots.uncounted(); n != 0) {
    warnings_.push_back(std::to_string(n) + " VIPs beyond the " + std::to_string(kVipSlots) +
                        " whose traffic is counted: they are served, and their traffic is missing from /metrics");
  }
  snap->vips = lb::VipTable(vips, [&](const pkt::IpAddress& a) { return slots.slotOf(a); });
  vipSlots_ = std::move(slots);
  backendIds_ = std::move(ids);
  counts_ = std::move(counts);
  serviceRefs_ = std::move(serviceRefs);
  return snap;
}

void Compiler::count(std::vector<RefCounts>& counts, const std::vector<BackendRefCount>& refs, int sign) {
  for (const auto& r : refs) {
    if (counts.size() <= r.id) counts.resize(r.id + 1);
    counts[r.id].byState[static_cast<int>(r.state)] += static_cast<uint32_t>(sign);
  }
}

BackendState Compiler::stateOf(const RefCounts& c) {
  if (c.byState[static_cast<int>(BackendState::kActive)] > 0) return BackendState::kActive;
  if (c.byState[static_cast<int>(BackendState::kDraining)] > 0) return BackendState::kDraining;
  return BackendState::kRemoved;
}

}  // namespace portico::dp::snapshot
