// portico-controlplane: reads Gateway API objects from a manifest directory (the
// Kubernetes source comes next), translates them on every change, assigns VIPs, and keeps
// every dataplane serving the result.
//   portico-controlplane --config controlplane.yaml --manifests DIR

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "controlplane/bgp/announce_policy.h"
#include "controlplane/bgp/gobgp_speaker.h"
#include "controlplane/config/config.h"
#include "controlplane/push/dataplane_client.h"
#include "controlplane/push/desired_state.h"
#include "controlplane/source/directory_watch.h"
#include "controlplane/source/manifest_parser.h"
#include "controlplane/translate/addresses.h"
#include "controlplane/translate/translation.h"

namespace {

using namespace portico::cp;

std::atomic<bool> gStop{false};
void onStop(int) { gStop.store(true); }

void logLine(const std::string& line) {
  std::printf("portico-controlplane: %s\n", line.c_str());
  std::fflush(stdout);
}

int usage(const std::string& problem) {
  std::fprintf(stderr, "portico-controlplane: %s\nusage: portico-controlplane --config FILE --manifests DIR\n",
               problem.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath, manifests;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--config" || arg == "--manifests") && i + 1 < argc) {
      (arg == "--config" ? configPath : manifests) = argv[++i];
    } else if (arg == "-h" || arg == "--help") {
      std::puts("usage: portico-controlplane --config FILE --manifests DIR");
      return 0;
    } else {
      return usage("unknown argument '" + arg + "'");
    }
  }
  if (configPath.empty()) return usage("--config FILE is required");
  if (manifests.empty()) return usage("--manifests DIR is required");
  ControlPlaneConfig cfg;
  Problem problem;
  if (!loadControlPlaneConfig(configPath, cfg, problem)) {
    std::fprintf(stderr, "portico-controlplane: %s\n", problem.toString().c_str());
    return 2;
  }
  DirectoryWatch watch(manifests);
  if (!watch.ok()) {
    std::fprintf(stderr, "portico-controlplane: %s: cannot be watched (inotify)\n", manifests.c_str());
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = onStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::vector<std::unique_ptr<DataplaneClient>> clients;
  for (const auto& target : cfg.dataplanes) clients.push_back(std::make_unique<DataplaneClient>(target, logLine));

  std::unique_ptr<GobgpSpeaker> speaker;
  if (cfg.bgp.enabled) speaker = std::make_unique<GobgpSpeaker>(cfg.bgp, logLine);
  // Per version pushed, the VIPs BGP may announce once a dataplane serves that version.
  std::map<uint64_t, std::set<std::string>> announceable;

  uint64_t version = 0;
  std::map<std::string, std::vector<std::string>> addresses;  // kept across reloads: VIPs stay put
  std::string lastContent;
  std::set<std::string> reported;
  bool announcedProgrammed = false;
  bool reload = true;
  while (!gStop.load()) {
    if (reload) {
      std::vector<Problem> problems;
      bool complete = true;
      const ClusterState state = loadManifestDirectory(manifests, problems, &complete);
      if (!complete) {
        // Half a directory would withdraw every VIP it did not read: keep the last state.
        for (const auto& p : problems) logLine(p.toString() + "; keeping version " + std::to_string(version));
        reload = watch.waitForChange(std::chrono::milliseconds(1000), std::chrono::milliseconds(cfg.debounceMs)) || true;
        continue;
      }
      const Translation translation = translate(state);
      std::vector<const Gateway*> ours;
      for (const auto& g : state.gateways) {
        if (translation.gateway(g.meta.key()) != nullptr) ours.push_back(&g);
      }
      addresses = assignAddresses(ours, cfg.addressPools, addresses, problems);
      std::set<std::string> now;
      for (const auto& p : problems) {
        now.insert(p.toString());
        if (!reported.count(p.toString())) logLine(p.toString());
      }
      reported = now;
      auto desired = buildDesiredState(translation, addresses);
      const std::string content = desired.SerializeAsString();
      if (content != lastContent) {
        lastContent = content;
        desired.set_version(++version);
        if (speaker) announceable[version] = announceableVips(desired, cfg.addressPools);
        logLine("version " + std::to_string(version) + ": " + std::to_string(translation.gateways.size()) + " gateways, " +
            std::to_string(desired.vips_size()) + " VIPs");
        for (auto& c : clients) c->setState(desired);
        announcedProgrammed = false;
      }
    }
    // The reload's YAML trees and translation are freed by now; hand their pages back
    // rather than keep the peak of the largest manifest set resident for good.
    if (reload) malloc_trim(0);
    const bool allAcked = std::all_of(clients.begin(), clients.end(), [&](const auto& c) { return c->ackedVersion() == version; });
    if (allAcked && !announcedProgrammed && version != 0) {
      logLine("programmed: every dataplane serves version " + std::to_string(version));
      announcedProgrammed = true;
    }
    if (!allAcked) announcedProgrammed = false;
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
      announceable.erase(announceable.begin(), announceable.lower_bound(std::max<uint64_t>(oldest, 1)));
    }
    reload = watch.waitForChange(std::chrono::milliseconds(200), std::chrono::milliseconds(cfg.debounceMs));
  }
  logLine("stopping; the dataplanes keep serving version " + std::to_string(version));
  return 0;
}
