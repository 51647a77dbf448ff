#include "controlplane/bgp/gobgp_speaker.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <vector>

#include "proto/attribute.pb.h"

namespace portico::cp {

namespace {

constexpr auto kRetry = std::chrono::seconds(1);
constexpr auto kCallDeadline = std::chrono::seconds(3);

void deadline(grpc::ClientContext& ctx) { ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline); }

bool isV6(const std::string& address) { return address.find(':') != std::string::npos; }

apipb::Family family(bool v6) {
  apipb::Family f;
  f.set_afi(v6 ? apipb::Family::AFI_IP6 : apipb::Family::AFI_IP);
  f.set_safi(apipb::Family::SAFI_UNICAST);
  return f;
}

uint32_t community(const std::string& text) {
  unsigned hi = 0, lo = 0;
  std::sscanf(text.c_str(), "%u:%u", &hi, &lo);  // validated with the config
  return hi << 16 | lo;
}

// A VIP's path: its host prefix, next hop self (gobgpd puts its own address in place of
// the unspecified one), the configured attributes.
apipb::Path pathFor(const std::string& vip, const BgpConfig& cfg) {
  const bool v6 = isV6(vip);
  apipb::Path path;
  *path.mutable_family() = family(v6);
  apipb::IPAddressPrefix prefix;
  prefix.set_prefix(vip);
  prefix.set_prefix_len(v6 ? 128 : 32);
  path.mutable_nlri()->PackFrom(prefix);
  apipb::OriginAttribute origin;
  origin.set_origin(0);  // IGP
  path.add_pattrs()->PackFrom(origin);
  if (v6) {
    apipb::MpReachNLRIAttribute reach;
    *reach.mutable_family() = family(true);
    reach.add_next_hops("::");
    reach.add_nlris()->PackFrom(prefix);
    path.add_pattrs()->PackFrom(reach);
  } else {
    apipb::NextHopAttribute nextHop;
    nextHop.set_next_hop("0.0.0.0");
    path.add_pattrs()->PackFrom(nextHop);
  }
  if (!cfg.communities.empty()) {
    apipb::CommunitiesAttribute communities;
    for (const auto& c : cfg.communities) communities.add_communities(community(c));
    path.add_pattrs()->PackFrom(communities);
  }
  if (cfg.localPref != 0) {
    apipb::LocalPrefAttribute pref;
    pref.set_local_pref(cfg.localPref);
    path.add_pattrs()->PackFrom(pref);
  }
  return path;
}

}  // namespace

GobgpSpeaker::GobgpSpeaker(BgpConfig cfg, Log log)
    : cfg_(std::move(cfg)),
      log_(std::move(log)),
      stub_(apipb::GobgpApi::NewStub(grpc::CreateChannel(cfg_.api, grpc::InsecureChannelCredentials()))),
      thread_([this] { run(); }) {}

GobgpSpeaker::~GobgpSpeaker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void GobgpSpeaker::announce(const std::set<std::string>& vips) {
  {
    std::lock_guard lock(mutex_);
    if (told_ && vips == wanted_) return;
    told_ = true;
    wanted_ = vips;
    dirty_ = true;
  }
  wake_.notify_all();
}

bool GobgpSpeaker::ensureDaemon() {
  if (child_ > 0) {
    int status = 0;
    if (::waitpid(child_, &status, WNOHANG) == child_) {
      // A daemon that cannot start at all is retried every second; say so now and then.
      ++exits_;
      if ((exits_ & (exits_ - 1)) == 0) {
        const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
        log_(missing ? "bgp: cannot run '" + cfg_.gobgpd + "' (bgp.gobgpd); retrying"
                     : "bgp: gobgpd exited; starting it again (graceful restart: peers keep the routes meanwhile)");
      }
      child_ = -1;
      restarted_ = true;
      configured_ = false;
    }
  }
  grpc::ClientContext ctx;
  deadline(ctx);
  apipb::GetBgpResponse bgp;
  const grpc::Status st = stub_->GetBgp(&ctx, apipb::GetBgpRequest{}, &bgp);
  if (st.ok()) {
    exits_ = 0;
    // Running and answering. Started by someone, maybe an earlier control plane: adopt it.
    if (bgp.global().asn() != 0 && !configured_) {
      log_("bgp: adopting the running gobgpd at " + cfg_.api);
      configured_ = true;
      std::lock_guard lock(mutex_);
      dirty_ = told_;
    }
    return true;
  }
  if (child_ > 0) return false;  // started, not answering yet
  // One we configured (or adopted) is gone, even if it was not our child: the new one
  // restarts, and says so to peers so they keep its routes meanwhile.
  if (configured_) {
    log_("bgp: gobgpd at " + cfg_.api + " stopped answering; starting it again");
    restarted_ = true;
    configured_ = false;
  }
  std::vector<std::string> args{cfg_.gobgpd, "--api-hosts", cfg_.api, "--pprof-disable", "--log-plain", "-l", "warn"};
  if (restarted_ && cfg_.gracefulRestartS != 0) args.push_back("--graceful-restart");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // its own session: the sessions outlive a control-plane restart
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "portico-controlplane: bgp: cannot run %s\n", argv[0]);
    ::_exit(127);
  }
  if (pid < 0) {
    log_("bgp: cannot start gobgpd (fork failed)");
    return false;
  }
  child_ = pid;
  configured_ = false;
  if (!cfg_.pidFile.empty()) std::ofstream(cfg_.pidFile) << pid << "\n";
  log_("bgp: started gobgpd (pid " + std::to_string(pid) + ", API " + cfg_.api + ")");
  return false;
}

bool GobgpSpeaker::configure() {
  apipb::StartBgpRequest start;
  apipb::Global& g = *start.mutable_global();
  g.set_asn(cfg_.asn);
  g.set_router_id(cfg_.routerId);
  g.set_listen_port(179);
  for (const auto& a : cfg_.listenAddresses) g.add_listen_addresses(a);
  if (cfg_.gracefulRestartS != 0) {
    g.mutable_graceful_restart()->set_enabled(true);
    g.mutable_graceful_restart()->set_restart_time(cfg_.gracefulRestartS);
  }
  grpc::ClientContext ctx;
  deadline(ctx);
  google::protobuf::Empty empty;
  if (const grpc::Status st = stub_->StartBgp(&ctx, start, &empty); !st.ok()) {
    log_("bgp: gobgpd refused the global settings: " + st.error_message());
    return false;
  }
  // The paths go in before the peers. A peer that kept our routes across a restart
  // (graceful restart) drops every one our End-of-RIB does not carry, and a session that
  // came up before the paths were added sent that End-of-RIB on an empty table: the VIP
  // was withdrawn for a moment (the lab's bgp test, once in CI).
  std::set<std::string> wanted;
  bool told = false;
  {
    std::lock_guard lock(mutex_);
    wanted = wanted_;
    told = told_;
  }
  if (told && !reconcile(wanted)) return false;
  for (const BgpPeer& p : cfg_.peers) {
    apipb::AddPeerRequest add;
    apipb::Peer& peer = *add.mutable_peer();
    peer.mutable_conf()->set_neighbor_address(p.address);
    peer.mutable_conf()->set_peer_asn(p.asn);
    peer.mutable_conf()->set_auth_password(p.password);
    peer.mutable_timers()->mutable_config()->set_hold_time(p.holdTimeS);
    peer.mutable_timers()->mutable_config()->set_keepalive_interval(std::max(1u, p.holdTimeS / 3));
    peer.mutable_timers()->mutable_config()->set_connect_retry(5);
    if (p.multihopTtl != 0) {
      peer.mutable_ebgp_multihop()->set_enabled(true);
      peer.mutable_ebgp_multihop()->set_multihop_ttl(p.multihopTtl);
    }
    if (cfg_.gracefulRestartS != 0) {
      peer.mutable_graceful_restart()->set_enabled(true);
      peer.mutable_graceful_restart()->set_restart_time(cfg_.gracefulRestartS);
    }
    for (bool v6 : {false, true}) {
      apipb::AfiSafi& as = *peer.add_afi_safis();
      *as.mutable_config()->mutable_family() = family(v6);
      as.mutable_config()->set_enabled(true);
      if (cfg_.gracefulRestartS != 0) as.mutable_mp_graceful_restart()->mutable_config()->set_enabled(true);
    }
    grpc::ClientContext pctx;
    deadline(pctx);
    if (const grpc::Status st = stub_->AddPeer(&pctx, add, &empty); !st.ok()) {
      log_("bgp: peer " + p.address + ": " + st.error_message());
      return false;
    }
  }
  log_("bgp: AS " + std::to_string(cfg_.asn) + ", router id " + cfg_.routerId + ", " + std::to_string(cfg_.peers.size()) +
       " peers");
  return true;
}

bool GobgpSpeaker::reconcile(const std::set<std::string>& wanted) {
  // What gobgpd holds now: after a restart or an adoption that is the truth, not our notes.
  std::set<std::string> held;
  for (bool v6 : {false, true}) {
    apipb::ListPathRequest req;
    req.set_table_type(apipb::GLOBAL);
    *req.mutable_family() = family(v6);
    grpc::ClientContext ctx;
    deadline(ctx);
    auto reader = stub_->ListPath(&ctx, req);
    apipb::ListPathResponse resp;
    while (reader->Read(&resp)) {
      const std::string& prefix = resp.destination().prefix();
      held.insert(prefix.substr(0, prefix.find('/')));
    }
    if (!reader->Finish().ok()) return false;
  }
  google::protobuf::Empty empty;
  for (const auto& vip : wanted) {
    if (held.count(vip)) continue;
    apipb::AddPathRequest add;
    add.set_table_type(apipb::GLOBAL);
    *add.mutable_path() = pathFor(vip, cfg_);
    grpc::ClientContext ctx;
    deadline(ctx);
    apipb::AddPathResponse resp;
    if (const grpc::Status st = stub_->AddPath(&ctx, add, &resp); !st.ok()) {
      log_("bgp: cannot announce " + vip + ": " + st.error_message());
      return false;
    }
    log_("bgp: announcing " + vip);
  }
  for (const auto& vip : held) {
    if (wanted.count(vip)) continue;
    apipb::DeletePathRequest del;
    del.set_table_type(apipb::GLOBAL);
    *del.mutable_family() = family(isV6(vip));
    *del.mutable_path() = pathFor(vip, cfg_);
    grpc::ClientContext ctx;
    deadline(ctx);
    if (const grpc::Status st = stub_->DeletePath(&ctx, del, &empty); !st.ok()) {
      log_("bgp: cannot withdraw " + vip + ": " + st.error_message());
      return false;
    }
    log_("bgp: withdrawing " + vip);
  }
  return true;
}

std::map<std::string, bool> GobgpSpeaker::peersEstablished() const {
  std::lock_guard lock(mutex_);
  return established_;
}

void GobgpSpeaker::checkPeers() {
  std::map<std::string, bool> now;
  for (const BgpPeer& p : cfg_.peers) now[p.address] = false;
  if (configured_) {
    grpc::ClientContext ctx;
    deadline(ctx);
    auto reader = stub_->ListPeer(&ctx, apipb::ListPeerRequest{});
    apipb::ListPeerResponse response;
    while (reader->Read(&response)) {
      const auto& state = response.peer().state();
      const auto it = now.find(state.neighbor_address());
      if (it != now.end()) it->second = state.session_state() == apipb::PeerState::ESTABLISHED;
    }
    reader->Finish();  // a failed call leaves every peer down, which is what it means
  }
  std::lock_guard lock(mutex_);
  established_ = std::move(now);
}

void GobgpSpeaker::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    bool ok = ensureDaemon();
    if (ok && !configured_) {
      configured_ = configure();
      ok = configured_;
      if (ok) {
        lock.lock();
        dirty_ = told_;
        lock.unlock();
      }
    }
    checkPeers();
    lock.lock();
    if (ok && dirty_) {
      const std::set<std::string> wanted = wanted_;
      dirty_ = false;
      lock.unlock();
      const bool done = reconcile(wanted);
      lock.lock();
      if (!done) dirty_ = true;
    }
    // Checked every second: a dead gobgpd is noticed and replaced within that. After a
    // failure, only the second passing tries again.
    if (ok && !dirty_) {
      wake_.wait_for(lock, kRetry, [this] { return stop_ || dirty_; });
    } else {
      wake_.wait_for(lock, kRetry, [this] { return stop_; });
    }
  }
}

}  // namespace portico::cp
