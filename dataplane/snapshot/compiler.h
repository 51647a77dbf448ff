#pragma once

#include <map>
#include <memory>
#include <span>
#include <utility>

#include "dataplane/arp/neighbor_cache.h"
#include "dataplane/arp/port_addresses.h"
#include "dataplane/common/result.h"
#include "dataplane/snapshot/snapshot.h"
#include "dataplane/snapshot/state_delta.h"
#include "dataplane/snapshot/vip_slots.h"

namespace portico::dp::snapshot {

// A port as the compiler needs it: its addresses with prefix lengths and gateways.
struct PortRoute {
  arp::PortAddresses addresses;
  uint8_t ipv4Prefix = 32;
  uint8_t ipv6Prefix = 128;
  std::optional<uint32_t> gateway4;
  std::optional<pkt::Ipv6Addr> gateway6;
};

// Turns a desired state into a snapshot (control path). Keeps what must outlive one
// snapshot: backend ids (stable for a backend's address and port, so open flows find
// their backend in every later snapshot), how many hosts and services refer to each
// backend in which state, and the neighbour slots of next hops.
class Compiler {
 public:
  Compiler(std::vector<PortRoute> ports, arp::NeighborCache& neighbors, uint32_t maglevSize, unsigned workers = 1)
      : ports_(std::move(ports)), neighbors_(neighbors), maglevSize_(maglevSize), workers_(workers) {}

  // The error names the service and backend that cannot be served; nothing is changed
  // then, so the last good snapshot keeps serving.
  Result<std::unique_ptr<Snapshot>> compile(const DesiredState& desired, uint64_t version);
  // `base` (the last snapshot this compiler made) with some virtual hosts changed: only
  // those are compiled, every other host, listener matcher and service is shared or
  // copied. The error names the host; nothing is changed then.
  Result<std::unique_ptr<Snapshot>> applyDelta(const Snapshot& base, const std::vector<VirtualHostChange>& changes,
                                               uint64_t version);
  // Every VIP gets the health endpoint on this port (l7/health.h), unless a listener or
  // service of the VIP takes the port; 0: none.
  void serveHealth(uint16_t port) { healthPort_ = port; }
  // What the last compile left out without failing (unreachable L7 endpoints).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  using BackendIds = std::map<std::pair<pkt::IpAddress, uint16_t>, uint32_t>;
  // References to one backend, by the state they ask for: the most available one wins.
  struct RefCounts {
    uint32_t byState[3] = {0, 0, 0};  // indexed by BackendState
  };

  // The port and next hop that reach an address, if any.
  std::optional<std::pair<uint8_t, pkt::IpAddress>> route(const pkt::IpAddress& to) const;
  // The backend's id, its entry filled in; the error says why it cannot be reached.
  // The reference goes to `refs`; the entry's state is settled from all references.
  Result<uint32_t> addBackend(const BackendSpec& b, const std::string& where, BackendIds& ids,
                              std::vector<BackendEntry>& backends, std::vector<BackendRefCount>& refs);
  // Endpoints as a Maglev-balanced set (removed ones left out, draining ones weight 0),
  // in a table of `tableSize` slots (0: the configured size).
  Result<BackendSet> backendSet(const std::vector<BackendSpec>& endpoints, uint8_t family, const std::string& where,
                                BackendIds& ids, std::vector<BackendEntry>& backends, std::vector<BackendRefCount>& refs,
                                uint32_t tableSize = 0);
  // The L7 listener ports (l7_compiler.cc).
  Status compileL7(const DesiredState& desired, Snapshot& snap, BackendIds& ids, std::vector<BackendEntry>& backends);
  // The endpoints this dataplane can reach (a port's subnet or gateway, the VIP's family);
  // each other one is left out with a warning naming `where`, as if it were not ready:
  // one bad endpoint from a cluster must not keep everything else from serving.
  std::vector<BackendSpec> reachable(const std::vector<BackendSpec>& endpoints, uint8_t family, const std::string& where);
  Result<uint32_t> l7BackendSet(const L7BackendSpec& bs, uint8_t family, const std::string& rwhere, BackendIds& ids,
                                std::vector<BackendEntry>& backends, VirtualHost& vhost);
  Result<std::shared_ptr<const VirtualHost>> compileVirtualHost(const VirtualHostSpec& spec, uint8_t family,
                                                                const std::string& where, BackendIds& ids,
                                                                std::vector<BackendEntry>& backends);
  // Hyperscan scratch for the workers: `dbs` must fit it. A base whose scratch already
  // fits them is shared.
  Result<std::shared_ptr<ScratchSet>> scratchFor(const std::vector<const hs_database*>& dbs,
                                                 const std::shared_ptr<ScratchSet>& base);
  static void count(std::vector<RefCounts>& counts, const std::vector<BackendRefCount>& refs, int sign);
  static BackendState stateOf(const RefCounts& c);

  std::vector<PortRoute> ports_;
  arp::NeighborCache& neighbors_;
  uint32_t maglevSize_;
  unsigned workers_;
  BackendIds backendIds_;
  VipSlots vipSlots_;  // kept across snapshots, so a VIP's counters stay in one place
  std::vector<RefCounts> counts_;           // by backend id, for the last snapshot made
  std::vector<BackendRefCount> serviceRefs_; // the L4 services' share of counts_
  std::vector<std::string> warnings_;
  uint16_t healthPort_ = 0;
};

}  // namespace portico::dp::snapshot
