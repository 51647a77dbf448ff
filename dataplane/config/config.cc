#include "dataplane/config/config.h"

#include "common/listen_address.h"
#include "dataplane/lb/maglev.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace portico::dp::config {

namespace {

// Thrown only inside this file and caught at its edge: it lets the readers below stay
// straight-line while every problem still ends as one Error naming the key.
struct KeyError {
  std::string key;
  std::string what;
};

void rejectUnknownKeys(const YAML::Node& map, const std::string& key, const std::set<std::string>& known) {
  if (!map.IsMap()) throw KeyError{key, "must be a mapping"};
  for (const auto& kv : map) {
    const auto name = kv.first.as<std::string>();
    if (!known.count(name)) throw KeyError{key.empty() ? name : key + "." + name, "unknown key"};
  }
}

template <typename T>
T scalar(const YAML::Node& node, const std::string& key, const char* expected) {
  if (!node.IsScalar()) throw KeyError{key, std::string("must be ") + expected};
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw KeyError{key, "'" + node.Scalar() + "' is not " + expected};
  }
}

unsigned boundedUnsigned(const YAML::Node& node, const std::string& key, unsigned lo, unsigned hi) {
  const auto v = scalar<long long>(node, key, "an integer");
  if (v < lo || v > hi) {
    throw KeyError{key, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
  }
  return static_cast<unsigned>(v);
}

pkt::IpAddress address(const YAML::Node& node, const std::string& key, int family) {
  const auto text = scalar<std::string>(node, key, "an address");
  const auto a = pkt::IpAddress::parse(text);
  if (!a || (family != 0 && a->family != family)) {
    const char* kind = family == 4 ? "an IPv4 address" : family == 6 ? "an IPv6 address" : "an IPv4 or IPv6 address";
    throw KeyError{key, "'" + text + "' is not " + kind};
  }
  return *a;
}

// "192.0.2.2" or "192.0.2.2/24"; the prefix says which backends are on the port's link.
pkt::IpAddress addressWithPrefix(const YAML::Node& node, const std::string& key, int family, uint8_t& prefix) {
  const auto text = scalar<std::string>(node, key, "an address");
  const auto slash = text.find('/');
  YAML::Node bare(text.substr(0, slash));
  const pkt::IpAddress a = address(bare, key, family);
  const unsigned maxLen = family == 4 ? 32 : 128;
  prefix = static_cast<uint8_t>(maxLen);
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    char* end = nullptr;
    const unsigned long v = std::strtoul(len.c_str(), &end, 10);
    if (len.empty() || *end != '\0' || v > maxLen) {
      throw KeyError{key, "'" + text + "' has a bad prefix length (0 to " + std::to_string(maxLen) + ")"};
    }
    prefix = static_cast<uint8_t>(v);
  }
  return a;
}

PortConfig readPort(const YAML::Node& node, const std::string& key) {
  rejectUnknownKeys(node, key, {"name", "device", "mac", "ipv4", "ipv6", "gateway4", "gateway6", "neighbors",
                                "rx_descriptors", "tx_descriptors", "host", "mss"});
  PortConfig port;
  if (!node["name"]) throw KeyError{key + ".name", "is required"};
  port.name = scalar<std::string>(node["name"], key + ".name", "a string");
  if (!node["device"]) throw KeyError{key + ".device", "is required (a vdev string or a PCI address)"};
  port.device = scalar<std::string>(node["device"], key + ".device", "a string");
  if (port.device.empty()) throw KeyError{key + ".device", "must not be empty"};
  if (node["mac"]) {
    const auto text = scalar<std::string>(node["mac"], key + ".mac", "a MAC address");
    port.mac = pkt::parseMac(text);
    if (!port.mac) throw KeyError{key + ".mac", "'" + text + "' is not a MAC address like 02:00:00:00:00:01"};
    if (pkt::isMulticastMac(*port.mac)) throw KeyError{key + ".mac", "'" + text + "' is a multicast address"};
  }
  if (node["ipv4"]) port.ipv4 = addressWithPrefix(node["ipv4"], key + ".ipv4", 4, port.ipv4Prefix).v4;
  if (node["ipv6"]) port.ipv6 = addressWithPrefix(node["ipv6"], key + ".ipv6", 6, port.ipv6Prefix).v6;
  if (node["gateway4"]) port.gateway4 = address(node["gateway4"], key + ".gateway4", 4).v4;
  if (node["gateway6"]) port.gateway6 = address(node["gateway6"], key + ".gateway6", 6).v6;
  if (port.gateway4 && !port.ipv4) throw KeyError{key + ".gateway4", "needs the port's own ipv4 address"};
  if (port.gateway6 && !port.ipv6) throw KeyError{key + ".gateway6", "needs the port's own ipv6 address"};
  if (const auto neighbors = node["neighbors"]) {
    if (!neighbors.IsMap()) throw KeyError{key + ".neighbors", "must map addresses to MACs"};
    for (const auto& kv : neighbors) {
      const std::string nkey = key + ".neighbors." + kv.first.as<std::string>();
      const pkt::IpAddress addr = address(kv.first, nkey, 0);
      const auto text = scalar<std::string>(kv.second, nkey, "a MAC address");
      const auto mac = pkt::parseMac(text);
      if (!mac) throw KeyError{nkey, "'" + text + "' is not a MAC address like 02:00:00:00:00:01"};
      port.staticNeighbors.emplace_back(addr, *mac);
    }
  }
  if (node["rx_descriptors"]) port.rxDescriptors = boundedUnsigned(node["rx_descriptors"], key + ".rx_descriptors", 64, 32768);
  if (node["tx_descriptors"]) port.txDescriptors = boundedUnsigned(node["tx_descriptors"], key + ".tx_descriptors", 64, 32768);
  // 536 is IPv4's least (576-byte datagrams); 9 000 covers jumbo frames.
  if (node["mss"]) port.mss = static_cast<uint16_t>(boundedUnsigned(node["mss"], key + ".mss", 536, 9000));
  if (const auto host = node["host"]) {
    const std::string hkey = key + ".host";
    if (!host.IsMap()) throw KeyError{hkey, "must be a map (interface or device, rate_pps)"};
    rejectUnknownKeys(host, hkey, {"interface", "device", "rate_pps"});
    if (host["interface"]) port.host.interface = scalar<std::string>(host["interface"], hkey + ".interface", "a name");
    if (host["device"]) port.host.device = scalar<std::string>(host["device"], hkey + ".device", "a DPDK device");
    if (port.host.interface.size() > 15) throw KeyError{hkey + ".interface", "is longer than 15 characters"};
    if (port.host.interface.empty() == port.host.device.empty()) {
      throw KeyError{hkey, "needs exactly one of interface (a TAP the dataplane creates) and device"};
    }
    if (host["rate_pps"]) port.host.ratePps = boundedUnsigned(host["rate_pps"], hkey + ".rate_pps", 1, 10'000'000);
  }
  return port;
}

snapshot::BackendState backendState(const YAML::Node& node, const std::string& key) {
  const auto text = scalar<std::string>(node, key, "a state");
  if (text == "active") return snapshot::BackendState::kActive;
  if (text == "draining") return snapshot::BackendState::kDraining;
  if (text == "removed") return snapshot::BackendState::kRemoved;
  throw KeyError{key, "'" + text + "' is not a backend state (active, draining, removed)"};
}

snapshot::ServiceSpec readService(const YAML::Node& node, const std::string& key) {
  rejectUnknownKeys(node, key, {"name", "vip", "port", "protocol", "backends"});
  snapshot::ServiceSpec svc;
  if (!node["name"]) throw KeyError{key + ".name", "is required"};
  svc.name = scalar<std::string>(node["name"], key + ".name", "a string");
  if (!node["vip"]) throw KeyError{key + ".vip", "is required"};
  svc.vip = address(node["vip"], key + ".vip", 0);
  if (!node["port"]) throw KeyError{key + ".port", "is required"};
  svc.port = static_cast<uint16_t>(boundedUnsigned(node["port"], key + ".port", 1, 65535));
  if (node["protocol"]) {
    const auto proto = scalar<std::string>(node["protocol"], key + ".protocol", "tcp or udp");
    if (proto != "tcp" && proto != "udp") throw KeyError{key + ".protocol", "'" + proto + "' is not tcp or udp"};
    svc.proto = proto == "tcp" ? 6 : 17;
  }
  const auto backends = node["backends"];
  if (backends && !backends.IsSequence()) throw KeyError{key + ".backends", "must be a list"};
  for (std::size_t i = 0; backends && i < backends.size(); ++i) {
    const std::string bkey = key + ".backends[" + std::to_string(i) + "]";
    rejectUnknownKeys(backends[i], bkey, {"address", "port", "weight", "state"});
    snapshot::BackendSpec b;
    if (!backends[i]["address"]) throw KeyError{bkey + ".address", "is required"};
    b.address = address(backends[i]["address"], bkey + ".address", svc.vip.family);
    if (!backends[i]["port"]) throw KeyError{bkey + ".port", "is required"};
    b.port = static_cast<uint16_t>(boundedUnsigned(backends[i]["port"], bkey + ".port", 1, 65535));
    if (backends[i]["weight"]) b.weight = boundedUnsigned(backends[i]["weight"], bkey + ".weight", 0, 1000000);
    if (backends[i]["state"]) b.state = backendState(backends[i]["state"], bkey + ".state");
    svc.backends.push_back(b);
  }
  return svc;
}

void readL7(const YAML::Node& node, l7::L7Settings& l7) {
  rejectUnknownKeys(node, "l7", {"connections", "buffers", "max_head_bytes", "retransmit_ms", "retries", "head_timeout_ms",
                                 "buffers_per_source", "trusted_peers", "relay_connections", "relay_buffer_mb",
                                 "tcp_buffer_kb", "http", "tls"});
  if (const auto t = node["tls"]) {
    rejectUnknownKeys(t, "l7.tls", {"ticket_key_file", "ticket_key_rotation_s", "handshake_budget_us"});
    if (t["ticket_key_file"]) {
      l7.tls.ticketKeyFile = scalar<std::string>(t["ticket_key_file"], "l7.tls.ticket_key_file", "a file path");
    }
    if (t["ticket_key_rotation_s"]) {
      l7.tls.ticketKeyRotationS =
          boundedUnsigned(t["ticket_key_rotation_s"], "l7.tls.ticket_key_rotation_s", 60, 7 * 86'400);
    }
    if (t["handshake_budget_us"]) {
      l7.tls.handshakeBudgetUs = boundedUnsigned(t["handshake_budget_us"], "l7.tls.handshake_budget_us", 50, 100'000);
    }
  }
  if (const auto h = node["http"]) {
    rejectUnknownKeys(h, "l7.http", {"idle_timeout_ms", "response_timeout_ms", "tunnel_idle_ms", "pooled_per_endpoint"});
    auto ms = [&h](const char* name, uint32_t& out) {
      if (h[name]) out = boundedUnsigned(h[name], std::string("l7.http.") + name, 100, 86'400'000);
    };
    ms("idle_timeout_ms", l7.http.idleTimeoutMs);
    ms("response_timeout_ms", l7.http.responseTimeoutMs);
    ms("tunnel_idle_ms", l7.http.tunnelIdleMs);
    if (h["pooled_per_endpoint"]) {
      l7.http.pooledPerEndpoint = boundedUnsigned(h["pooled_per_endpoint"], "l7.http.pooled_per_endpoint", 0, 100'000);
    }
  }
  if (node["relay_connections"]) {
    l7.relayConnections = boundedUnsigned(node["relay_connections"], "l7.relay_connections", 64, 4'000'000);
  }
  if (node["relay_buffer_mb"]) l7.relayBufferMb = boundedUnsigned(node["relay_buffer_mb"], "l7.relay_buffer_mb", 16, 65'536);
  if (node["tcp_buffer_kb"]) {
    const uint32_t kb = boundedUnsigned(node["tcp_buffer_kb"], "l7.tcp_buffer_kb", 64, 65'536);
    l7.tcp.sendBufferBytes = l7.tcp.receiveBufferBytes = kb * 1024;
  }
  if (node["connections"]) l7.connections = boundedUnsigned(node["connections"], "l7.connections", 64, 16'000'000);
  if (node["buffers"]) l7.buffers = boundedUnsigned(node["buffers"], "l7.buffers", 16, 1'000'000);
  if (node["max_head_bytes"]) {
    l7.bufferBytes = boundedUnsigned(node["max_head_bytes"], "l7.max_head_bytes", 1024, 65'536);
  }
  if (node["retransmit_ms"]) {
    l7.initialRtoMs = static_cast<uint16_t>(boundedUnsigned(node["retransmit_ms"], "l7.retransmit_ms", 10, 10'000));
  }
  if (node["retries"]) l7.maxRetries = static_cast<uint8_t>(boundedUnsigned(node["retries"], "l7.retries", 1, 20));
  if (node["head_timeout_ms"]) {
    l7.headTimeoutMs = boundedUnsigned(node["head_timeout_ms"], "l7.head_timeout_ms", 100, 600'000);
  }
  if (node["buffers_per_source"]) {
    l7.buffersPerSource = boundedUnsigned(node["buffers_per_source"], "l7.buffers_per_source", 1, 1'000'000);
  }
  if (const auto peers = node["trusted_peers"]) {
    if (!peers.IsSequence()) throw KeyError{"l7.trusted_peers", "must be a list of addresses or prefixes"};
    for (std::size_t i = 0; i < peers.size(); ++i) {
      const std::string key = "l7.trusted_peers[" + std::to_string(i) + "]";
      const auto text = scalar<std::string>(peers[i], key, "an address or prefix");
      const auto prefix = pkt::IpPrefix::parse(text);
      if (!prefix) throw KeyError{key, "'" + text + "' is not an address or prefix (192.0.2.0/24, 2001:db8::/32)"};
      l7.trustedPeers.push_back(*prefix);
    }
  }
}

void readFlows(const YAML::Node& node, FlowConfig& flows) {
  rejectUnknownKeys(node, "flows", {"capacity", "maglev_table_size", "timeouts"});
  if (node["capacity"]) flows.capacity = boundedUnsigned(node["capacity"], "flows.capacity", 1024, 100'000'000);
  if (node["maglev_table_size"]) {
    flows.maglevSize = boundedUnsigned(node["maglev_table_size"], "flows.maglev_table_size", 251, 16'777'259);
    if (!lb::MaglevTable::isPrime(flows.maglevSize)) {
      throw KeyError{"flows.maglev_table_size", std::to_string(flows.maglevSize) + " is not a prime (try 65537)"};
    }
  }
  if (const auto t = node["timeouts"]) {
    rejectUnknownKeys(t, "flows.timeouts", {"syn_ms", "established_ms", "closing_ms", "closed_ms", "reset_ms", "udp_ms"});
    auto ms = [&t](const char* name, uint32_t& out) {
      if (t[name]) out = boundedUnsigned(t[name], std::string("flows.timeouts.") + name, 100, 86'400'000);
    };
    ms("syn_ms", flows.timeouts.synMs);
    ms("established_ms", flows.timeouts.establishedMs);
    ms("closing_ms", flows.timeouts.closingMs);
    ms("closed_ms", flows.timeouts.closedMs);
    ms("reset_ms", flows.timeouts.resetMs);
    ms("udp_ms", flows.timeouts.udpMs);
  }
}

PairConfig readPair(const YAML::Node& node, const std::vector<PortConfig>& ports) {
  rejectUnknownKeys(node, "pair", {"port", "peer", "priority", "interval_ms", "udp_port"});
  PairConfig pair;
  if (!node["port"]) throw KeyError{"pair.port", "is required (the port both appliances share)"};
  pair.port = scalar<std::string>(node["port"], "pair.port", "a port name");
  const auto port = std::find_if(ports.begin(), ports.end(), [&](const PortConfig& p) { return p.name == pair.port; });
  if (port == ports.end()) throw KeyError{"pair.port", "names no port: \"" + pair.port + "\""};
  if (!port->ipv4) throw KeyError{"pair.port", "port " + pair.port + " needs an ipv4 address: heartbeats are sent from it"};
  if (!node["peer"]) throw KeyError{"pair.peer", "is required (the other appliance's address on that port)"};
  pair.peer = address(node["peer"], "pair.peer", 4).v4;
  if (pair.peer == *port->ipv4) throw KeyError{"pair.peer", "is this appliance's own address on port " + pair.port};
  if (node["priority"]) pair.priority = boundedUnsigned(node["priority"], "pair.priority", 1, 255);
  if (node["interval_ms"]) pair.intervalMs = boundedUnsigned(node["interval_ms"], "pair.interval_ms", 10, 10000);
  if (node["udp_port"]) pair.udpPort = static_cast<uint16_t>(boundedUnsigned(node["udp_port"], "pair.udp_port", 1, 65535));
  return pair;
}

DataplaneConfig readConfig(const YAML::Node& root) {
  rejectUnknownKeys(root, "",
                    {"lcores", "eal", "mbufs", "ports", "vips", "services", "flows", "l7", "announce", "api", "metrics", "health",
                     "pair"});
  DataplaneConfig cfg;

  const auto lcores = root["lcores"];
  if (!lcores) throw KeyError{"lcores", "is required (main and workers)"};
  rejectUnknownKeys(lcores, "lcores", {"main", "workers"});
  if (lcores["main"]) cfg.mainLcore = boundedUnsigned(lcores["main"], "lcores.main", 0, 1023);
  const auto workers = lcores["workers"];
  if (!workers || !workers.IsSequence() || workers.size() == 0) {
    throw KeyError{"lcores.workers", "must list at least one worker lcore"};
  }
  std::set<unsigned> seen;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const std::string key = "lcores.workers[" + std::to_string(i) + "]";
    const unsigned lcore = boundedUnsigned(workers[i], key, 0, 1023);
    if (!seen.insert(lcore).second) throw KeyError{key, "lcore " + std::to_string(lcore) + " is listed twice"};
    cfg.workerLcores.push_back(lcore);
  }

  if (root["mbufs"]) cfg.mbufs = boundedUnsigned(root["mbufs"], "mbufs", 1024, 64'000'000);

  if (const auto eal = root["eal"]) {
    if (!eal.IsSequence()) throw KeyError{"eal", "must be a list of EAL arguments"};
    for (std::size_t i = 0; i < eal.size(); ++i) {
      cfg.ealArgs.push_back(scalar<std::string>(eal[i], "eal[" + std::to_string(i) + "]", "a string"));
    }
  }

  const auto ports = root["ports"];
  if (!ports || !ports.IsSequence() || ports.size() == 0) throw KeyError{"ports", "must list at least one port"};
  std::set<std::string> names;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    const std::string key = "ports[" + std::to_string(i) + "]";
    cfg.ports.push_back(readPort(ports[i], key));
    if (!names.insert(cfg.ports.back().name).second) {
      throw KeyError{key + ".name", "port name '" + cfg.ports.back().name + "' is used twice"};
    }
  }

  if (const auto vips = root["vips"]) {
    if (!vips.IsSequence()) throw KeyError{"vips", "must be a list of addresses"};
    for (std::size_t i = 0; i < vips.size(); ++i) {
      cfg.desired.vips.push_back(address(vips[i], "vips[" + std::to_string(i) + "]", 0));
    }
  }

  if (const auto services = root["services"]) {
    if (!services.IsSequence()) throw KeyError{"services", "must be a list"};
    for (std::size_t i = 0; i < services.size(); ++i) {
      cfg.desired.services.push_back(readService(services[i], "services[" + std::to_string(i) + "]"));
    }
  }
  if (const auto flows = root["flows"]) readFlows(flows, cfg.flows);
  if (const auto l7 = root["l7"]) readL7(l7, cfg.l7);
  if (const auto api = root["api"]) {
    rejectUnknownKeys(api, "api", {"socket", "listen", "tls"});
    if (api["socket"]) cfg.api.socket = api["socket"].IsNull() ? "" : scalar<std::string>(api["socket"], "api.socket", "a path");
    if (api["listen"]) cfg.api.listen = scalar<std::string>(api["listen"], "api.listen", "address:port");
    if (const auto tls = api["tls"]) {
      rejectUnknownKeys(tls, "api.tls", {"certificate", "key", "client_ca"});
      if (tls["certificate"]) cfg.api.certificate = scalar<std::string>(tls["certificate"], "api.tls.certificate", "a path");
      if (tls["key"]) cfg.api.key = scalar<std::string>(tls["key"], "api.tls.key", "a path");
      if (tls["client_ca"]) cfg.api.clientCa = scalar<std::string>(tls["client_ca"], "api.tls.client_ca", "a path");
    }
    if (!cfg.api.listen.empty() && (cfg.api.certificate.empty() || cfg.api.key.empty() || cfg.api.clientCa.empty())) {
      throw KeyError{"api.listen", "TCP needs mutual TLS: set api.tls.certificate, api.tls.key and api.tls.client_ca"};
    }
  }

  if (const auto health = root["health"]) {
    rejectUnknownKeys(health, "health", {"port", "path"});
    if (!health["port"]) throw KeyError{"health.port", "is required (the port every VIP answers health checks on)"};
    cfg.l7.healthPort = static_cast<uint16_t>(boundedUnsigned(health["port"], "health.port", 1, 65535));
    if (health["path"]) {
      cfg.l7.healthPath = scalar<std::string>(health["path"], "health.path", "a path");
      if (cfg.l7.healthPath.empty() || cfg.l7.healthPath[0] != '/') throw KeyError{"health.path", "must start with /"};
    }
  }
  if (const auto metrics = root["metrics"]) {
    rejectUnknownKeys(metrics, "metrics", {"listen"});
    if (metrics["listen"]) {
      cfg.metrics.listen = scalar<std::string>(metrics["listen"], "metrics.listen", "address:port");
      std::string address;
      int port = 0;
      if (!common::splitListenAddress(cfg.metrics.listen, address, port)) {
        throw KeyError{"metrics.listen", "\"" + cfg.metrics.listen + "\" is not address:port (an IP literal, [v6]:port for IPv6)"};
      }
    }
  }

  if (const auto announce = root["announce"]) {
    rejectUnknownKeys(announce, "announce", {"count", "interval_ms", "refresh_s"});
    if (announce["refresh_s"]) cfg.announce.refreshS = boundedUnsigned(announce["refresh_s"], "announce.refresh_s", 0, 86400);
    if (announce["count"]) cfg.announce.count = boundedUnsigned(announce["count"], "announce.count", 0, 100);
    if (announce["interval_ms"]) {
      cfg.announce.intervalMs = boundedUnsigned(announce["interval_ms"], "announce.interval_ms", 10, 600000);
    }
  }
  if (const auto pair = root["pair"]) cfg.pair = readPair(pair, cfg.ports);
  return cfg;
}

}  // namespace

Result<DataplaneConfig> parseConfig(const std::string& text, const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsDefined() || root.IsNull()) return Error{source, "the file is empty"};
    return readConfig(root);
  } catch (const KeyError& e) {
    return Error{source + ": " + (e.key.empty() ? "(top level)" : e.key), e.what};
  } catch (const YAML::Exception& e) {
    return Error{source, "line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) +
                             ": " + e.msg};
  }
}

Result<DataplaneConfig> loadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path, "cannot be read"};
  std::stringstream text;
  text << in.rdbuf();
  return parseConfig(text.str(), path);
}

}  // namespace portico::dp::config
