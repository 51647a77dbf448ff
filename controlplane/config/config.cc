#include "controlplane/config/config.h"

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "common/listen_address.h"

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

unsigned number(const YAML::Node& n, const std::string& key, unsigned lo, unsigned hi) {
  unsigned v = 0;
  try {
    v = n.as<unsigned>();
  } catch (const YAML::Exception&) {
    throw KeyError{key, "must be a number"};
  }
  if (v < lo || v > hi) throw KeyError{key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi)};
  return v;
}

std::string ipv4Text(const YAML::Node& n, const std::string& key) {
  const std::string t = text(n, key);
  in_addr a{};
  if (inet_pton(AF_INET, t.c_str(), &a) != 1) throw KeyError{key, "'" + t + "' is not an IPv4 address"};
  return t;
}

std::string addressText(const YAML::Node& n, const std::string& key) {
  const std::string t = text(n, key);
  in6_addr a{};
  if (inet_pton(AF_INET, t.c_str(), &a) != 1 && inet_pton(AF_INET6, t.c_str(), &a) != 1) {
    throw KeyError{key, "'" + t + "' is not an IPv4 or IPv6 address"};
  }
  return t;
}

void readBgp(const YAML::Node& n, BgpConfig& bgp) {
  known(n, "bgp", {"asn", "router_id", "listen", "peers", "communities", "local_pref", "graceful_restart_s", "gobgpd", "api", "pid_file"});
  bgp.enabled = true;
  if (!n["asn"]) throw KeyError{"bgp.asn", "is required"};
  bgp.asn = number(n["asn"], "bgp.asn", 1, 4294967294u);
  if (!n["router_id"]) throw KeyError{"bgp.router_id", "is required (an IPv4 address of the appliance)"};
  bgp.routerId = ipv4Text(n["router_id"], "bgp.router_id");
  if (const YAML::Node l = n["listen"]) {
    if (!l.IsSequence()) throw KeyError{"bgp.listen", "must list addresses"};
    for (std::size_t i = 0; i < l.size(); ++i) bgp.listenAddresses.push_back(addressText(l[i], "bgp.listen[" + std::to_string(i) + "]"));
  }
  const YAML::Node peers = n["peers"];
  if (!peers || !peers.IsSequence() || peers.size() == 0) throw KeyError{"bgp.peers", "must list at least one peer"};
  for (std::size_t i = 0; i < peers.size(); ++i) {
    const std::string key = "bgp.peers[" + std::to_string(i) + "]";
    known(peers[i], key, {"address", "asn", "password", "multihop_ttl", "hold_time_s"});
    BgpPeer p;
    if (!peers[i]["address"]) throw KeyError{key + ".address", "is required"};
    p.address = addressText(peers[i]["address"], key + ".address");
    if (!peers[i]["asn"]) throw KeyError{key + ".asn", "is required"};
    p.asn = number(peers[i]["asn"], key + ".asn", 1, 4294967294u);
    if (peers[i]["password"]) p.password = text(peers[i]["password"], key + ".password");
    if (peers[i]["multihop_ttl"]) p.multihopTtl = number(peers[i]["multihop_ttl"], key + ".multihop_ttl", 1, 255);
    // RFC 4271: 0 (no keepalives) or at least 3 seconds.
    if (peers[i]["hold_time_s"]) p.holdTimeS = number(peers[i]["hold_time_s"], key + ".hold_time_s", 3, 65535);
    bgp.peers.push_back(p);
  }
  if (const YAML::Node c = n["communities"]) {
    if (!c.IsSequence()) throw KeyError{"bgp.communities", "must list communities like 65000:100"};
    for (std::size_t i = 0; i < c.size(); ++i) {
      const std::string key = "bgp.communities[" + std::to_string(i) + "]";
      const std::string t = text(c[i], key);
      unsigned hi = 0, lo = 0;
      char rest = 0;
      if (std::sscanf(t.c_str(), "%u:%u%c", &hi, &lo, &rest) != 2 || hi > 65535 || lo > 65535) {
        throw KeyError{key, "'" + t + "' is not a community like 65000:100"};
      }
      bgp.communities.push_back(t);
    }
  }
  if (n["local_pref"]) bgp.localPref = number(n["local_pref"], "bgp.local_pref", 0, 4294967295u);
  if (n["graceful_restart_s"]) bgp.gracefulRestartS = number(n["graceful_restart_s"], "bgp.graceful_restart_s", 0, 4095);
  if (n["gobgpd"]) bgp.gobgpd = text(n["gobgpd"], "bgp.gobgpd");
  if (n["api"]) bgp.api = text(n["api"], "bgp.api");
  if (n["pid_file"]) bgp.pidFile = text(n["pid_file"], "bgp.pid_file");
}

}  // namespace

bool parseControlPlaneConfig(const std::string& yaml, const std::string& source, ControlPlaneConfig& out,
                             Problem& problem) {
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (!root.IsDefined() || root.IsNull()) throw KeyError{"", "the file is empty"};
    known(root, "", {"dataplanes", "dataplane_tls", "address_pools", "load_balancer_services", "ingress", "debounce_ms",
                     "bgp", "kubernetes", "metrics"});
    const YAML::Node dps = root["dataplanes"];
    if (!dps || !dps.IsSequence() || dps.size() == 0) throw KeyError{"dataplanes", "must list at least one dataplane API address"};
    for (std::size_t i = 0; i < dps.size(); ++i) out.dataplanes.push_back(text(dps[i], "dataplanes[" + std::to_string(i) + "]"));
    if (const YAML::Node t = root["dataplane_tls"]) {
      known(t, "dataplane_tls", {"certificate", "key", "ca"});
      if (t["certificate"]) out.dataplaneTls.certificate = text(t["certificate"], "dataplane_tls.certificate");
      if (t["key"]) out.dataplaneTls.key = text(t["key"], "dataplane_tls.key");
      if (t["ca"]) out.dataplaneTls.ca = text(t["ca"], "dataplane_tls.ca");
    }
    const DataplaneTls& tls = out.dataplaneTls;
    for (std::size_t i = 0; i < out.dataplanes.size(); ++i) {
      // A dataplane's TCP API takes nothing but mutual TLS.
      if (out.dataplanes[i].rfind("unix:", 0) != 0 && (tls.certificate.empty() || tls.key.empty() || tls.ca.empty())) {
        throw KeyError{"dataplanes[" + std::to_string(i) + "]",
                       "a host:port dataplane needs mutual TLS: set dataplane_tls.certificate, key and ca"};
      }
    }
    if (const YAML::Node pools = root["address_pools"]) {
      if (!pools.IsSequence()) throw KeyError{"address_pools", "must be a list"};
      for (std::size_t i = 0; i < pools.size(); ++i) {
        const std::string key = "address_pools[" + std::to_string(i) + "]";
        known(pools[i], key, {"name", "addresses", "no_endpoints"});
        AddressPool pool;
        pool.name = text(pools[i]["name"], key + ".name");
        if (const YAML::Node ne = pools[i]["no_endpoints"]) {
          const std::string policy = text(ne, key + ".no_endpoints");
          if (policy != "withdraw" && policy != "keep") throw KeyError{key + ".no_endpoints", "must be withdraw or keep"};
          pool.keepWithoutEndpoints = policy == "keep";
        }
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
    if (const YAML::Node lb = root["load_balancer_services"]) {
      known(lb, "load_balancer_services", {"class", "without_class"});
      if (lb["class"]) out.loadBalancers.loadBalancerClass = text(lb["class"], "load_balancer_services.class");
      if (const YAML::Node w = lb["without_class"]) {
        try {
          out.loadBalancers.withoutClass = w.as<bool>();
        } catch (const YAML::Exception&) {
          throw KeyError{"load_balancer_services.without_class", "must be true or false"};
        }
      }
    }
    if (const YAML::Node in = root["ingress"]) {
      known(in, "ingress", {"gateway", "gateway_class", "addresses", "pool", "http_port", "https_port"});
      IngressSettings& s = out.ingress;
      s.enabled = true;
      if (in["gateway"]) {
        const std::string g = text(in["gateway"], "ingress.gateway");
        const auto slash = g.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 == g.size()) {
          throw KeyError{"ingress.gateway", "'" + g + "' is not namespace/name"};
        }
        s.gatewayNamespace = g.substr(0, slash);
        s.gatewayName = g.substr(slash + 1);
      }
      if (in["gateway_class"]) s.gatewayClass = text(in["gateway_class"], "ingress.gateway_class");
      if (const YAML::Node a = in["addresses"]) {
        if (!a.IsSequence()) throw KeyError{"ingress.addresses", "must be a list of addresses"};
        for (std::size_t i = 0; i < a.size(); ++i) s.addresses.push_back(text(a[i], "ingress.addresses[" + std::to_string(i) + "]"));
      }
      if (in["pool"]) s.pool = text(in["pool"], "ingress.pool");
      if (in["http_port"]) s.httpPort = number(in["http_port"], "ingress.http_port", 1, 65535);
      if (in["https_port"]) s.httpsPort = number(in["https_port"], "ingress.https_port", 1, 65535);
      // Served routes carry a prefix no Kubernetes object name starts with by accident, so
      // HTTPRoutes a migration applies never collide with them.
      s.namePrefix = "ingress.";
    }
    if (const YAML::Node d = root["debounce_ms"]) {
      try {
        out.debounceMs = d.as<unsigned>();
      } catch (const YAML::Exception&) {
        throw KeyError{"debounce_ms", "must be a number of milliseconds"};
      }
      if (out.debounceMs > 60000) throw KeyError{"debounce_ms", "must be at most 60000"};
    }
    if (const YAML::Node m = root["metrics"]) {
      known(m, "metrics", {"listen"});
      if (m["listen"]) {
        out.metricsListen = text(m["listen"], "metrics.listen");
        std::string address;
        int port = 0;
        if (!common::splitListenAddress(out.metricsListen, address, port)) {
          throw KeyError{"metrics.listen", "\"" + out.metricsListen + "\" is not address:port (an IP literal, [v6]:port for IPv6)"};
        }
      }
    }
    if (const YAML::Node bgp = root["bgp"]) readBgp(bgp, out.bgp);
    if (const YAML::Node k = root["kubernetes"]) {
      known(k, "kubernetes", {"lease_namespace", "lease_name", "lease_duration_s", "secret_refresh_s", "watch_timeout_s"});
      KubernetesConfig& kc = out.kubernetes;
      if (k["lease_namespace"]) kc.leaseNamespace = text(k["lease_namespace"], "kubernetes.lease_namespace");
      if (k["lease_name"]) kc.leaseName = text(k["lease_name"], "kubernetes.lease_name");
      if (k["lease_duration_s"]) kc.leaseDurationS = number(k["lease_duration_s"], "kubernetes.lease_duration_s", 2, 300);
      if (k["secret_refresh_s"]) kc.secretRefreshS = number(k["secret_refresh_s"], "kubernetes.secret_refresh_s", 1, 3600);
      if (k["watch_timeout_s"]) kc.watchTimeoutS = number(k["watch_timeout_s"], "kubernetes.watch_timeout_s", 5, 3600);
    }
    return true;
  } catch (const KeyError& e) {
    problem = Problem{source, "", e.key, e.what};
  } catch (const YAML::Exception& e) {
    problem = Problem{source, "", "", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  return false;
}

bool loadControlPlaneConfig(const std::string& path, ControlPlaneConfig& out, Problem& problem) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    problem = Problem{path, "", "", "cannot be read"};
    return false;
  }
  return parseControlPlaneConfig(text.str(), path, out, problem);
}

}  // namespace portico::cp
