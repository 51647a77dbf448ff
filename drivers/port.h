#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/common/result.h"
#include "dataplane/pkt/headers.h"

struct rte_mempool;

namespace portico::drv {

struct PortSpec {
  std::string name;    // the operator's name for the port, used in messages
  std::string device;  // vdev string or PCI address
  uint16_t queues = 1;  // rx and tx queue pairs, one per worker
  uint16_t rxDescriptors = 1024;
  uint16_t txDescriptors = 1024;
  std::optional<dp::pkt::MacAddr> mac;
  rte_mempool* pool = nullptr;
};

struct PortInfo {
  uint16_t portId = 0;
  std::string driver;
  dp::pkt::MacAddr mac{};
  bool rss = false;      // the NIC spreads flows over queues by hash
  bool created = false;  // probed here; false for a port the application made itself
  std::vector<uint8_t> rssKey;  // with rss: the Toeplitz key and redirection table in use
  std::vector<uint16_t> reta;
  uint64_t rssHashFields = 0;   // RTE_ETH_RSS_* the NIC hashes on, as it reports them

  // True when the NIC hashes the ports of TCP and UDP over IPv4 and IPv6, so a reply's
  // queue follows from its 4-tuple.
  bool hashesPorts() const;
};

// Probes (vdev) or finds (PCI) the device, configures one rx/tx queue pair per worker
// with RSS where the PMD has it, sets the MAC if asked, enables promiscuous mode and
// starts it. Every PMD-specific choice lives behind this call.
dp::Result<PortInfo> openPort(const PortSpec& spec);

// Stops the port, and releases it if openPort created it (a port the application made
// stays the application's, ready to be opened again).
void closePort(const PortInfo& port);

}  // namespace portico::drv
