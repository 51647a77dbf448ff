#include "tests/bench/push_bench.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "controlplane/push/desired_state.h"
#include "controlplane/push/state_delta.h"
#include "proto/dataplane.grpc.pb.h"
#include "tests/bench/cluster.h"
#include "tests/bench/figure.h"

namespace portico::bench {

namespace pb = portico::dataplane::v1;

// As a cluster's manifests are usually kept: a file per namespace (100 of them) and one
// for the Gateway, so that a change re-reads one file.
int writeManifests(const std::string& directory, int routes) {
  std::filesystem::create_directories(directory);
  std::ofstream infra(directory + "/infra.yaml");
  infra << "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: portico}\n"
           "spec: {controllerName: portico.dev/gateway-controller}\n---\n"
           "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\n"
           "spec:\n  gatewayClassName: portico\n  addresses: [{type: IPAddress, value: 192.0.2.100}]\n"
           "  listeners: [{name: http, port: 80, protocol: HTTP, hostname: \"*.example.com\", "
           "allowedRoutes: {namespaces: {from: All}}}]\n";
  bool ok = static_cast<bool>(infra);
  std::vector<std::ofstream> files;
  for (int n = 0; n < std::min(routes, 100); ++n) files.emplace_back(directory + "/ns" + std::to_string(n) + ".yaml");
  for (int i = 0; i < routes; ++i) {
    const std::string name = "r" + std::to_string(i), ns = "ns" + std::to_string(i % 100);
    const std::string a = std::to_string(i % 250 + 1);
    std::ofstream& out = files[static_cast<std::size_t>(i % 100)];
    out << "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " << name
        << ", namespace: " << ns << "}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: [" << name
        << ".example.com]\n  rules: [{backendRefs: [{name: " << name << ", port: 80}]}]\n"
        << "---\napiVersion: v1\nkind: Service\nmetadata: {name: " << name << ", namespace: " << ns
        << "}\nspec: {ports: [{name: http, port: 80, targetPort: 8080}]}\n"
        << "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: " << name << "-1, namespace: "
        << ns << ", labels: {kubernetes.io/service-name: " << name << "}}\naddressType: IPv4\n"
        << "ports: [{name: http, port: 8080}]\nendpoints:\n  - {addresses: [198.51.100." << a
        << "], conditions: {ready: true}}\n  - {addresses: [198.51.101." << a << "], conditions: {ready: true}}\n";
  }
  for (auto& f : files) ok = ok && static_cast<bool>(f);
  return ok ? 0 : 1;
}

int pushAck(const std::string& target, int repeats) {
  auto stub = pb::Dataplane::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  uint64_t version = 1'000'000;
  for (int routes : {10, 1000, 10000}) {
    const auto translation = cp::translate(cluster(routes));
    pb::DesiredState state = cp::buildDesiredState(translation, {{"infra/gw", {"192.0.2.100"}}});
    std::vector<double> took;
    for (int r = 0; r < repeats; ++r) {
      state.set_version(++version);
      pb::PushReply reply;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      const auto start = std::chrono::steady_clock::now();
      const grpc::Status st = stub->Push(&ctx, state, &reply);
      took.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      if (!st.ok() || !reply.accepted()) {
        std::fprintf(stderr, "portico-bench: push of %d routes: %s%s\n", routes, st.error_message().c_str(),
                     reply.error().c_str());
        return 1;
      }
    }
    std::sort(took.begin(), took.end());
    figure("config.ack_ms.routes_" + std::to_string(routes), took[took.size() / 2], "ms",
           std::to_string(routes) + " HTTPRoutes (one host, two endpoints each) pushed whole: gRPC, compile, RCU "
           "publication, every worker quiescent; median of " + std::to_string(repeats));

    // One route's endpoint moves, as in a rollout: what the control plane sends then.
    std::vector<double> deltaTook;
    cp::StateIndex before = cp::indexOf(state);
    for (int r = 0; r < repeats * 4; ++r) {
      pb::DesiredState next = state;
      next.set_version(++version);
      pb::VirtualHost* host = next.mutable_listener_ports(0)->mutable_listeners(0)->mutable_hosts(r % routes);
      host->mutable_routes(0)->mutable_backends(0)->mutable_endpoints(0)->set_address(
          "198.51.101." + std::to_string(200 + r % 50));
      cp::StateIndex after = cp::indexOf(next);
      auto delta = cp::deltaBetween(before, next, after);
      if (!delta || delta->changes_size() != 1) {
        std::fprintf(stderr, "portico-bench: a one-route change did not make a one-host delta\n");
        return 1;
      }
      delta->set_version(next.version());
      delta->set_base_version(state.version());
      pb::PushReply reply;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      const auto start = std::chrono::steady_clock::now();
      const grpc::Status st = stub->PushDelta(&ctx, *delta, &reply);
      deltaTook.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      if (!st.ok() || !reply.accepted()) {
        std::fprintf(stderr, "portico-bench: delta on %d routes: %s%s\n", routes, st.error_message().c_str(),
                     reply.error().c_str());
        return 1;
      }
      state = std::move(next);  // the next delta builds on this one
      before = std::move(after);
    }
    std::sort(deltaTook.begin(), deltaTook.end());
    figure("config.delta_ack_ms.routes_" + std::to_string(routes), deltaTook[deltaTook.size() / 2], "ms",
           "one route's endpoint changed among " + std::to_string(routes) +
               " HTTPRoutes, pushed as a delta: gRPC, compile of that host, RCU publication, every worker "
               "quiescent; median of " + std::to_string(deltaTook.size()));
  }
  return 0;
}

}  // namespace portico::bench
