#pragma once

#include <string>

#include "controlplane/translate/translation.h"

namespace portico::bench {

// A cluster of `routes` HTTPRoutes on one shared Gateway, each with its own hostname,
// Service and two endpoints, built in memory.
inline portico::cp::ClusterState cluster(int routes) {
  using namespace portico::cp;
  ClusterState s;
  s.gatewayClasses.push_back({{"", "portico", 1, "", {}, "bench"}, kControllerName});
  Gateway g;
  g.meta = {"infra", "gw", 1, "", {}, "bench"};
  g.gatewayClassName = "portico";
  Listener l;
  l.name = "http";
  l.port = 80;
  l.protocol = "HTTP";
  l.hostname = "*.example.com";
  l.allowedFrom = "All";
  g.listeners.push_back(l);
  s.gateways.push_back(g);
  for (int i = 0; i < routes; ++i) {
    const std::string name = "r" + std::to_string(i), ns = "ns" + std::to_string(i % 100);
    HttpRoute r;
    r.meta = {ns, name, 1, "2026-01-01T00:00:00Z", {}, "bench"};
    ParentReference p;
    p.ns = "infra";
    p.name = "gw";
    r.parentRefs.push_back(p);
    r.hostnames.push_back(name + ".example.com");
    HttpRouteRule rule;
    BackendRef b;
    b.name = name;
    b.port = 80;
    rule.backendRefs.push_back(b);
    r.rules.push_back(rule);
    s.httpRoutes.push_back(r);
    Service svc;
    svc.meta = {ns, name, 1, "", {}, "bench"};
    svc.ports.push_back({"http", 80, 8080, std::nullopt, "TCP"});
    s.services.push_back(svc);
    EndpointSlice e;
    e.meta = {ns, name + "-1", 1, "", {{"kubernetes.io/service-name", name}}, "bench"};
    e.serviceName = name;
    e.ports.push_back({"http", 8080, "TCP"});
    e.endpoints.push_back({{"198.51.100." + std::to_string(i % 250 + 1)}, true, std::nullopt, std::nullopt});
    e.endpoints.push_back({{"198.51.101." + std::to_string(i % 250 + 1)}, true, std::nullopt, std::nullopt});
    s.endpointSlices.push_back(e);
  }
  return s;
}


}  // namespace portico::bench
