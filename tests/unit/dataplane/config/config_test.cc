#include "dataplane/config/config.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <fstream>

namespace portico::dp::config {
namespace {

const char* kGood = R"(
lcores:
  main: 0
  workers: [1]
eal: [--no-huge, -m, "256", --no-pci, --file-prefix, portico]
ports:
  - name: lab0
    device: net_af_packet0,iface=pd0
    mac: 02:00:5e:00:53:02
    ipv4: 192.0.2.2
    ipv6: 2001:db8::2
vips: [192.0.2.100, 2001:db8::100]
announce: {count: 2, interval_ms: 500}
)";

TEST(Config, ParsesEveryKey) {
  auto cfg = parseConfig(kGood, "dataplane.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->mainLcore, 0u);
  EXPECT_EQ(cfg->workerLcores, std::vector<unsigned>{1});
  EXPECT_EQ(cfg->ealArgs.size(), 6u);
  ASSERT_EQ(cfg->ports.size(), 1u);
  EXPECT_EQ(cfg->ports[0].device, "net_af_packet0,iface=pd0");
  EXPECT_EQ(pkt::formatMac(*cfg->ports[0].mac), "02:00:5e:00:53:02");
  EXPECT_EQ(pkt::IpAddress::fromV4(*cfg->ports[0].ipv4).toString(), "192.0.2.2");
  EXPECT_EQ(pkt::IpAddress::fromV6(*cfg->ports[0].ipv6).toString(), "2001:db8::2");
  ASSERT_EQ(cfg->desired.vips.size(), 2u);
  EXPECT_EQ(cfg->desired.vips[1].toString(), "2001:db8::100");
  EXPECT_EQ(cfg->announce.count, 2u);
  EXPECT_EQ(cfg->announce.intervalMs, 500u);
}

TEST(Config, MetricsListenTakesIpv4AndBracketedIpv6) {
  const std::string base = "lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n";
  auto cfg = parseConfig(base, "f.yaml");
  ASSERT_TRUE(cfg.ok());
  EXPECT_TRUE(cfg->metrics.listen.empty()) << "not served unless asked for";
  cfg = parseConfig(base + "metrics: {listen: \"10.0.0.5:9464\"}", "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->metrics.listen, "10.0.0.5:9464");
  cfg = parseConfig(base + "metrics: {listen: \"[2001:db8::5]:9464\"}", "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  cfg = parseConfig(base + "metrics: {listen: \"2001:db8::5:9464\"}", "f.yaml");
  EXPECT_FALSE(cfg.ok()) << "an IPv6 address takes brackets";
}

TEST(Config, HealthEndpoint) {
  const std::string base = "lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n";
  auto cfg = parseConfig(base, "f.yaml");
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->l7.healthPort, 0u) << "none unless asked for";
  cfg = parseConfig(base + "health: {port: 8081}", "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->l7.healthPort, 8081u);
  EXPECT_EQ(cfg->l7.healthPath, "/healthz");
  cfg = parseConfig(base + "health: {port: 8081, path: /ready}", "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->l7.healthPath, "/ready");
  cfg = parseConfig(base + "health: {port: 8081, path: ready}", "f.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().toString(), "f.yaml: health.path: must start with /");
  cfg = parseConfig(base + "health: {path: /ready}", "f.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().toString().find("health.port"), std::string::npos);
}

TEST(Config, PortMssClamp) {
  auto cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}, {name: b, device: net_null1, mss: 1400}]",
                         "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->ports[0].mss, 0u) << "no clamp unless asked for";
  EXPECT_EQ(cfg->ports[1].mss, 1400u);
  cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0, mss: 100}]", "f.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().toString(), "f.yaml: ports[0].mss: 100 is out of range [536, 9000]");
}

TEST(Config, ShippedDefaultParses) {
  auto cfg = loadConfig(PORTICO_SOURCE_ROOT "/configs/dataplane.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_FALSE(cfg->desired.vips.empty());
  ASSERT_EQ(cfg->desired.services.size(), 1u);
  EXPECT_EQ(cfg->desired.services[0].backends.size(), 3u);
}

TEST(Config, ServicesFlowsAndNeighbors) {
  auto cfg = parseConfig(R"(
lcores: {workers: [1]}
mbufs: 32768
ports:
  - name: b
    device: net_null0
    ipv4: 198.51.100.2/24
    ipv6: 2001:db8:1::2/64
    gateway4: 198.51.100.1
    neighbors: {198.51.100.1: "02:00:00:00:00:01"}
services:
  - name: dns
    vip: 192.0.2.53
    port: 53
    protocol: udp
    backends:
      - {address: 198.51.100.11, port: 5353, weight: 3}
      - {address: 198.51.100.12, port: 5353, state: draining}
flows:
  capacity: 2048
  maglev_table_size: 251
  timeouts: {udp_ms: 1000}
)",
                         "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->mbufs, 32768u);
  const auto& port = cfg->ports[0];
  EXPECT_EQ(port.ipv4Prefix, 24);
  EXPECT_EQ(port.ipv6Prefix, 64);
  EXPECT_EQ(pkt::IpAddress::fromV4(*port.gateway4).toString(), "198.51.100.1");
  ASSERT_EQ(port.staticNeighbors.size(), 1u);
  EXPECT_EQ(pkt::formatMac(port.staticNeighbors[0].second), "02:00:00:00:00:01");
  const auto& svc = cfg->desired.services[0];
  EXPECT_EQ(svc.proto, 17);
  EXPECT_EQ(svc.port, 53);
  EXPECT_EQ(svc.backends[0].weight, 3u);
  EXPECT_EQ(svc.backends[1].state, snapshot::BackendState::kDraining);
  EXPECT_EQ(cfg->flows.capacity, 2048u);
  EXPECT_EQ(cfg->flows.maglevSize, 251u);
  EXPECT_EQ(cfg->flows.timeouts.udpMs, 1000u);
  EXPECT_EQ(cfg->flows.timeouts.establishedMs, 900000u);
}

struct Bad {
  std::string yaml;
  std::string message;  // the whole one-line error
};

TEST(Config, ErrorsNameFileKeyAndProblem) {
  const std::vector<Bad> cases = {
      {"", "f.yaml: the file is empty"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nvips: [192.0.2.300]",
       "f.yaml: vips[0]: '192.0.2.300' is not an IPv4 or IPv6 address"},
      {"lcores: {workers: []}\nports: [{name: a, device: net_null0}]",
       "f.yaml: lcores.workers: must list at least one worker lcore"},
      {"lcores: {workers: [1, 1]}\nports: [{name: a, device: net_null0}]",
       "f.yaml: lcores.workers[1]: lcore 1 is listed twice"},
      {"lcores: {workers: [x]}\nports: [{name: a, device: net_null0}]",
       "f.yaml: lcores.workers[0]: 'x' is not an integer"},
      {"lcores: {workers: [1]}", "f.yaml: ports: must list at least one port"},
      {"lcores: {workers: [1]}\nports: [{name: a}]",
       "f.yaml: ports[0].device: is required (a vdev string or a PCI address)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, ipv4: 2001:db8::1}]",
       "f.yaml: ports[0].ipv4: '2001:db8::1' is not an IPv4 address"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, mac: 01:00:5e:00:00:01}]",
       "f.yaml: ports[0].mac: '01:00:5e:00:00:01' is a multicast address"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, mac: zz}]",
       "f.yaml: ports[0].mac: 'zz' is not a MAC address like 02:00:00:00:00:01"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, rx_descriptors: 8}]",
       "f.yaml: ports[0].rx_descriptors: 8 is out of range [64, 32768]"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}, {name: a, device: net_null1}]",
       "f.yaml: ports[1].name: port name 'a' is used twice"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nvip: [192.0.2.1]", "f.yaml: vip: unknown key"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, iface: x}]", "f.yaml: ports[0].iface: unknown key"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nmetrics: {listen: localhost:9464}",
       "f.yaml: metrics.listen: \"localhost:9464\" is not address:port (an IP literal, [v6]:port for IPv6)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nmetrics: {listen: \"127.0.0.1:0\"}",
       "f.yaml: metrics.listen: \"127.0.0.1:0\" is not address:port (an IP literal, [v6]:port for IPv6)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nmetrics: {port: 9464}", "f.yaml: metrics.port: unknown key"},
      {"lcores: {workers: [1]\nports: x", "f.yaml: line 2, column 1: end of map flow not found"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, ipv4: 192.0.2.2/33}]",
       "f.yaml: ports[0].ipv4: '192.0.2.2/33' has a bad prefix length (0 to 32)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nservices: [{name: s, vip: 192.0.2.1, port: 80, protocol: sctp}]",
       "f.yaml: services[0].protocol: 'sctp' is not tcp or udp"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nservices: [{name: s, vip: 192.0.2.1, port: 80, backends: [{address: '2001:db8::1', port: 80}]}]",
       "f.yaml: services[0].backends[0].address: '2001:db8::1' is not an IPv4 address"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nservices: [{name: s, vip: 192.0.2.1, port: 80, backends: [{address: 192.0.2.9, port: 80, state: gone}]}]",
       "f.yaml: services[0].backends[0].state: 'gone' is not a backend state (active, draining, removed)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nflows: {maglev_table_size: 65536}",
       "f.yaml: flows.maglev_table_size: 65536 is not a prime (try 65537)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, gateway4: 192.0.2.1}]",
       "f.yaml: ports[0].gateway4: needs the port's own ipv4 address"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, host: {interface: t0, device: net_ring_x}}]",
       "f.yaml: ports[0].host: needs exactly one of interface (a TAP the dataplane creates) and device"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, host: {rate_pps: 10}}]",
       "f.yaml: ports[0].host: needs exactly one of interface (a TAP the dataplane creates) and device"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, host: {interface: a-very-long-name0}}]",
       "f.yaml: ports[0].host.interface: is longer than 15 characters"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, host: {interface: t0, rate_pps: 0}}]",
       "f.yaml: ports[0].host.rate_pps: 0 is out of range [1, 10000000]"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0, host: {iface: t0}}]",
       "f.yaml: ports[0].host.iface: unknown key"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nl7: {trusted_peers: [203.0.113.1/24]}",
       "f.yaml: l7.trusted_peers[0]: '203.0.113.1/24' is not an address or prefix (192.0.2.0/24, 2001:db8::/32)"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nl7: {trusted_peers: 203.0.113.1}",
       "f.yaml: l7.trusted_peers: must be a list of addresses or prefixes"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nl7: {head_timeout_ms: 5}",
       "f.yaml: l7.head_timeout_ms: 5 is out of range [100, 600000]"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nl7: {tls: {ticket_key_rotation_s: 10}}",
       "f.yaml: l7.tls.ticket_key_rotation_s: 10 is out of range [60, 604800]"},
      {"lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nl7: {tls: {ticket_keys: /a}}",
       "f.yaml: l7.tls.ticket_keys: unknown key"},
  };
  for (const auto& c : cases) {
    auto cfg = parseConfig(c.yaml, "f.yaml");
    ASSERT_FALSE(cfg.ok()) << c.yaml;
    EXPECT_EQ(cfg.error().toString(), c.message) << c.yaml;
  }
}

TEST(Config, L2Pair) {
  const std::string base = "lcores: {workers: [1]}\nports: [{name: a, device: net_null0, ipv4: 192.0.2.2/24}, "
                           "{name: b, device: net_null1}]\n";
  auto cfg = parseConfig(base, "f.yaml");
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(cfg->pair) << "alone unless asked for";
  cfg = parseConfig(base + "pair: {port: a, peer: 192.0.2.3, priority: 200}\n", "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->pair->port, "a");
  EXPECT_EQ(cfg->pair->peer, htonl(0xc0000203));
  EXPECT_EQ(cfg->pair->priority, 200u);
  EXPECT_EQ(cfg->pair->intervalMs, 100u);
  EXPECT_EQ(cfg->pair->udpPort, 7947u);
  const auto error = [&](const std::string& pair) {
    auto c = parseConfig(base + "pair: " + pair + "\n", "f.yaml");
    return c.ok() ? std::string("ok") : c.error().toString();
  };
  EXPECT_EQ(error("{peer: 192.0.2.3}"), "f.yaml: pair.port: is required (the port both appliances share)");
  EXPECT_EQ(error("{port: c, peer: 192.0.2.3}"), "f.yaml: pair.port: names no port: \"c\"");
  EXPECT_EQ(error("{port: b, peer: 192.0.2.3}"),
            "f.yaml: pair.port: port b needs an ipv4 address: heartbeats are sent from it");
  EXPECT_EQ(error("{port: a}"), "f.yaml: pair.peer: is required (the other appliance's address on that port)");
  EXPECT_EQ(error("{port: a, peer: 192.0.2.2}"), "f.yaml: pair.peer: is this appliance's own address on port a");
  EXPECT_EQ(error("{port: a, peer: 2001:db8::3}"), "f.yaml: pair.peer: '2001:db8::3' is not an IPv4 address");
  EXPECT_EQ(error("{port: a, peer: 192.0.2.3, priority: 0}"), "f.yaml: pair.priority: 0 is out of range [1, 255]");
  EXPECT_EQ(error("{port: a, peer: 192.0.2.3, interval_ms: 5}"), "f.yaml: pair.interval_ms: 5 is out of range [10, 10000]");
  EXPECT_NE(error("{port: a, peer: 192.0.2.3, vrid: 1}").find("pair.vrid"), std::string::npos);
}

TEST(Config, AnnounceRefresh) {
  auto cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n"
                         "announce: {count: 1, refresh_s: 60}\n", "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->announce.refreshS, 60u);
  auto bad = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nannounce: {refresh_s: -1}\n", "f.yaml");
  EXPECT_FALSE(bad.ok());
}

TEST(Config, HostPath) {
  auto cfg = parseConfig("lcores: {workers: [1]}\nports:\n  - {name: a, device: net_null0, host: {interface: pa}}\n"
                         "  - {name: b, device: net_null1, host: {device: net_ring_h, rate_pps: 50}}\n"
                         "  - {name: c, device: net_null2}\n",
                         "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->ports[0].host.interface, "pa");
  EXPECT_EQ(cfg->ports[0].host.ratePps, 2000u);
  EXPECT_EQ(cfg->ports[1].host.device, "net_ring_h");
  EXPECT_EQ(cfg->ports[1].host.ratePps, 50u);
  EXPECT_TRUE(cfg->ports[0].hostPath());
  EXPECT_FALSE(cfg->ports[2].hostPath());
}

TEST(Config, L7HeadLimits) {
  auto cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n"
                         "l7: {buffers: 64, head_timeout_ms: 3000, trusted_peers: [203.0.113.0/28, '2001:db8:f5::/48']}\n",
                         "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->l7.headTimeoutMs, 3000u);
  EXPECT_EQ(cfg->l7.sourceShare(), 16u) << "an eighth of 64 is below the floor of 16";
  ASSERT_EQ(cfg->l7.trustedPeers.size(), 2u);
  EXPECT_EQ(cfg->l7.trustedPeers[1].length, 48u);
  cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\nl7: {buffers_per_source: 5}\n",
                    "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->l7.sourceShare(), 5u);
  cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n", "f.yaml");
  EXPECT_EQ(cfg->l7.sourceShare(), 128u) << "an eighth of the default 1 024";
}

TEST(Config, L7Tls) {
  auto cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n"
                         "l7: {tls: {ticket_key_file: /etc/portico/ticket.seed, ticket_key_rotation_s: 600, "
                         "handshake_budget_us: 200}}\n",
                         "f.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().toString();
  EXPECT_EQ(cfg->l7.tls.ticketKeyFile, "/etc/portico/ticket.seed");
  EXPECT_EQ(cfg->l7.tls.ticketKeyRotationS, 600u);
  EXPECT_EQ(cfg->l7.tls.handshakeBudgetUs, 200u);
  cfg = parseConfig("lcores: {workers: [1]}\nports: [{name: a, device: net_null0}]\n", "f.yaml");
  EXPECT_TRUE(cfg->l7.tls.ticketKeyFile.empty()) << "a random seed at start";
  EXPECT_EQ(cfg->l7.tls.ticketKeyRotationS, 3600u);
  EXPECT_EQ(cfg->l7.tls.handshakeBudgetUs, 500u);
}

TEST(Config, MissingFile) {
  auto cfg = loadConfig("/nonexistent/dataplane.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().toString(), "/nonexistent/dataplane.yaml: cannot be read");
}

}  // namespace
}  // namespace portico::dp::config
