// portico-dataplane: parse the config, bring up the EAL and ports, launch the workers,
// and run the control duties (announcements, counters) until SIGINT or SIGTERM.

#include <systemd/sd-daemon.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics/metrics_http.h"
#include "dataplane/api/api_server.h"
#include "dataplane/config/config.h"
#include "dataplane/runtime/runtime.h"
#include "dataplane/tls/ticket_keys.h"
#include "drivers/eal.h"

namespace {

std::atomic<bool> gStop{false};
std::atomic<bool> gDumpStats{false};
std::atomic<bool> gReload{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need lock-free flags");

void onStop(int) { gStop.store(true); }
void onDumpStats(int) { gDumpStats.store(true); }
void onReload(int) { gReload.store(true); }

void installSignals() {
  struct sigaction sa {};
  sa.sa_handler = onStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = onDumpStats;
  sigaction(SIGUSR1, &sa, nullptr);
  sa.sa_handler = onReload;
  sigaction(SIGHUP, &sa, nullptr);
}

std::string describe(const portico::dp::snapshot::DesiredState& d) {
  std::string out;
  for (const auto& v : d.vips) out += " " + v.toString();
  for (const auto& s : d.services) {
    out += " " + s.name + "=" + s.vip.toString() + ":" + std::to_string(s.port) + "/" + (s.proto == 6 ? "tcp" : "udp") +
           "(" + std::to_string(s.backends.size()) + " backends)";
  }
  return out.empty() ? " (nothing)" : out;
}

// SIGHUP: re-reads the config file and publishes its VIPs and services. A bad file or a
// state that does not compile is reported and the running state keeps serving.
void reload(portico::dp::runtime::Runtime& rt, const std::string& path) {
  auto cfg = portico::dp::config::loadConfig(path);
  if (!cfg) {
    std::printf("portico-dataplane: reload rejected, still serving version %llu: %s\n",
                static_cast<unsigned long long>(rt.version()), cfg.error().toString().c_str());
  } else if (auto st = rt.publish(portico::dp::runtime::Runtime::Source::kConfig, cfg->desired); !st) {
    std::printf("portico-dataplane: reload rejected, still serving version %llu: %s: %s\n",
                static_cast<unsigned long long>(rt.version()), path.c_str(), st.error().toString().c_str());
  } else {
    std::printf("portico-dataplane: reloaded %s, serving version %llu:%s (ports, lcores, eal and flows take a restart)\n",
                path.c_str(), static_cast<unsigned long long>(rt.version()), describe(cfg->desired).c_str());
  }
  std::fflush(stdout);
}

constexpr const char* kUsage = "usage: portico-dataplane --config FILE [-- EAL arguments...]\n";

int usage(const char* msg) {
  std::fprintf(stderr, "portico-dataplane: %s (%s)\n", msg, "--help for usage");
  return 2;
}

// Under systemd with WatchdogSec=, the watchdog is fed at half its period while every
// worker keeps finishing loop passes; a stuck worker stops the feeding, and systemd
// restarts the service (Restart=on-failure) instead of leaving a VIP black-holed.
void feedWatchdog(portico::dp::runtime::Runtime& rt, std::chrono::steady_clock::time_point now) {
  static uint64_t periodUs = [] {
    uint64_t us = 0;
    return sd_watchdog_enabled(0, &us) > 0 ? us / 2 : 0;
  }();
  static std::chrono::steady_clock::time_point next = now;
  static bool stuckReported = false;
  if (periodUs == 0 || now < next) return;
  next = now + std::chrono::microseconds(periodUs);
  if (rt.workersProgressed()) {
    sd_notify(0, "WATCHDOG=1");
    stuckReported = false;
  } else if (!stuckReported) {
    std::fprintf(stderr, "portico-dataplane: a worker has not finished a loop pass for %llu ms; the watchdog is no longer fed\n",
                 static_cast<unsigned long long>(periodUs / 1000));
    stuckReported = true;
  }
}

void controlLoop(portico::dp::runtime::Runtime& rt, const std::string& configPath) {
  while (!gStop.load()) {
    if (gReload.exchange(false)) reload(rt, configPath);
    rt.tick(std::chrono::steady_clock::now());
    feedWatchdog(rt, std::chrono::steady_clock::now());
    if (gDumpStats.exchange(false)) {
      std::fputs(rt.statsReport().c_str(), stdout);
      std::fflush(stdout);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath;
  std::vector<std::string> extraEal;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      extraEal.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg == "--config" && i + 1 < argc) {
      configPath = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      configPath = arg.substr(9);
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::fputs("  SIGUSR1 prints the counters, SIGHUP re-reads vips and services, SIGINT/SIGTERM stop.\n", stdout);
      return 0;
    } else {
      return usage(("unknown argument '" + arg + "'").c_str());
    }
  }
  if (configPath.empty()) return usage("--config FILE is required");

  auto cfg = portico::dp::config::loadConfig(configPath);
  if (!cfg) {
    std::fprintf(stderr, "portico-dataplane: %s\n", cfg.error().toString().c_str());
    return 2;
  }

  // Before any HTTPS listener is built: every context of the process seals with these.
  const auto& tlsSettings = cfg->l7.tls;
  if (tlsSettings.ticketKeyFile.empty()) {
    portico::dp::tls::TicketKeys::setProcessKeys(portico::dp::tls::TicketKeys::random(tlsSettings.ticketKeyRotationS));
  } else {
    auto keys = portico::dp::tls::TicketKeys::fromFile(tlsSettings.ticketKeyFile, tlsSettings.ticketKeyRotationS);
    if (!keys) {
      std::fprintf(stderr, "portico-dataplane: l7.tls.ticket_key_file %s\n", keys.error().toString().c_str());
      return 2;
    }
    portico::dp::tls::TicketKeys::setProcessKeys(std::move(*keys));
  }

  std::vector<std::string> eal = portico::drv::lcoreArgs(cfg->mainLcore, cfg->workerLcores);
  eal.insert(eal.end(), cfg->ealArgs.begin(), cfg->ealArgs.end());
  eal.insert(eal.end(), extraEal.begin(), extraEal.end());
  if (auto st = portico::drv::initEal(eal); !st) {
    std::fprintf(stderr, "portico-dataplane: %s\n", st.error().toString().c_str());
    return 1;
  }
  installSignals();

  int rc = 0;
  {
    auto rt = portico::dp::runtime::Runtime::create(*cfg);
    if (!rt) {
      std::fprintf(stderr, "portico-dataplane: %s\n", rt.error().toString().c_str());
      portico::drv::cleanupEal();
      return 1;
    }
    auto& runtime = **rt;
    const std::size_t workers = runtime.workers().size();
    for (std::size_t i = 0; i < runtime.ports().size(); ++i) {
      const auto& p = runtime.ports()[i];
      const char* replies = workers == 1                                     ? "one worker"
                            : runtime.repliesSteered(static_cast<uint8_t>(i)) ? "steered by RSS"
                                                                              : "handed between workers";
      std::printf("portico-dataplane: port %s (%s) driver %s mac %s queues %zu rss %s, NAT replies %s\n",
                  p.name.c_str(), p.device.c_str(), p.info.driver.c_str(),
                  portico::dp::pkt::formatMac(p.addresses.mac).c_str(), workers, p.info.rss ? "on" : "off", replies);
    }
    if (auto st = runtime.publish(portico::dp::runtime::Runtime::Source::kConfig, cfg->desired); !st) {
      std::fprintf(stderr, "portico-dataplane: %s: %s\n", configPath.c_str(), st.error().toString().c_str());
      rt.value().reset();
      portico::drv::cleanupEal();
      return 2;
    }
    std::printf("portico-dataplane: serving%s\n", describe(cfg->desired).c_str());
    auto api = portico::dp::api::ApiServer::start(runtime, cfg->api);
    if (!api) {
      std::fprintf(stderr, "portico-dataplane: %s: %s\n", configPath.c_str(), api.error().toString().c_str());
      rt.value().reset();
      portico::drv::cleanupEal();
      return 1;
    }
    std::printf("portico-dataplane: api on%s%s\n", cfg->api.socket.empty() ? "" : (" unix:" + cfg->api.socket).c_str(),
                cfg->api.listen.empty() ? "" : (" " + cfg->api.listen + " (mutual TLS)").c_str());

    std::unique_ptr<portico::common::MetricsHttp> metrics;
    if (!cfg->metrics.listen.empty()) {
      std::string error;
      metrics = portico::common::MetricsHttp::start(
          cfg->metrics.listen, {[&runtime] { return runtime.metricsText(); }, [&runtime] { return runtime.serving(); }},
          error);
      if (!metrics) {
        std::fprintf(stderr, "portico-dataplane: %s: %s\n", configPath.c_str(), error.c_str());
        (*api)->shutdown();
        rt.value().reset();
        portico::drv::cleanupEal();
        return 1;
      }
      std::printf("portico-dataplane: metrics on http://%s/metrics (and /healthz, /readyz)\n", cfg->metrics.listen.c_str());
    }

    if (auto st = runtime.launch(gStop); !st) {
      std::fprintf(stderr, "portico-dataplane: %s\n", st.error().toString().c_str());
      gStop.store(true);
      rc = 1;
    } else {
      std::printf("portico-dataplane: ready, %zu workers\n", runtime.workers().size());
      sd_notifyf(0, "READY=1\nSTATUS=serving version %llu with %zu workers",
                 static_cast<unsigned long long>(runtime.version()), runtime.workers().size());
    }
    std::fflush(stdout);
    std::thread control(controlLoop, std::ref(runtime), configPath);
    runtime.wait();
    sd_notify(0, "STOPPING=1");
    control.join();
    if (metrics) metrics->shutdown();
    (*api)->shutdown();
    std::printf("portico-dataplane: stopped\n%s", runtime.statsReport().c_str());
    std::fflush(stdout);
  }
  portico::drv::cleanupEal();
  return rc;
}
