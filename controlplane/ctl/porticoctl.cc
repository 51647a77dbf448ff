// porticoctl: the operator's view of Portico, sharing the control plane's translation.
//   porticoctl explain --manifests DIR --gateway NS/NAME --port N [--protocol tcp|udp] [--host H] [--sni S]
//                      [--path P] [--method M] [--header 'Name: value']... [--query 'k=v&k2=v2']
//   porticoctl status --manifests DIR [--config controlplane.yaml]
//   porticoctl migrate-ingress --manifests DIR [--gateway NS/NAME] [--gateway-class NAME] [--address IP]...

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/ctl/manifest_writer.h"
#include "controlplane/translate/ingress.h"
#include "controlplane/source/manifest_directory.h"
#include "controlplane/translate/request_match.h"
#include "controlplane/translate/translation.h"
#include "proto/dataplane.grpc.pb.h"

namespace {

using nlohmann::json;
using namespace portico::cp;

constexpr const char* kUsage =
    "usage: porticoctl explain --manifests DIR --gateway NS/NAME --port N [--protocol tcp|udp] [--host H] [--sni S]\n"
    "                          [--path P]\n"
    "                          [--method M] [--header 'Name: value']... [--query 'k=v&k2=v2']\n"
    "                          [--config controlplane.yaml [--compare-ingress yes]]\n"
    "       porticoctl status --manifests DIR [--config controlplane.yaml]\n"
    "       porticoctl migrate-ingress --manifests DIR [--gateway NS/NAME] [--gateway-class NAME] [--address IP]...\n"
    "       porticoctl vips|routes|stats|flows|drain|undrain [--api unix:/run/portico/dataplane.sock] [--limit N]\n";

int usage(const std::string& problem) {
  std::fprintf(stderr, "porticoctl: %s\n%s", problem.c_str(), kUsage);
  return 2;
}

json conditionsJson(const std::vector<Condition>& conditions) {
  json out = json::array();
  for (const auto& c : conditions) {
    out.push_back({{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message},
                   {"observedGeneration", c.observedGeneration}});
  }
  return out;
}

// Reads the manifests; problems go to stderr (the rest is still used), as the controller
// would report them.
ClusterState load(const std::string& dir) {
  std::vector<Problem> problems;
  ClusterState s = loadManifestDirectory(dir, problems);
  for (const auto& p : problems) std::fprintf(stderr, "porticoctl: %s\n", p.toString().c_str());
  return s;
}

bool loadConfig(const std::string& path, ControlPlaneConfig& cfg) {
  Problem problem;
  if (loadControlPlaneConfig(path, cfg, problem)) return true;
  std::fprintf(stderr, "porticoctl: %s\n", problem.toString().c_str());
  return false;
}

// The state the control plane translates: with `ingress:` configured, the Ingresses it
// serves added as what they convert to (the notes go to stderr, as its log has them).
ClusterState served(const std::string& dir, const ControlPlaneConfig& cfg, IngressConversion* conversion = nullptr) {
  ClusterState state = load(dir);
  if (!cfg.ingress.enabled) return state;
  IngressConversion c = convertIngresses(state, cfg.ingress);
  for (const auto& n : c.notes) std::fprintf(stderr, "porticoctl: %s\n", n.toString().c_str());
  state = withIngresses(state, c, cfg.ingress);
  if (conversion != nullptr) *conversion = std::move(c);
  return state;
}

// With controlplane.yaml, the addresses the control plane would give: each Gateway's, and
// each LoadBalancer Service's (which then appear too), as a fresh control plane assigns
// them (one that ran before keeps what it gave, which this cannot know); the Ingresses it
// serves, with the address of the Gateway they are served on.
int status(const std::string& dir, const std::string& configPath) {
  ControlPlaneConfig cfg;
  if (!configPath.empty() && !loadConfig(configPath, cfg)) return 2;
  IngressConversion conversion;
  const ClusterState state = served(dir, cfg, &conversion);
  const Translation t = translate(state);
  for (const auto& c : ingressConflicts(t, conversion, cfg.ingress)) std::fprintf(stderr, "porticoctl: %s\n", c.c_str());
  std::map<std::string, std::vector<std::string>> addresses;
  std::vector<LoadBalancerService> loadBalancers;
  if (!configPath.empty()) {
    std::vector<Problem> problems;
    Assignment assigned = assignAll(state, t, cfg.addressPools, cfg.loadBalancers, {}, problems);
    loadBalancers = std::move(assigned.loadBalancers);
    addresses = std::move(assigned.addresses);
    for (const auto& p : problems) std::fprintf(stderr, "porticoctl: %s\n", p.toString().c_str());
  }
  const auto addressesOf = [&addresses](const std::string& key) {
    const auto it = addresses.find(key);
    return it == addresses.end() ? json::array() : json(it->second);
  };
  json out = json::array();
  for (const auto& s : t.statuses) {
    json o = {{"kind", s.kind}, {"name", s.key}};
    if (s.kind == "Gateway" && !configPath.empty()) o["addresses"] = addressesOf(s.key);
    if (!s.conditions.empty()) o["conditions"] = conditionsJson(s.conditions);
    for (const auto& l : s.listeners) {
      o["listeners"].push_back(
          {{"name", l.name}, {"attachedRoutes", l.attachedRoutes}, {"conditions", conditionsJson(l.conditions)}});
    }
    for (const auto& p : s.parents) {
      json ref = {{"name", p.parentRef.name}, {"namespace", p.parentRef.ns.value_or("")}};
      if (p.parentRef.sectionName) ref["sectionName"] = *p.parentRef.sectionName;
      if (p.parentRef.port) ref["port"] = *p.parentRef.port;
      o["parents"].push_back({{"parentRef", ref}, {"conditions", conditionsJson(p.conditions)}});
    }
    out.push_back(o);
  }
  for (const auto& lb : loadBalancers) {
    json ports = json::array();
    for (const auto& p : lb.ports) ports.push_back(std::to_string(p.port) + "/" + p.protocol);
    out.push_back({{"kind", "Service"}, {"name", lb.key}, {"addresses", addressesOf(lb.claim.key)}, {"ports", ports}});
  }
  for (const auto& key : conversion.ingresses) {
    out.push_back({{"kind", "Ingress"},
                   {"name", key},
                   {"gateway", cfg.ingress.gatewayNamespace + "/" + cfg.ingress.gatewayName},
                   {"addresses", addressesOf(cfg.ingress.gatewayNamespace + "/" + cfg.ingress.gatewayName)}});
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

namespace pb = portico::dataplane::v1;

std::unique_ptr<pb::Dataplane::Stub> connect(const std::string& address) {
  return pb::Dataplane::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

int rpcFailed(const std::string& address, const grpc::Status& st) {
  std::fprintf(stderr, "porticoctl: %s: %s\n", address.c_str(), st.error_message().c_str());
  return 1;
}

// What a running dataplane serves: its VIPs and L4 services.
int vips(const std::string& address) {
  pb::DesiredState state;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (auto st = connect(address)->GetState(&ctx, pb::GetStateRequest{}, &state); !st.ok()) return rpcFailed(address, st);
  json out = {{"version", state.version()}, {"vips", state.vips()}, {"owners", json::object()}, {"services", json::array()}};
  // Who each address serves: the Gateway of a listener ("ns/gateway/listener") or an L4
  // service ("Service ns/name port 53/UDP", "Gateway ns/name listener tcp"), or a name
  // from dataplane.yaml.
  auto own = [&out](const std::string& vip, const std::string& owner) {
    json& list = out["owners"][vip];
    if (!list.is_array()) list = json::array();
    if (std::find(list.begin(), list.end(), owner) == list.end()) list.push_back(owner);
  };
  for (const auto& lp : state.listener_ports()) {
    for (const auto& l : lp.listeners()) own(lp.vip(), "Gateway " + l.name().substr(0, l.name().rfind('/')));
  }
  for (const auto& s : state.services()) {
    const std::string& n = s.name();
    const auto cut = n.rfind(n.rfind("Service ", 0) == 0 ? " port " : " listener ");
    own(s.vip(), (n.rfind("Service ", 0) == 0 || n.rfind("Gateway ", 0) == 0) && cut != std::string::npos ? n.substr(0, cut) : n);
  }
  for (const auto& s : state.services()) {
    json svc = {{"name", s.name()}, {"vip", s.vip()}, {"port", s.port()},
                {"protocol", s.protocol() == pb::PROTOCOL_TCP ? "tcp" : "udp"}, {"backends", json::array()}};
    for (const auto& b : s.backends()) {
      const char* state = b.state() == pb::BACKEND_STATE_DRAINING ? "draining"
                          : b.state() == pb::BACKEND_STATE_REMOVED ? "removed"
                                                                   : "active";
      svc["backends"].push_back({{"address", b.address()}, {"port", b.port()}, {"weight", b.weight()}, {"state", state}});
    }
    out["services"].push_back(svc);
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

// What a running dataplane routes at L7: every listener port with its listeners, virtual
// hosts and routes in the order they are tried, as the API carries them.
int routes(const std::string& address) {
  pb::DesiredState state;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (auto st = connect(address)->GetState(&ctx, pb::GetStateRequest{}, &state); !st.ok()) return rpcFailed(address, st);
  pb::DesiredState l7;
  l7.set_version(state.version());
  *l7.mutable_listener_ports() = state.listener_ports();
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string text;
  if (!google::protobuf::util::MessageToJsonString(l7, &text, options).ok()) return 1;
  std::cout << text;
  return 0;
}

int stats(const std::string& address) {
  pb::Stats stats;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (auto st = connect(address)->GetStats(&ctx, pb::GetStatsRequest{}, &stats); !st.ok()) return rpcFailed(address, st);
  json out = {{"version", stats.serving_version()}, {"total", json::object()}, {"workers", json::array()}};
  for (const auto& c : stats.total()) out["total"][c.name()] = c.value();
  for (const auto& w : stats.workers()) {
    json worker = {{"index", w.index()}, {"lcore", w.lcore()}};
    for (const auto& c : w.counters()) worker[c.name()] = c.value();
    out["workers"].push_back(worker);
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

// Drains the dataplane, or ends the drain: its VIPs' health checks answer 503 DRAINING
// (connections are still served), so the load balancer in front moves traffic away.
int drain(const std::string& address, bool draining) {
  pb::SetDrainingRequest request;
  request.set_draining(draining);
  pb::SetDrainingReply reply;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (auto st = connect(address)->SetDraining(&ctx, request, &reply); !st.ok()) return rpcFailed(address, st);
  json out = {{"draining", reply.draining()}};
  if (reply.health_port() != 0) {
    out["health_port"] = reply.health_port();
  } else {
    out["note"] = "no health endpoint is configured (dataplane.yaml health.port): nothing in front can see the drain";
  }
  std::cout << out.dump() << "\n";
  return 0;
}

int flows(const std::string& address, uint32_t limit) {
  pb::ListFlowsRequest request;
  request.set_limit(limit);
  pb::Flows flows;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (auto st = connect(address)->ListFlows(&ctx, request, &flows); !st.ok()) return rpcFailed(address, st);
  json out = json::array();
  for (const auto& f : flows.flows()) {
    out.push_back({{"worker", f.worker()}, {"protocol", f.protocol() == pb::PROTOCOL_TCP ? "tcp" : "udp"},
                   {"client", f.client()}, {"vip", f.vip()}, {"snat", f.snat()}, {"backend", f.backend()},
                   {"state", f.state()}, {"idle_ms", f.idle_ms()}});
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}

// A TCP or UDP listener: no request to route, its connections spread over the backendRefs
// of its routes by weight.
json explainL4(const ListenerState& l) {
  json out = {{"listener", l.name}, {"protocol", l.protocol}, {"routes", json::array()}, {"backends", json::array()}};
  for (const auto& route : l.routes) {
    out["routes"].push_back(route.kind + " " + route.key);
    for (const auto& rule : route.rules) {
      for (const auto& b : rule.backends) {
        out["backends"].push_back({{"ref", b.ref},
                                   {"weight", b.weight},
                                   {"endpoints", b.outcome == ResolvedBackend::Outcome::kServed ? b.endpoints.size() : 0},
                                   {"draining", b.draining.size()},
                                   {"reason", b.reason}});
      }
    }
  }
  const bool any = std::any_of(out["backends"].begin(), out["backends"].end(),
                               [](const json& b) { return b["endpoints"].get<std::size_t>() > 0; });
  out["status"] = any ? "forward" : "reject";
  out["reason"] = any ? "a new flow goes to an endpoint of these backendRefs, in proportion to their weights"
                      : "no backendRef has a ready endpoint: new flows are refused";
  return out;
}

// The decision for `request` on one Gateway of a translation, or null when it is not one.
json decide(const Translation& t, const std::string& gatewayKey, const Request& request, const std::string& protocol) {
  const GatewayState* gw = t.gateway(gatewayKey);
  if (gw == nullptr) {
    std::fprintf(stderr, "porticoctl: %s is not a Gateway of a GatewayClass with controllerName %s\n", gatewayKey.c_str(),
                 kControllerName);
    return nullptr;
  }
  for (const auto& l : gw->listeners) {
    const bool l4 = l.protocol == "TCP" || l.protocol == "UDP";
    if (l4 && l.accepted && l.port == request.port && (protocol.empty() || l.protocol == protocol)) return explainL4(l);
  }
  const RoutingDecision d = routeRequest(*gw, request);
  json out;
  out["listener"] = d.listener ? json(d.listener->name) : json(nullptr);
  out["route"] = d.route ? json(d.route->key) : json(nullptr);
  out["rule"] = d.rule ? json(*d.rule) : json(nullptr);
  out["backend"] = d.backends.size() == 1 ? json(d.backends[0]->ref) : json(nullptr);
  out["backends"] = json::array();
  for (const auto* b : d.backends) {
    out["backends"].push_back({{"ref", b->ref}, {"weight", b->weight}, {"endpoints", b->endpoints.size()}});
  }
  if (d.status == "forward" || d.status == "reject") {
    out["status"] = d.status;
  } else {
    out["status"] = std::stoi(d.status);
  }
  out["reason"] = d.reason;
  const FilterEffect& e = d.effect;
  if (!e.applied.empty()) {
    out["filters"] = e.applied;
    if (e.redirectStatus != 0) {
      out["location"] = e.location;
    } else {
      json headers = {{"set", json::object()}, {"add", json::object()}, {"remove", e.headersRemoved}};
      for (const auto& [k, v] : e.headersSet) headers["set"][k] = v;
      for (const auto& [k, v] : e.headersAdded) headers["add"][k] = v;
      out["request"] = {{"host", e.host}, {"path", e.path}, {"headers", headers}};
      json response = {{"set", json::object()}, {"add", json::object()}, {"remove", e.responseHeadersRemoved}};
      for (const auto& [k, v] : e.responseHeadersSet) response["set"][k] = v;
      for (const auto& [k, v] : e.responseHeadersAdded) response["add"][k] = v;
      out["response_headers"] = response;
      if (!e.mirrors.empty()) out["mirrors"] = e.mirrors;
    }
  }
  return out;
}

// One request through a Gateway; with --compare-ingress, through the Gateway the served
// Ingresses convert to as well, side by side: what an operator checks before cutting
// over from the Ingresses to the HTTPRoutes a migration wrote.
int explain(const std::string& dir, const std::string& gatewayKey, const Request& request, const std::string& protocol,
            const std::string& configPath, bool compare) {
  ControlPlaneConfig cfg;
  if (!configPath.empty() && !loadConfig(configPath, cfg)) return 2;
  if (compare && !cfg.ingress.enabled) {
    std::fprintf(stderr, "porticoctl: --compare-ingress needs --config with an ingress: section\n");
    return 2;
  }
  const Translation t = translate(served(dir, cfg));
  json out = decide(t, gatewayKey, request, protocol);
  if (out.is_null()) return 1;
  if (compare) {
    json ingress = decide(t, cfg.ingress.gatewayNamespace + "/" + cfg.ingress.gatewayName, request, protocol);
    if (ingress.is_null()) return 1;
    // Routes differ in name by construction; what a client sees must not.
    const auto seen = [](const json& d) {
      json v = {{"status", d["status"]}, {"backends", json::array()}};
      for (const auto& b : d["backends"]) v["backends"].push_back({{"ref", b["ref"]}, {"weight", b["weight"]}});
      for (const char* k : {"location", "request", "response_headers"}) {
        if (d.contains(k)) v[k] = d[k];
      }
      return v;
    };
    out = {{"ingress", ingress}, {"gateway", out}, {"same", seen(ingress) == seen(out)}};
  }
  std::cout << out.dump() << "\n";
  return 0;
}

// The Ingresses as Gateway API YAML on stdout; what does not carry over one to one leads
// as comments and goes to stderr too.
int migrateIngress(const std::string& dir, const IngressSettings& settings) {
  const ClusterState state = load(dir);
  const IngressConversion c = convertIngresses(state, settings);
  if (c.ingresses.empty()) {
    std::fprintf(stderr, "porticoctl: no Ingress in %s has a class whose controller is %s\n", dir.c_str(),
                 kIngressControllerName);
    return 1;
  }
  for (const auto& n : c.notes) std::fprintf(stderr, "porticoctl: %s\n", n.toString().c_str());
  std::cout << conversionYaml(c);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("a command is required");
  const std::string command = argv[1];
  if (command == "-h" || command == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string manifests, gateway, protocol, config, api = "unix:/run/portico/dataplane.sock";
  IngressSettings migrate;
  migrate.gatewayNamespace = "default";
  bool compare = false;
  uint32_t limit = 1000;
  Request request;
  bool havePort = false;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage(arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--manifests") {
      manifests = value;
    } else if (arg == "--config") {
      config = value;
    } else if (arg == "--api") {
      api = value;
    } else if (arg == "--limit") {
      try {
        limit = static_cast<uint32_t>(std::stoul(value));
      } catch (const std::exception&) {
        return usage("--limit '" + value + "' is not a number");
      }
    } else if (arg == "--gateway") {
      gateway = value;
    } else if (arg == "--gateway-class") {
      migrate.gatewayClass = value;
    } else if (arg == "--address") {
      migrate.addresses.push_back(value);
    } else if (arg == "--compare-ingress") {
      if (value != "yes" && value != "no") return usage("--compare-ingress takes yes or no");
      compare = value == "yes";
    } else if (arg == "--port") {
      try {
        request.port = static_cast<uint32_t>(std::stoul(value));
        havePort = request.port > 0 && request.port < 65536;
      } catch (const std::exception&) {
      }
      if (!havePort) return usage("--port '" + value + "' is not a port number");
    } else if (arg == "--protocol") {
      if (value != "tcp" && value != "udp") return usage("--protocol '" + value + "' is not tcp or udp");
      protocol = value == "tcp" ? "TCP" : "UDP";
    } else if (arg == "--host") {
      request.host = value;
    } else if (arg == "--sni") {
      request.sni = value;
    } else if (arg == "--path") {
      request.path = value;
    } else if (arg == "--method") {
      request.method = value;
    } else if (arg == "--header") {
      const auto colon = value.find(':');
      if (colon == std::string::npos) return usage("--header '" + value + "' is not 'Name: value'");
      std::string v = value.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      request.headers.emplace_back(value.substr(0, colon), v);
    } else if (arg == "--query") {
      for (auto& kv : parseQuery(value)) request.query.push_back(kv);
    } else {
      return usage("unknown option " + arg);
    }
  }
  if (command == "vips") return vips(api);
  if (command == "routes") return routes(api);
  if (command == "stats") return stats(api);
  if (command == "flows") return flows(api, limit);
  if (command == "drain" || command == "undrain") return drain(api, command == "drain");
  if (manifests.empty()) return usage("--manifests DIR is required");
  if (command == "status") return status(manifests, config);
  if (command == "explain") {
    if (gateway.find('/') == std::string::npos) return usage("--gateway must be NAMESPACE/NAME");
    if (!havePort) return usage("--port is required");
    return explain(manifests, gateway, request, protocol, config, compare);
  }
  if (command == "migrate-ingress") {
    if (!gateway.empty()) {
      const auto slash = gateway.find('/');
      if (slash == std::string::npos) return usage("--gateway must be NAMESPACE/NAME");
      migrate.gatewayNamespace = gateway.substr(0, slash);
      migrate.gatewayName = gateway.substr(slash + 1);
    }
    return migrateIngress(manifests, migrate);
  }
  return usage("unknown command " + command);
}
