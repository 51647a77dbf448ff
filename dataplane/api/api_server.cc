#include "dataplane/api/api_server.h"

#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "dataplane/api/convert.h"
#include "dataplane/lb/flow_key.h"
#include "dataplane/runtime/runtime.h"
#include "dataplane/stats/report.h"
#include "proto/dataplane.grpc.pb.h"

namespace portico::dp::api {

namespace pb = portico::dataplane::v1;

class DataplaneService final : public pb::Dataplane::Service {
 public:
  explicit DataplaneService(runtime::Runtime& rt) : rt_(rt) {}

  grpc::Status Push(grpc::ServerContext* ctx, const pb::DesiredState* request, pb::PushReply* reply) override {
    // A client that gave up (deadline) will push again; publishing for it would only
    // queue more work on the control path.
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the client gave up");
    auto state = fromProto(*request);
    std::lock_guard lock(pushMutex_);
    const Status st = state ? rt_.publish(runtime::Runtime::Source::kControlPlane, std::move(*state)) : Status(state.error());
    return answer(st, request->version(), reply);
  }

  grpc::Status PushDelta(grpc::ServerContext* ctx, const pb::StateDelta* request, pb::PushReply* reply) override {
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the client gave up");
    // The base check and the publication are one step: a whole push still compiling
    // must not slip in between.
    std::lock_guard lock(pushMutex_);
    Status st = Ok{};
    if (const uint64_t serving = pushedVersion_.load(); request->base_version() != serving || serving == 0) {
      st = Error{"delta", "based on version " + std::to_string(request->base_version()) + ", but version " +
                              std::to_string(serving) + " is served: push the whole state"};
    }
    if (st) {
      auto changes = fromProto(*request);
      st = changes ? rt_.publishDelta(*changes) : Status(changes.error());
    }
    return answer(st, request->version(), reply);
  }

  grpc::Status GetState(grpc::ServerContext*, const pb::GetStateRequest* request, pb::DesiredState* reply) override {
    // The version is the control plane's last accepted push (0: none since start), so a
    // control plane sees at once that a restarted dataplane needs the state again.
    if (request->version_only()) {
      reply->set_version(pushedVersion_.load());
      return grpc::Status::OK;
    }
    const auto state = rt_.desired().first;
    *reply = toProto(state, pushedVersion_.load());
    return grpc::Status::OK;
  }

  grpc::Status GetStats(grpc::ServerContext*, const pb::GetStatsRequest*, pb::Stats* reply) override {
    reply->set_serving_version(rt_.version());
    LcoreCounters total;
    rt_.addTotals(total);
    for (const auto& [name, value] : counterValues(total)) {
      pb::Counter* c = reply->add_total();
      c->set_name(name);
      c->set_value(value);
    }
    for (unsigned w = 0; w < rt_.workers().size(); ++w) {
      pb::Stats::Worker* worker = reply->add_workers();
      worker->set_index(w);
      worker->set_lcore(rt_.workerLcore(w));
      for (const auto& [name, value] : counterValues(rt_.workerCounters(w))) {
        pb::Counter* c = worker->add_counters();
        c->set_name(name);
        c->set_value(value);
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status ListFlows(grpc::ServerContext*, const pb::ListFlowsRequest* request, pb::Flows* reply) override {
    const uint32_t limit = request->limit() == 0 ? 1000 : std::min<uint32_t>(request->limit(), 100000);
    for (const auto& [worker, f] : rt_.listFlows(limit)) {
      pb::Flow* out = reply->add_flows();
      out->set_worker(worker);
      out->set_protocol(f.forward.proto == 6 ? pb::PROTOCOL_TCP : pb::PROTOCOL_UDP);
      out->set_client(endpoint(f.forward.src, f.forward.srcPort, f.forward.family));
      out->set_vip(endpoint(f.forward.dst, f.forward.dstPort, f.forward.family));
      // An L7 connection has no backend side until its first request is routed.
      if (f.reverse.family != 0) {
        out->set_snat(endpoint(f.reverse.dst, f.reverse.dstPort, f.reverse.family));
        out->set_backend(endpoint(f.reverse.src, f.reverse.srcPort, f.reverse.family));
      }
      static constexpr const char* kStates[] = {"syn", "established", "fin_from_client", "fin_from_backend",
                                                  "closed", "reset", "udp", "syn_ack"};
      out->set_state(kStates[static_cast<int>(f.state)]);
      out->set_idle_ms(f.idleMs);
    }
    return grpc::Status::OK;
  }

  grpc::Status SetDraining(grpc::ServerContext*, const pb::SetDrainingRequest* request,
                           pb::SetDrainingReply* reply) override {
    if (rt_.draining() != request->draining()) {
      std::fprintf(stderr, "portico-dataplane: %s\n", request->draining() ? "drained: health checks answer 503 DRAINING"
                                                                           : "drain ended: health checks answer again");
    }
    rt_.setDraining(request->draining());
    reply->set_draining(rt_.draining());
    reply->set_health_port(rt_.healthPort());
    return grpc::Status::OK;
  }

 private:
  grpc::Status answer(const Status& st, uint64_t pushed, pb::PushReply* reply) {
    reply->set_accepted(st.ok());
    reply->set_pushed_version(pushed);
    // The last accepted push names the served version, even a lower one: a restarted
    // control plane counts from 1 again.
    if (st.ok()) pushedVersion_.store(pushed);
    reply->set_serving_version(rt_.version());
    if (!st.ok()) reply->set_error(st.error().toString());
    return grpc::Status::OK;
  }

  static std::string endpoint(const pkt::Ipv6Addr& addr, uint16_t portBe, uint8_t family) {
    const pkt::IpAddress a = family == 4 ? pkt::IpAddress::fromV4(lb::v4FromMapped(addr)) : pkt::IpAddress::fromV6(addr);
    const std::string host = family == 4 ? a.toString() : "[" + a.toString() + "]";
    return host + ":" + std::to_string(pkt::ntoh16(portBe));
  }

  runtime::Runtime& rt_;
  std::mutex pushMutex_;  // one push (whole or delta) at a time, with its version
  std::atomic<uint64_t> pushedVersion_{0};
};

namespace {

// True when something accepts connections on the Unix socket: another dataplane is
// serving there, and its socket must not be taken from it.
bool socketInUse(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  const bool inUse = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return inUse;
}

Result<std::string> readPem(const std::string& path, const char* key) {
  std::ifstream in(path);
  if (!in) return Error{std::string("api.tls.") + key, path + " cannot be read"};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::start(runtime::Runtime& runtime, const config::ApiConfig& config,
                                                     int* tcpPort) {
  std::unique_ptr<ApiServer> api(new ApiServer());
  api->service_ = std::make_unique<DataplaneService>(runtime);
  grpc::ServerBuilder builder;
  builder.RegisterService(api->service_.get());
  if (!config.socket.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(config.socket).parent_path(), ec);
    if (socketInUse(config.socket)) return Error{"api.socket", config.socket + " is served by another process"};
    std::filesystem::remove(config.socket, ec);  // a socket left by a dataplane that died
    builder.AddListeningPort("unix:" + config.socket, grpc::InsecureServerCredentials());
  }
  if (!config.listen.empty()) {
    auto cert = readPem(config.certificate, "certificate");
    auto key = readPem(config.key, "key");
    auto ca = readPem(config.clientCa, "client_ca");
    for (const auto* r : {&cert, &key, &ca}) {
      if (!*r) return r->error();
    }
    grpc::SslServerCredentialsOptions tls(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    tls.pem_root_certs = *ca;
    tls.pem_key_cert_pairs.push_back({*key, *cert});
    builder.AddListeningPort(config.listen, grpc::SslServerCredentials(tls), tcpPort);
  }
  // The socket file is created with whatever the umask allows; only the owner may use it.
  const mode_t old = umask(0177);
  api->server_ = builder.BuildAndStart();
  umask(old);
  if (!api->server_) {
    return Error{"api", "cannot serve on " + (config.socket.empty() ? config.listen : "unix:" + config.socket) +
                            (config.listen.empty() || config.socket.empty() ? "" : " and " + config.listen)};
  }
  if (!config.socket.empty()) chmod(config.socket.c_str(), 0600);
  return api;
}

void ApiServer::shutdown() {
  if (server_) server_->Shutdown();
}

ApiServer::~ApiServer() { shutdown(); }

}  // namespace portico::dp::api
