// The dataplane's gRPC API over its Unix socket, against the real runtime: a push is
// acknowledged only once the running worker serves it; a rejected push names the field
// and leaves the previous version serving.

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "dataplane/api/api_server.h"
#include "proto/dataplane.grpc.pb.h"
#include "tests/packet/packet_fixture.h"

namespace portico::test {
namespace {

namespace pb = portico::dataplane::v1;

class Api : public PacketTest {
 protected:
  void SetUp() override {
    auto cfg = baseConfig();
    cfg.ports.resize(1);
    cfg.announce.count = 0;
    cfg.desired.vips = {ip("192.0.2.100")};
    start(cfg);
    socket_ = "/tmp/portico-api-test-" + std::to_string(getpid()) + ".sock";
    dp::config::ApiConfig api;
    api.socket = socket_;
    auto server = dp::api::ApiServer::start(*rt_, api);
    ASSERT_TRUE(server.ok()) << server.error().toString();
    server_ = std::move(*server);
    stub_ = pb::Dataplane::NewStub(grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_.reset();
    std::remove(socket_.c_str());
    PacketTest::TearDown();
  }

  pb::PushReply push(const pb::DesiredState& state) {
    pb::PushReply reply;
    grpc::ClientContext ctx;
    EXPECT_TRUE(stub_->Push(&ctx, state, &reply).ok());
    return reply;
  }

  std::string socket_;
  std::unique_ptr<dp::api::ApiServer> server_;
  std::unique_ptr<pb::Dataplane::Stub> stub_;
};

Bytes arpRequest(const char* target) {
  Bytes f = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), {}, v4(target)));
  f.resize(60, 0);
  return f;
}

TEST_F(Api, SocketIsOwnerOnly) {
  struct stat st {};
  ASSERT_EQ(stat(socket_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Api, PushIsAcknowledgedOnceTheRunningWorkerServesIt) {
  std::atomic<bool> stop{false};
  std::thread worker([&] { dp::worker::Worker(rt_->workerContext(0)).run(stop); });
  pb::DesiredState state;
  state.set_version(7);
  state.add_vips("192.0.2.200");
  pb::Service* svc = state.add_services();
  svc->set_name("web");
  svc->set_vip("192.0.2.150");
  svc->set_port(80);
  svc->set_protocol(pb::PROTOCOL_TCP);
  const pb::PushReply reply = push(state);
  EXPECT_TRUE(reply.accepted()) << reply.error();
  EXPECT_EQ(reply.serving_version(), 2u);
  EXPECT_EQ(reply.pushed_version(), 7u);
  // Acknowledged means served: the worker answers for the new VIPs straight away, and
  // the static VIP of the config is still served beside them.
  client_.inject(pool_, arpRequest("192.0.2.150"));
  client_.inject(pool_, arpRequest("192.0.2.100"));
  std::vector<Bytes> out;
  for (int i = 0; i < 5000 && out.size() < 2; ++i) {
    for (auto& f : client_.collect()) out.push_back(std::move(f));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  worker.join();
  EXPECT_EQ(out.size(), 2u);

  pb::DesiredState back;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->GetState(&ctx, pb::GetStateRequest{}, &back).ok());
  EXPECT_EQ(back.vips_size(), 2);  // the config's 192.0.2.100 and the pushed 192.0.2.200
  ASSERT_EQ(back.services_size(), 1);
  EXPECT_EQ(back.services(0).vip(), "192.0.2.150");
  EXPECT_EQ(back.version(), 7u);  // the pushed version, for the control plane's resync check

  // The control plane's health check asks for the version alone.
  pb::DesiredState versionOnly;
  grpc::ClientContext ctx2;
  pb::GetStateRequest request;
  request.set_version_only(true);
  ASSERT_TRUE(stub_->GetState(&ctx2, request, &versionOnly).ok());
  EXPECT_EQ(versionOnly.version(), 7u);
  EXPECT_EQ(versionOnly.vips_size(), 0);
  EXPECT_EQ(versionOnly.services_size(), 0);
}

TEST_F(Api, RejectedPushNamesTheFieldAndKeepsServing) {
  pb::DesiredState bad;
  pb::Service* svc = bad.add_services();
  svc->set_name("web");
  svc->set_vip("192.0.2.150");
  svc->set_port(80);
  svc->set_protocol(pb::PROTOCOL_TCP);
  pb::Backend* b = svc->add_backends();
  b->set_address("198.51.100.300");
  b->set_port(8080);
  pb::PushReply reply = push(bad);
  EXPECT_FALSE(reply.accepted());
  EXPECT_EQ(reply.error(), "services[0] (web).backends[0].address: '198.51.100.300' is not an IP address");
  EXPECT_EQ(reply.serving_version(), 1u);

  b->set_address("198.51.100.11");
  *bad.add_services() = *svc;  // the same address, port and protocol twice
  reply = push(bad);
  EXPECT_FALSE(reply.accepted());
  EXPECT_EQ(reply.error(), "service web (192.0.2.150:80/tcp): another service already uses this address, port and protocol");
  client_.inject(pool_, arpRequest("192.0.2.100"));
  poll();
  EXPECT_EQ(client_.collect().size(), 1u) << "the previous state still serves";
}

pb::DesiredState httpState(uint64_t version, const std::vector<std::string>& hosts) {
  pb::DesiredState state;
  state.set_version(version);
  pb::ListenerPort* port = state.add_listener_ports();
  port->set_vip("192.0.2.150");
  port->set_port(80);
  pb::Listener* l = port->add_listeners();
  l->set_name("infra/gw/http");
  for (const auto& h : hosts) {
    pb::VirtualHost* host = l->add_hosts();
    host->set_hostname(h);
    pb::Route* r = host->add_routes();
    r->set_name("HTTPRoute apps/" + h);
    pb::BackendRef* b = r->add_backends();
    b->set_name("apps/" + h + ":80");
    b->set_weight(1);
  }
  return state;
}

pb::VirtualHostChange* addChange(pb::StateDelta& delta, const std::string& hostname, const std::string& listener) {
  pb::VirtualHostChange* c = delta.add_changes();
  c->set_vip("192.0.2.150");
  c->set_port(80);
  c->set_listener(listener);
  c->mutable_host()->set_hostname(hostname);
  return c;
}

TEST_F(Api, DeltaChangesHostsOnTopOfTheServedVersion) {
  ASSERT_TRUE(push(httpState(10, {"a.example.com", "b.example.com"})).accepted());
  pb::StateDelta delta;
  delta.set_version(11);
  delta.set_base_version(10);
  pb::VirtualHostChange* c = addChange(delta, "b.example.com", "infra/gw/http");
  c->mutable_host()->add_routes()->set_name("HTTPRoute apps/b rule 1");
  addChange(delta, "new.example.com", "infra/gw/http");
  addChange(delta, "a.example.com", "infra/gw/http")->set_remove(true);
  pb::PushReply reply;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->PushDelta(&ctx, delta, &reply).ok());
  }
  EXPECT_TRUE(reply.accepted()) << reply.error();
  EXPECT_EQ(reply.pushed_version(), 11u);

  pb::DesiredState back;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->GetState(&ctx, pb::GetStateRequest{}, &back).ok());
  EXPECT_EQ(back.version(), 11u);
  const auto& hosts = back.listener_ports(0).listeners(0).hosts();
  ASSERT_EQ(hosts.size(), 2);
  EXPECT_EQ(hosts[0].hostname(), "b.example.com");
  EXPECT_EQ(hosts[0].routes(0).name(), "HTTPRoute apps/b rule 1");
  EXPECT_EQ(hosts[1].hostname(), "new.example.com");
}

TEST_F(Api, DeltaOnAnotherVersionOrListenerIsRefusedAndNothingChanges) {
  ASSERT_TRUE(push(httpState(10, {"a.example.com"})).accepted());
  pb::StateDelta delta;
  delta.set_version(11);
  delta.set_base_version(9);
  addChange(delta, "b.example.com", "infra/gw/http");
  pb::PushReply reply;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->PushDelta(&ctx, delta, &reply).ok());
  }
  EXPECT_FALSE(reply.accepted());
  EXPECT_EQ(reply.error(), "delta: based on version 9, but version 10 is served: push the whole state");

  delta.set_base_version(10);
  addChange(delta, "c.example.com", "infra/gw/https");
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub_->PushDelta(&ctx, delta, &reply).ok());
  }
  EXPECT_FALSE(reply.accepted());
  EXPECT_EQ(reply.error(),
            "listener port 192.0.2.150:80 listener infra/gw/https: is not served: a new listener needs a whole push");
  pb::DesiredState back;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->GetState(&ctx, pb::GetStateRequest{}, &back).ok());
  EXPECT_EQ(back.version(), 10u);
  EXPECT_EQ(back.listener_ports(0).listeners(0).hosts_size(), 1) << "no part of a refused delta is applied";
}

TEST_F(Api, StatsByWorkerAndTotal) {
  client_.inject(pool_, arpRequest("192.0.2.100"));
  poll();
  client_.collect();
  pb::Stats stats;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->GetStats(&ctx, pb::GetStatsRequest{}, &stats).ok());
  auto find = [](const auto& counters, const std::string& name) {
    for (const auto& c : counters) {
      if (c.name() == name) return c.value();
    }
    return uint64_t{0};
  };
  EXPECT_EQ(find(stats.total(), "arp_replies"), 1u);
  ASSERT_EQ(stats.workers_size(), 1);
  EXPECT_EQ(find(stats.workers(0).counters(), "rx_packets"), 1u);
  EXPECT_EQ(stats.serving_version(), 1u);
}

TEST_F(Api, ASocketInUseIsNotTaken) {
  dp::config::ApiConfig api;
  api.socket = socket_;
  auto second = dp::api::ApiServer::start(*rt_, api);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().toString(), "api.socket: " + socket_ + " is served by another process");
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// TCP is served only with mutual TLS: a client with a certificate from the configured
// CA gets through, one without a certificate does not.
TEST_F(Api, TcpNeedsAClientCertificate) {
  const std::string dir = PORTICO_SOURCE_ROOT "/tests/packet/testdata/";
  dp::config::ApiConfig api;
  api.socket = "";
  api.listen = "127.0.0.1:0";
  api.certificate = dir + "server.crt";
  api.key = dir + "server.key";
  api.clientCa = dir + "ca.crt";
  int port = 0;
  auto server = dp::api::ApiServer::start(*rt_, api, &port);
  ASSERT_TRUE(server.ok()) << server.error().toString();
  ASSERT_GT(port, 0);
  const std::string target = "127.0.0.1:" + std::to_string(port);

  auto call = [&](const grpc::SslCredentialsOptions& tls) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto stub = pb::Dataplane::NewStub(grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), args));
    pb::Stats stats;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    return stub->GetStats(&ctx, pb::GetStatsRequest{}, &stats).ok();
  };
  grpc::SslCredentialsOptions withCert{slurp(dir + "ca.crt"), slurp(dir + "client.key"), slurp(dir + "client.crt")};
  EXPECT_TRUE(call(withCert));
  grpc::SslCredentialsOptions withoutCert{slurp(dir + "ca.crt"), "", ""};
  EXPECT_FALSE(call(withoutCert));
}

TEST_F(Api, TcpWithoutTlsFilesIsAClearError) {
  dp::config::ApiConfig api;
  api.socket = "";
  api.listen = "127.0.0.1:0";
  api.certificate = "/nonexistent/server.crt";
  api.key = api.clientCa = "/nonexistent";
  auto server = dp::api::ApiServer::start(*rt_, api);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().toString(), "api.tls.certificate: /nonexistent/server.crt cannot be read");
}

}  // namespace
}  // namespace portico::test
