// portico-controlplane: reads Gateway API objects from the Kubernetes API or from a
// manifest directory, translates them on every change, assigns VIPs, keeps every
// dataplane serving the result, and (from Kubernetes, when it leads) writes status back.
//   portico-controlplane --config controlplane.yaml [--kubeconfig FILE | --manifests DIR]
// With neither, it runs in-cluster (the pod's service account).

#include <systemd/sd-daemon.h>

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/security/credentials.h>

#include "common/metrics/metrics_http.h"
#include "controlplane/bgp/announce_policy.h"
#include "controlplane/bgp/gobgp_speaker.h"
#include "controlplane/config/config.h"
#include "controlplane/metrics/controlplane_metrics.h"
#include "controlplane/push/dataplane_client.h"
#include "controlplane/push/desired_state.h"
#include "controlplane/source/k8s/k8s_source.h"
#include "controlplane/source/manifest_source.h"
#include "controlplane/status/leader_election.h"
#include "controlplane/status/status_json.h"
#include "controlplane/status/status_writer.h"
#include "controlplane/translate/addresses.h"
#include "controlplane/translate/ingress.h"
#include "controlplane/translate/load_balancers.h"
#include "controlplane/translate/translation.h"

namespace {

using namespace portico::cp;

std::atomic<bool> gStop{false};
void onStop(int) { gStop.store(true); }

void logLine(const std::string& line) {
  std::printf("portico-controlplane: %s\n", line.c_str());
  std::fflush(stdout);
}

constexpr const char* kUsage = "usage: portico-controlplane --config FILE [--kubeconfig FILE | --manifests DIR]\n";

int usage(const std::string& problem) {
  std::fprintf(stderr, "portico-controlplane: %s\n%s", problem.c_str(), kUsage);
  return 2;
}

// Routes whose status carries a parent entry of our controller, keyed "Kind namespace/name":
// written by this control plane or by any before it (an earlier leader, an earlier run).
std::vector<std::string> routesNamingUs(const ClusterState& state) {
  std::vector<std::string> out;
  const auto namesUs = [](const auto& route) {
    return std::find(route.statusControllers.begin(), route.statusControllers.end(), kControllerName) !=
           route.statusControllers.end();
  };
  const auto add = [&](const char* kind, const auto& routes) {
    for (const auto& r : routes) {
      if (namesUs(r)) out.push_back(std::string(kind) + " " + r.meta.key());
    }
  };
  add("HTTPRoute", state.httpRoutes);
  add("TLSRoute", state.tlsRoutes);
  add("TCPRoute", state.tcpRoutes);
  add("UDPRoute", state.udpRoutes);
  return out;
}

// The Ingresses served get their Gateway's addresses; the objects their conversion made
// exist only here, and get no status.
struct ServedIngresses {
  std::string gateway;                 // namespace/name of the Gateway they are served on
  std::vector<std::string> ingresses;  // namespace/name
  std::set<std::string> made;          // "Kind namespace/name" of the objects made for them
};

// Every status translation wants written, keyed "Kind namespace/name", and the detaching of
// routes that name us in their status but no longer attach to any of our Gateways.
// A LoadBalancer Service's addresses are written with the rest: once every dataplane
// serves them, or when one has not acknowledged in kStatusWait (MetalLB writes them at
// assignment, when a client that reads them may find nothing answering yet).
std::map<std::string, StatusTarget> wantedStatuses(const Translation& t, const std::vector<LoadBalancerService>& loadBalancers,
                                                   const std::map<std::string, std::vector<std::string>>& addresses,
                                                   bool programmed, const std::vector<std::string>& namingUs,
                                                   const ServedIngresses& served) {
  std::map<std::string, StatusTarget> out;
  const auto addressesOf = [&addresses](const std::string& key) {
    const auto a = addresses.find(key);
    return a == addresses.end() ? std::vector<std::string>{} : a->second;
  };
  for (const auto& lb : loadBalancers) {
    out.emplace(lb.claim.key, statusTarget("Service", lb.key, loadBalancerStatus(addressesOf(lb.claim.key))));
  }
  for (const auto& key : served.ingresses) {
    out.emplace("Ingress " + key, statusTarget("Ingress", key, loadBalancerStatus(addressesOf(served.gateway), "Ingress")));
  }
  for (const auto& s : t.statuses) {
    if (served.made.count(s.kind + " " + s.key)) continue;
    const std::vector<std::string> gatewayAddresses = s.kind == "Gateway" ? addressesOf(s.key) : std::vector<std::string>{};
    out.emplace(s.kind + " " + s.key, statusTarget(s.kind, s.key, desiredStatus(s, gatewayAddresses, programmed)));
  }
  for (const std::string& key : namingUs) {
    if (!out.count(key)) out.emplace(key, releasedStatus(key));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath, manifests, kubeconfig;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "--manifests" || arg == "--kubeconfig") && i + 1 < argc) {
      (arg == "--config" ? configPath : arg == "--manifests" ? manifests : kubeconfig) = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      return usage("unknown argument '" + arg + "'");
    }
  }
  if (configPath.empty()) return usage("--config FILE is required");
  if (!manifests.empty() && !kubeconfig.empty()) return usage("--manifests and --kubeconfig exclude each other");
  ControlPlaneConfig cfg;
  Problem problem;
  if (!loadControlPlaneConfig(configPath, cfg, problem)) {
    std::fprintf(stderr, "portico-controlplane: %s\n", problem.toString().c_str());
    return 2;
  }
  std::unique_ptr<StateSource> source;
  std::unique_ptr<k8s::K8sSource> kube;  // also the source, when it is Kubernetes
  if (!manifests.empty()) {
    auto dir = std::make_unique<ManifestSource>(manifests);
    if (!dir->ok()) {
      std::fprintf(stderr, "portico-controlplane: %s: cannot be watched (inotify)\n", manifests.c_str());
      return 1;
    }
    source = std::move(dir);
  } else {
    const auto api = kubeconfig.empty() ? k8s::inClusterConfig(problem) : k8s::loadKubeConfig(kubeconfig, problem);
    if (!api) {
      std::fprintf(stderr, "portico-controlplane: %s\n", problem.toString().c_str());
      return 2;
    }
    if (cfg.kubernetes.leaseNamespace.empty()) cfg.kubernetes.leaseNamespace = api->ns;
    k8s::K8sSettings settings;
    settings.timing.watchTimeoutS = cfg.kubernetes.watchTimeoutS;
    settings.secretRefresh = std::chrono::seconds(cfg.kubernetes.secretRefreshS);
    settings.ingresses = cfg.ingress.enabled;
    logLine("reading Gateway API objects from " + api->server);
    kube = std::make_unique<k8s::K8sSource>(*api, logLine, settings);
  }
  struct sigaction sa {};
  sa.sa_handler = onStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::shared_ptr<grpc::ChannelCredentials> tls;
  if (!cfg.dataplaneTls.ca.empty()) {
    grpc::SslCredentialsOptions options;
    const std::pair<const char*, std::string*> files[] = {{"certificate", &options.pem_cert_chain},
                                                          {"key", &options.pem_private_key},
                                                          {"ca", &options.pem_root_certs}};
    const std::string* paths[] = {&cfg.dataplaneTls.certificate, &cfg.dataplaneTls.key, &cfg.dataplaneTls.ca};
    for (std::size_t i = 0; i < 3; ++i) {
      std::ifstream in(*paths[i]);
      std::stringstream text;
      text << in.rdbuf();
      *files[i].second = text.str();
      if (!in || files[i].second->empty()) {
        std::fprintf(stderr, "portico-controlplane: %s: dataplane_tls.%s: cannot read %s\n", configPath.c_str(),
                     files[i].first, paths[i]->c_str());
        return 2;
      }
    }
    tls = grpc::SslCredentials(options);
  }
  std::vector<std::unique_ptr<DataplaneClient>> clients;
  for (const auto& target : cfg.dataplanes) {
    clients.push_back(std::make_unique<DataplaneClient>(
        target, target.rfind("unix:", 0) == 0 ? grpc::InsecureChannelCredentials() : tls, logLine));
  }
  ControlplaneMetrics metrics(cfg.dataplanes, kube != nullptr);
  std::unique_ptr<portico::common::MetricsHttp> metricsHttp;
  if (!cfg.metricsListen.empty()) {
    std::string error;
    metricsHttp = portico::common::MetricsHttp::start(
        cfg.metricsListen, {[&metrics] { return metrics.text(); }, [&metrics] { return metrics.ready(); }}, error);
    if (!metricsHttp) {
      std::fprintf(stderr, "portico-controlplane: %s: %s\n", configPath.c_str(), error.c_str());
      return 1;
    }
    logLine("metrics on http://" + cfg.metricsListen + "/metrics (and /healthz, /readyz)");
  }

  // Status goes back to Kubernetes from whichever control plane holds the lease; every
  // one of them keeps its dataplanes programmed.
  std::unique_ptr<StatusWriter> writer;
  std::unique_ptr<LeaderElection> election;
  if (kube) {
    writer = std::make_unique<StatusWriter>(
        kube->api(), [&kube](const std::string& kind, const std::string& ns, const std::string& name) {
          return kube->objectPath(kind, ns, name);
        },
        logLine);
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    LeaseSettings lease{cfg.kubernetes.leaseNamespace, cfg.kubernetes.leaseName,
                        std::string(host) + "_" + std::to_string(getpid()),
                        std::chrono::seconds(cfg.kubernetes.leaseDurationS)};
    election = std::make_unique<LeaderElection>(kube->api(), lease, logLine,
                                                [&writer, &metrics](bool leader) {
                                                  writer->setLeader(leader);
                                                  metrics.leader(leader);
                                                });
  }
  StateSource& from = kube ? static_cast<StateSource&>(*kube) : *source;

  std::unique_ptr<GobgpSpeaker> speaker;
  if (cfg.bgp.enabled) speaker = std::make_unique<GobgpSpeaker>(cfg.bgp, logLine);
  // Per version pushed, the VIPs BGP may announce once a dataplane serves that version.
  std::map<uint64_t, std::set<std::string>> announceable;

  uint64_t version = 0;
  std::map<std::string, std::vector<std::string>> addresses;  // kept across reloads: VIPs stay put
  std::string lastContent;
  std::set<std::string> reported;
  bool announcedProgrammed = false;
  bool notifiedReady = false;
  bool reload = true;
  std::optional<Translation> translated;  // the latest, kept for status writes
  std::vector<LoadBalancerService> loadBalancers;
  CertificateMemory lastGoodCertificates;  // what a Secret served before a bad edit
  std::vector<std::string> namingUs;  // routes whose status names our controller, from the same state
  ServedIngresses ingressesServed;     // from the same state
  std::optional<std::chrono::steady_clock::time_point> statusChangedAt;
  bool wasAllAcked = false;
  std::chrono::steady_clock::time_point pushedAt{};  // status not yet handed to the writer
  constexpr auto kStatusWait = std::chrono::seconds(5);
  std::string lastWait;
  std::chrono::steady_clock::time_point lastTrim{};
  while (!gStop.load()) {
    sd_notify(0, "WATCHDOG=1");  // the loop turns at least once a second plus the debounce
    bool statusDirty = false;
    if (reload) {
      std::vector<Problem> problems;
      const auto loaded = from.load(problems);
      if (!loaded) {
        // Half a state would withdraw every VIP it did not read: keep the last one.
        std::string why;
        for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p.toString();
        if (why != lastWait) logLine(why + "; keeping version " + std::to_string(version));
        metrics.stateRead(false, problems.size());
        lastWait = why;
        reload = from.waitForChange(std::chrono::milliseconds(1000), std::chrono::milliseconds(cfg.debounceMs)) || true;
        continue;
      }
      lastWait.clear();
      if (!notifiedReady) {
        // The state is read: the service is up whether or not a dataplane answers yet.
        sd_notify(0, "READY=1");
        notifiedReady = true;
      }
      // Ingresses of ours are served as what they convert to, translated with the rest.
      std::optional<ClusterState> withIngress;
      std::optional<IngressConversion> conversion;
      std::vector<std::string> ingressNotes;
      if (cfg.ingress.enabled) {
        conversion = convertIngresses(*loaded, cfg.ingress);
        for (const auto& n : conversion->notes) ingressNotes.push_back(n.toString());
        ingressesServed = {cfg.ingress.gatewayNamespace + "/" + cfg.ingress.gatewayName, conversion->ingresses, {}};
        withIngress = withIngresses(*loaded, *conversion, cfg.ingress, &ingressesServed.made);
      }
      const ClusterState& state = withIngress ? *withIngress : *loaded;
      const auto translateStart = std::chrono::steady_clock::now();
      translated = translate(state, lastGoodCertificates);
      if (conversion) {
        for (auto& c : ingressConflicts(*translated, *conversion, cfg.ingress)) ingressNotes.push_back(std::move(c));
      }
      const double translateSeconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - translateStart).count();
      lastGoodCertificates = translated->goodCertificates;
      namingUs = routesNamingUs(state);
      const Translation& translation = *translated;
      statusDirty = true;
      Assignment assigned = assignAll(state, translation, cfg.addressPools, cfg.loadBalancers, addresses, problems);
      loadBalancers = std::move(assigned.loadBalancers);
      addresses = std::move(assigned.addresses);
      std::set<std::string> now(ingressNotes.begin(), ingressNotes.end());
      for (const auto& p : problems) now.insert(p.toString());
      // A listener's unresolved references (a bad certificate, a missing grant): with
      // manifests the log is where an operator sees them.
      for (const auto& st : translation.statuses) {
        for (const auto& l : st.listeners) {
          const Condition* refs = l.condition("ResolvedRefs");
          if (refs != nullptr && refs->status == "False") {
            now.insert(st.kind + " " + st.key + " listener " + l.name + ": " + refs->reason + ": " + refs->message);
          }
        }
      }
      for (const auto& line : now) {
        if (!reported.count(line)) logLine(line);
      }
      reported = now;
      metrics.stateRead(true, now.size());
      metrics.translated(translateSeconds, translation.gateways.size());
      auto desired = buildDesiredState(translation, addresses, loadBalancers);
      std::string content = desired.SerializeAsString();
      if (content != lastContent) {
        lastContent = std::move(content);
        desired.set_version(++version);
        if (speaker) announceable[version] = announceableVips(desired, cfg.addressPools);
        logLine("version " + std::to_string(version) + ": " + std::to_string(translation.gateways.size()) + " gateways, " +
                std::to_string(loadBalancers.size()) + " LoadBalancer services, " + std::to_string(desired.vips_size()) +
                " VIPs");
        const auto vips = static_cast<std::size_t>(desired.vips_size());
        const auto shared = std::make_shared<const portico::dataplane::v1::DesiredState>(std::move(desired));
        for (auto& c : clients) c->setState(shared);
        pushedAt = std::chrono::steady_clock::now();
        metrics.pushed(version, vips, pushedAt);
        announcedProgrammed = false;
      }
      // Only status writes need the translation after this.
      if (!writer) translated.reset();
    }
    // The reload's objects and translation are freed by now; hand their pages back
    // rather than keep the peak of the largest state resident for good. Not after every
    // reload: trimming walks the whole heap, and a cluster changes often.
    if (reload && std::chrono::steady_clock::now() - lastTrim > std::chrono::seconds(10)) {
      malloc_trim(0);
      lastTrim = std::chrono::steady_clock::now();
    }
    const auto turn = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < clients.size(); ++i) metrics.dataplane(i, clients[i]->ackedVersion(), clients[i]->healthy(), turn);
    const bool allAcked = std::all_of(clients.begin(), clients.end(), [&](const auto& c) { return c->ackedVersion() == version; });
    if (allAcked && !announcedProgrammed && version != 0) {
      logLine("programmed: every dataplane serves version " + std::to_string(version));
      announcedProgrammed = true;
    }
    if (!allAcked) announcedProgrammed = false;
    // Status follows the ACK, so Programmed does not flicker through Unknown on every
    // change; dataplanes that do not ACK within kStatusWait get it written as pending.
    // A late ACK (a dataplane that was down) must still turn Programmed True.
    if (statusDirty || (allAcked && !wasAllAcked)) statusChangedAt = std::chrono::steady_clock::now();
    wasAllAcked = allAcked;
    if (writer && translated && statusChangedAt &&
        (allAcked || std::chrono::steady_clock::now() - *statusChangedAt > kStatusWait)) {
      writer->update(wantedStatuses(*translated, loadBalancers, addresses, allAcked && version != 0, namingUs,
                                    ingressesServed));
      statusChangedAt.reset();
    }
    const bool settled = std::all_of(clients.begin(), clients.end(), [](const auto& c) { return c->settled(); });
    if (speaker && settled) {
      // A VIP is announced while some dataplane that answers its health check serves a
      // version in which it can be served; a dataplane that stops answering takes its
      // VIPs with it within a second of its check failing.
      std::set<std::string> vips;
      uint64_t oldest = version;
      for (const auto& c : clients) {
        oldest = std::min(oldest, c->ackedVersion());
        if (!c->healthy()) continue;
        if (auto it = announceable.find(c->ackedVersion()); it != announceable.end()) vips.insert(it->second.begin(), it->second.end());
      }
      speaker->announce(vips);
      metrics.announced(vips.size());
      metrics.bgpPeers(speaker->peersEstablished());
      announceable.erase(announceable.begin(), announceable.lower_bound(std::max<uint64_t>(oldest, 1)));
    }
    // For a while after a push, look at the ACKs often: "programmed" (and status) follow
    // within milliseconds of the last one, not at the next idle tick. A dataplane that is
    // down is not worth 500 wake-ups a second.
    const bool awaitingAck = !allAcked && std::chrono::steady_clock::now() - pushedAt < std::chrono::seconds(2);
    reload = from.waitForChange(std::chrono::milliseconds(awaitingAck ? 2 : 200), std::chrono::milliseconds(cfg.debounceMs));
  }
  sd_notify(0, "STOPPING=1");
  if (metricsHttp) metricsHttp->shutdown();
  logLine("stopping; the dataplanes keep serving version " + std::to_string(version));
  return 0;
}
