#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/common/result.h"
#include "dataplane/l7/l7_settings.h"
#include "dataplane/pkt/headers.h"
#include "dataplane/lb/flow_table.h"
#include "dataplane/pkt/ip_address.h"
#include "dataplane/snapshot/desired_state.h"

namespace portico::dp::config {

struct PortConfig {
  std::string name;
  std::string device;  // a vdev string ("net_af_packet0,iface=veth1") or a PCI address
  std::optional<pkt::MacAddr> mac;  // keep the device's own MAC when absent
  std::optional<uint32_t> ipv4;     // network byte order
  uint8_t ipv4Prefix = 32;
  std::optional<pkt::Ipv6Addr> ipv6;
  uint8_t ipv6Prefix = 128;
  std::optional<uint32_t> gateway4;  // next hop for backends outside the port's subnets
  std::optional<pkt::Ipv6Addr> gateway6;
  std::vector<std::pair<pkt::IpAddress, pkt::MacAddr>> staticNeighbors;  // never resolved by ARP/NDP
  uint16_t rxDescriptors = 1024;
  uint16_t txDescriptors = 1024;
  // MSS clamping (0: none): TCP SYNs crossing the port offer at most this, and the
  // workers' own TCP neither sends nor asks for more on it. For links whose path carries
  // less than 1 500-byte packets (a tunnel, a smaller MTU towards the clients).
  uint16_t mss = 0;
  // The host path: frames for the port's own addresses that no flow claims (BGP, SSH,
  // ping, ...) go to the kernel through this device, and what the kernel sends there
  // leaves through the port. Off when both are empty.
  struct Host {
    std::string interface;  // a TAP interface the dataplane creates, with the port's MAC and addresses
    std::string device;     // or any DPDK device (tests use a ring)
    uint32_t ratePps = 2000;  // frames per second to the kernel, BGP excepted; the rest are dropped
  } host;
  bool hostPath() const { return !host.interface.empty() || !host.device.empty(); }
};

struct AnnounceConfig {
  unsigned count = 3;         // gratuitous ARP / unsolicited NA frames per VIP added
  unsigned intervalMs = 1000;  // between them
  unsigned refreshS = 0;       // every VIP announced again this often; 0: never
};

struct FlowConfig {
  uint32_t capacity = 1'000'000;  // per worker
  lb::FlowTimeouts timeouts;
  uint32_t maglevSize = 65537;
};

// The gRPC API: a Unix socket by default (mode 0600: only root, or whoever runs the
// dataplane, may drive it); TCP only with mutual TLS.
struct ApiConfig {
  std::string socket = "/run/portico/dataplane.sock";  // empty: no Unix socket
  std::string listen;                                   // "address:port" for TCP; needs the TLS files
  std::string certificate, key, clientCa;               // PEM paths
};

// GET /metrics, /healthz and /readyz over plain HTTP; empty: not served.
struct MetricsConfig {
  std::string listen;  // "address:port", e.g. "127.0.0.1:9464"
};

// An active/standby pair of appliances on one segment (arp/l2_pair.h): only the active
// one answers ARP/NDP for the VIPs. Absent: this appliance alone answers for them.
struct PairConfig {
  std::string port;       // the port both appliances share; it needs an ipv4 address
  uint32_t peer = 0;      // the other appliance's address on it, network byte order
  unsigned priority = 100;  // 1..255; the higher is active when both start or both are active
  unsigned intervalMs = 100;  // heartbeats; the peer is dead after three missed
  uint16_t udpPort = 7947;
};

struct DataplaneConfig {
  unsigned mainLcore = 0;
  unsigned mbufs = 0;  // packet buffers in the pool; 0: enough for every queue's descriptors
  std::vector<unsigned> workerLcores;
  std::vector<std::string> ealArgs;
  std::vector<PortConfig> ports;
  snapshot::DesiredState desired;  // static VIPs and services; the control plane adds its own later
  AnnounceConfig announce;
  FlowConfig flows;
  l7::L7Settings l7;
  ApiConfig api;
  MetricsConfig metrics;
  std::optional<PairConfig> pair;
};

// Parses a dataplane.yaml document. `source` names the file in error messages, which
// read "FILE: KEY: problem".
Result<DataplaneConfig> parseConfig(const std::string& text, const std::string& source);
Result<DataplaneConfig> loadConfig(const std::string& path);

}  // namespace portico::dp::config
