#include "dataplane/config/config.h"

#include <yaml-cpp/yaml.h>

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

PortConfig readPort(const YAML::Node& node, const std::string& key) {
  rejectUnknownKeys(node, key, {"name", "device", "mac", "ipv4", "ipv6", "rx_descriptors", "tx_descriptors"});
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
  if (node["ipv4"]) port.ipv4 = address(node["ipv4"], key + ".ipv4", 4).v4;
  if (node["ipv6"]) port.ipv6 = address(node["ipv6"], key + ".ipv6", 6).v6;
  if (node["rx_descriptors"]) port.rxDescriptors = boundedUnsigned(node["rx_descriptors"], key + ".rx_descriptors", 64, 32768);
  if (node["tx_descriptors"]) port.txDescriptors = boundedUnsigned(node["tx_descriptors"], key + ".tx_descriptors", 64, 32768);
  return port;
}

DataplaneConfig readConfig(const YAML::Node& root) {
  rejectUnknownKeys(root, "", {"lcores", "eal", "ports", "vips", "announce"});
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
      cfg.vips.push_back(address(vips[i], "vips[" + std::to_string(i) + "]", 0));
    }
  }

  if (const auto announce = root["announce"]) {
    rejectUnknownKeys(announce, "announce", {"count", "interval_ms"});
    if (announce["count"]) cfg.announce.count = boundedUnsigned(announce["count"], "announce.count", 0, 100);
    if (announce["interval_ms"]) {
      cfg.announce.intervalMs = boundedUnsigned(announce["interval_ms"], "announce.interval_ms", 10, 600000);
    }
  }
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
