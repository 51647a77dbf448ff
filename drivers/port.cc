#include "drivers/port.h"

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include <cstring>

#include "drivers/pmd_quirks.h"

namespace portico::drv {

namespace {

dp::Error portError(const PortSpec& spec, const std::string& what) {
  return dp::Error{"port " + spec.name + " (" + spec.device + ")", what};
}

std::string errnoText(int rc) { return rte_strerror(rc < 0 ? -rc : rc); }

// The key and redirection table the NIC hashes with, so SNAT ports can be chosen whose
// replies land on the right queue. Left empty where the PMD will not tell.
void readRss(uint16_t portId, const rte_eth_dev_info& info, PortInfo& out) {
  std::vector<uint8_t> key(info.hash_key_size > 0 ? info.hash_key_size : 40);
  rte_eth_rss_conf conf{};
  conf.rss_key = key.data();
  conf.rss_key_len = static_cast<uint8_t>(key.size());
  if (rte_eth_dev_rss_hash_conf_get(portId, &conf) != 0) return;
  out.rssHashFields = conf.rss_hf;
  const uint16_t size = info.reta_size;
  if (size == 0) return;
  std::vector<rte_eth_rss_reta_entry64> groups((size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
  for (auto& g : groups) g.mask = ~0ull;
  if (rte_eth_dev_rss_reta_query(portId, groups.data(), size) != 0) return;
  out.rssKey = std::move(key);
  out.reta.resize(size);
  for (uint16_t i = 0; i < size; ++i) {
    out.reta[i] = groups[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
  }
}

}  // namespace

dp::Result<PortInfo> openPort(const PortSpec& spec) {
  uint16_t portId = 0;
  // A virtual device is created here unless the application already made it (a ring
  // port built from its own rings, say).
  const bool exists = rte_eth_dev_get_port_by_name(deviceName(spec.device).c_str(), &portId) == 0;
  if (!exists && isVirtualDevice(spec.device)) {
    const std::string devargs = withQueueCount(spec.device, spec.queues);
    if (const int rc = rte_dev_probe(devargs.c_str()); rc < 0) {
      return portError(spec, "cannot create the virtual device: " + errnoText(rc));
    }
  }
  if (!exists && rte_eth_dev_get_port_by_name(deviceName(spec.device).c_str(), &portId) != 0) {
    return portError(spec, isVirtualDevice(spec.device)
                               ? "the device did not register a port"
                               : "no such PCI device bound to a DPDK driver (see dpdk-devbind.py --status)");
  }

  rte_eth_dev_info info{};
  if (const int rc = rte_eth_dev_info_get(portId, &info); rc != 0) {
    return portError(spec, "cannot read device info: " + errnoText(rc));
  }
  if (info.max_rx_queues < spec.queues || info.max_tx_queues < spec.queues) {
    return portError(spec, "driver " + std::string(info.driver_name) + " offers " +
                               std::to_string(info.max_rx_queues) + " rx queues, " + std::to_string(spec.queues) +
                               " workers need one each");
  }

  rte_eth_conf conf{};
  const uint64_t rssWanted = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
  const bool rss = spec.queues > 1 && (info.flow_type_rss_offloads & rssWanted) != 0;
  if (rss) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & rssWanted;
  }
  if (const int rc = rte_eth_dev_configure(portId, spec.queues, spec.queues, &conf); rc != 0) {
    return portError(spec, "configure failed: " + errnoText(rc));
  }
  uint16_t rxd = spec.rxDescriptors;
  uint16_t txd = spec.txDescriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(portId, &rxd, &txd);
  const int socket = rte_eth_dev_socket_id(portId) < 0 ? 0 : rte_eth_dev_socket_id(portId);
  for (uint16_t q = 0; q < spec.queues; ++q) {
    if (const int rc = rte_eth_rx_queue_setup(portId, q, rxd, socket, nullptr, spec.pool); rc != 0) {
      return portError(spec, "rx queue " + std::to_string(q) + " setup failed: " + errnoText(rc));
    }
    if (const int rc = rte_eth_tx_queue_setup(portId, q, txd, socket, nullptr); rc != 0) {
      return portError(spec, "tx queue " + std::to_string(q) + " setup failed: " + errnoText(rc));
    }
  }
  if (spec.mac) {
    rte_ether_addr addr;
    std::memcpy(addr.addr_bytes, spec.mac->data(), 6);
    // Ring and null ports have no MAC filter to program: the configured MAC is used in
    // software only, which promiscuous mode below makes sufficient.
    if (const int rc = rte_eth_dev_default_mac_addr_set(portId, &addr); rc != 0 && rc != -ENOTSUP) {
      return portError(spec, "driver " + std::string(info.driver_name) + " cannot set the MAC: " + errnoText(rc));
    }
  }
  if (const int rc = rte_eth_dev_start(portId); rc != 0) {
    return portError(spec, "start failed: " + errnoText(rc));
  }
  // VIPs are extra addresses on the link: the port must accept frames for its MAC, for
  // broadcast and for solicited-node multicast groups it never joined.
  if (rte_eth_promiscuous_enable(portId) != 0) rte_eth_allmulticast_enable(portId);

  PortInfo out;
  out.portId = portId;
  out.created = !exists;
  if (rss) readRss(portId, info, out);
  out.driver = info.driver_name;
  out.rss = rss;
  if (spec.mac) {
    out.mac = *spec.mac;
  } else {
    rte_ether_addr mac{};
    rte_eth_macaddr_get(portId, &mac);
    std::memcpy(out.mac.data(), mac.addr_bytes, 6);
  }
  return out;
}

bool PortInfo::hashesPorts() const {
  constexpr uint64_t kAll = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
                            RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP;
  return (rssHashFields & kAll) == kAll;
}

void closePort(const PortInfo& port) {
  rte_eth_dev_stop(port.portId);
  if (port.created) rte_eth_dev_close(port.portId);
}

}  // namespace portico::drv
