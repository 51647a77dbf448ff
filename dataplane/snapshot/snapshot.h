#pragma once

#include <algorithm>
#include <memory>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "dataplane/lb/maglev.h"
#include "dataplane/lb/vip_table.h"
#include "dataplane/snapshot/desired_state.h"
#include "dataplane/snapshot/l7_tables.h"

namespace portico::dp::snapshot {

struct BackendEntry {
  pkt::IpAddress address;
  uint16_t portBe = 0;  // network byte order
  BackendState state = BackendState::kRemoved;
  uint8_t egressPort = 0;  // index of the port that reaches it
  uint32_t neighborSlot = 0;
};

struct ServiceEntry {
  pkt::Ipv6Addr vip{};  // v4-mapped for IPv4
  uint16_t portBe = 0;
  uint8_t proto = 0;
  uint8_t family = 0;
  uint16_t id = 0;
  std::string name;
  lb::MaglevTable maglev;
  std::vector<uint32_t> backendIds;  // Maglev index -> backend id

  auto key() const { return std::tie(vip, portBe, proto); }
};

// Everything workers read to decide a packet, immutable once published; workers never
// see a half-built one. Flows keep backend ids, so an old snapshot can always be freed.
struct Snapshot {
  uint64_t version = 0;
  lb::VipTable vips;
  std::vector<ServiceEntry> services;  // sorted by (vip, port, proto)
  std::vector<BackendEntry> backends;  // indexed by backend id; absent ids are kRemoved
  std::vector<L7Port> l7Ports;         // sorted by (vip, port)
  std::shared_ptr<ScratchSet> scratch; // Hyperscan scratch per worker, for this snapshot's databases

  const ServiceEntry* findService(const pkt::Ipv6Addr& vip, uint16_t portBe, uint8_t proto) const {
    const auto want = std::tie(vip, portBe, proto);
    const auto it = std::lower_bound(services.begin(), services.end(), want,
                                     [](const ServiceEntry& s, const auto& k) { return s.key() < k; });
    return it != services.end() && it->key() == want ? &*it : nullptr;
  }

  const L7Port* findL7Port(const pkt::Ipv6Addr& vip, uint16_t portBe) const {
    if (l7Ports.empty()) return nullptr;
    const auto want = std::tie(vip, portBe);
    const auto it = std::lower_bound(l7Ports.begin(), l7Ports.end(), want,
                                     [](const L7Port& s, const auto& k) { return s.key() < k; });
    return it != l7Ports.end() && it->key() == want ? &*it : nullptr;
  }

  const BackendEntry* backend(uint32_t id) const { return id < backends.size() ? &backends[id] : nullptr; }
};

}  // namespace portico::dp::snapshot
