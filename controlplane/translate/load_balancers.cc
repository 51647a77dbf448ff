#include "controlplane/translate/load_balancers.h"

#include <algorithm>
#include <sstream>

namespace portico::cp {

namespace {

// The annotations MetalLB users already write (both of its prefixes), and ours.
constexpr const char* kPrefixes[] = {"portico.dev/", "metallb.io/", "metallb.universe.tf/"};

std::optional<std::string> annotation(const ObjectMeta& meta, const std::string& name, std::string& which) {
  for (const char* prefix : kPrefixes) {
    const auto it = meta.annotations.find(prefix + name);
    if (it != meta.annotations.end()) {
      which = it->first;
      return it->second;
    }
  }
  return std::nullopt;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    out.push_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
  }
  return out;
}

// The endpoints of one Service port across its slices. Ready ones take new flows; when
// none of a family is ready, its serving-but-terminating ones do (as kube-proxy does);
// every other endpoint still listed drains.
std::vector<L4Endpoint> endpointsOf(const ServicePort& sp, const std::vector<const EndpointSlice*>& slices) {
  std::vector<L4Endpoint> out;
  // Per family: each address of the Service takes the endpoints of its own.
  bool anyReady[2] = {false, false};
  std::vector<std::size_t> fallback;  // serving and terminating
  for (const EndpointSlice* slice : slices) {
    std::optional<uint32_t> port;
    for (const auto& p : slice->ports) {
      if (p.name == sp.name && p.protocol == sp.protocol) port = p.port;
    }
    if (!port) port = sp.targetPortNumber;
    if (!port) continue;
    for (const auto& ep : slice->endpoints) {
      const bool ready = ep.ready.value_or(true);
      const bool serving = ep.serving.value_or(ready);
      for (const auto& a : ep.addresses) {
        if (!ready && serving && ep.terminating.value_or(false)) fallback.push_back(out.size());
        out.push_back({a, *port, ready});
        anyReady[a.find(':') != std::string::npos] |= ready;
      }
    }
  }
  for (std::size_t i : fallback) {
    if (!anyReady[out[i].address.find(':') != std::string::npos]) out[i].ready = true;
  }
  return out;
}

std::vector<int> familiesOf(const Service& s, const std::vector<const EndpointSlice*>& slices) {
  std::vector<int> families;
  auto add = [&](int f) {
    if (std::find(families.begin(), families.end(), f) == families.end()) families.push_back(f);
  };
  for (const auto& f : s.ipFamilies) add(f == "IPv6" ? 6 : 4);
  // Manifests seldom carry what the API server fills in: the endpoints' family is the one
  // that can be served (there is no NAT between IPv4 and IPv6).
  if (families.empty()) {
    for (const EndpointSlice* slice : slices) add(slice->addressType == "IPv6" ? 6 : 4);
  }
  if (families.empty()) add(4);
  if (s.ipFamilyPolicy == "SingleStack") families.resize(1);
  else if (families.size() == 1) add(families[0] == 4 ? 6 : 4);
  return families;
}

}  // namespace

bool servesLoadBalancer(const Service& s, const LoadBalancerSettings& settings) {
  if (s.type != "LoadBalancer") return false;
  return s.loadBalancerClass ? *s.loadBalancerClass == settings.loadBalancerClass : settings.withoutClass;
}

std::vector<LoadBalancerService> translateLoadBalancers(const ClusterState& state, const LoadBalancerSettings& settings,
                                                        const std::map<std::string, std::vector<std::string>>& previous,
                                                        std::vector<Problem>& problems) {
  std::map<std::string, std::vector<const EndpointSlice*>> slices;
  for (const auto& e : state.endpointSlices) slices[e.meta.ns + "/" + e.serviceName].push_back(&e);
  const std::vector<const EndpointSlice*> none;

  std::vector<LoadBalancerService> out;
  for (const Service& s : state.services) {
    if (!servesLoadBalancer(s, settings)) continue;
    LoadBalancerService lb;
    lb.key = s.meta.key();
    const auto sl = slices.find(lb.key);
    const auto& mine = sl == slices.end() ? none : sl->second;
    const std::string object = "Service " + lb.key;
    for (std::size_t i = 0; i < s.ports.size(); ++i) {
      const ServicePort& sp = s.ports[i];
      if (sp.protocol != "TCP" && sp.protocol != "UDP") {
        problems.push_back({s.meta.source, object, "spec.ports[" + std::to_string(i) + "].protocol",
                            sp.protocol + " is not served (TCP and UDP are); the port is left out"});
        continue;
      }
      const std::string id = std::to_string(sp.port) + "/" + sp.protocol;
      if (std::find(lb.claim.ports.begin(), lb.claim.ports.end(), id) != lb.claim.ports.end()) {
        problems.push_back({s.meta.source, object, "spec.ports[" + std::to_string(i) + "]",
                            id + " is listed twice; the second is left out"});
        continue;
      }
      lb.ports.push_back({sp.name, sp.port, sp.protocol, endpointsOf(sp, mine)});
      lb.claim.ports.push_back(id);
    }

    AddressClaim& c = lb.claim;
    c.key = object;
    c.object = object;
    c.source = s.meta.source;
    c.created = s.meta.creationTimestamp;
    c.requestedInPool = true;
    std::string which;
    if (const auto ips = annotation(s.meta, "loadBalancerIPs", which)) {
      c.requested = splitList(*ips);
      c.requestedField = "metadata.annotations[" + which + "]";
    } else if (s.loadBalancerIP && !s.loadBalancerIP->empty()) {
      c.requested = {*s.loadBalancerIP};
      c.requestedField = "spec.loadBalancerIP";
    }
    if (const auto pool = annotation(s.meta, "address-pool", which)) c.pool = *pool;
    if (const auto key = annotation(s.meta, "allow-shared-ip", which)) c.sharingKey = *key;
    c.families = familiesOf(s, mine);
    c.familiesRequired = s.ipFamilyPolicy != "PreferDualStack";
    if (const auto it = previous.find(object); it != previous.end()) {
      c.kept = it->second;
    } else {
      c.kept = s.statusAddresses;  // a restart: what the last control plane gave it
    }
    out.push_back(std::move(lb));
  }
  return out;
}

Assignment assignAll(const ClusterState& state, const Translation& translation, const std::vector<AddressPool>& pools,
                     const LoadBalancerSettings& settings,
                     const std::map<std::string, std::vector<std::string>>& previous, std::vector<Problem>& problems) {
  Assignment out;
  out.loadBalancers = translateLoadBalancers(state, settings, previous, problems);
  std::vector<const Gateway*> ours;
  for (const auto& g : state.gateways) {
    if (translation.gateway(g.meta.key()) != nullptr) ours.push_back(&g);
  }
  std::vector<AddressClaim> claims = gatewayClaims(ours, previous);
  for (const auto& lb : out.loadBalancers) claims.push_back(lb.claim);
  out.addresses = assignAddresses(claims, pools, problems);
  return out;
}

}  // namespace portico::cp
