#include "controlplane/config/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace portico::cp {

namespace {

struct KeyError {
  std::string key;
  std::string what;
};

void known(const YAML::Node& n, const std::string& key, const std::set<std::string>& keys) {
  if (!n.IsMap()) throw KeyError{key, "must be a mapping"};
  for (const auto& kv : n) {
    const auto name = kv.first.as<std::string>();
    if (!keys.count(name)) throw KeyError{key.empty() ? name : key + "." + name, "unknown key"};
  }
}

std::string text(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar() || n.Scalar().empty()) throw KeyError{key, "must be a non-empty string"};
  return n.Scalar();
}

}  // namespace

bool loadControlPlaneConfig(const std::string& path, ControlPlaneConfig& out, Problem& problem) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsDefined() || root.IsNull()) throw KeyError{"", "the file is empty"};
    known(root, "", {"dataplanes", "address_pools", "debounce_ms"});
    const YAML::Node dps = root["dataplanes"];
    if (!dps || !dps.IsSequence() || dps.size() == 0) throw KeyError{"dataplanes", "must list at least one dataplane API address"};
    for (std::size_t i = 0; i < dps.size(); ++i) out.dataplanes.push_back(text(dps[i], "dataplanes[" + std::to_string(i) + "]"));
    if (const YAML::Node pools = root["address_pools"]) {
      if (!pools.IsSequence()) throw KeyError{"address_pools", "must be a list"};
      for (std::size_t i = 0; i < pools.size(); ++i) {
        const std::string key = "address_pools[" + std::to_string(i) + "]";
        known(pools[i], key, {"name", "addresses"});
        AddressPool pool;
        pool.name = text(pools[i]["name"], key + ".name");
        const YAML::Node addrs = pools[i]["addresses"];
        if (!addrs || !addrs.IsSequence()) throw KeyError{key + ".addresses", "must list ranges, CIDRs or addresses"};
        for (std::size_t a = 0; a < addrs.size(); ++a) {
          const std::string akey = key + ".addresses[" + std::to_string(a) + "]";
          std::string why;
          pool.ranges.push_back(text(addrs[a], akey));
          if (expandRange(pool.ranges.back(), why).empty()) throw KeyError{akey, why};
        }
        out.addressPools.push_back(pool);
      }
    }
    if (const YAML::Node d = root["debounce_ms"]) {
      try {
        out.debounceMs = d.as<unsigned>();
      } catch (const YAML::Exception&) {
        throw KeyError{"debounce_ms", "must be a number of milliseconds"};
      }
      if (out.debounceMs > 60000) throw KeyError{"debounce_ms", "must be at most 60000"};
    }
    return true;
  } catch (const KeyError& e) {
    problem = Problem{path, "", e.key, e.what};
  } catch (const YAML::BadFile&) {
    problem = Problem{path, "", "", "cannot be read"};
  } catch (const YAML::Exception& e) {
    problem = Problem{path, "", "", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  return false;
}

}  // namespace portico::cp
