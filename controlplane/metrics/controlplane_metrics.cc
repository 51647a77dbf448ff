#include "controlplane/metrics/controlplane_metrics.h"

#include "common/metrics/prometheus_text.h"

namespace portico::cp {

using common::PrometheusText;
using Type = PrometheusText::Type;

ControlplaneMetrics::ControlplaneMetrics(std::vector<std::string> dataplanes, bool elects) : elects_(elects) {
  for (auto& d : dataplanes) dataplanes_.push_back({std::move(d)});
}

void ControlplaneMetrics::stateRead(bool ok, std::size_t problems) {
  std::lock_guard lock(mutex_);
  ++reads_;
  if (!ok) ++failedReads_;
  read_ = read_ || ok;
  lastReadOk_ = ok;
  problems_ = problems;
}

void ControlplaneMetrics::translated(double seconds, std::size_t gateways) {
  std::lock_guard lock(mutex_);
  translateSeconds_ = seconds;
  gateways_ = gateways;
}

void ControlplaneMetrics::pushed(uint64_t version, std::size_t vips, std::chrono::steady_clock::time_point at) {
  std::lock_guard lock(mutex_);
  version_ = version;
  vips_ = vips;
  pushedAt_ = at;
  for (auto& d : dataplanes_) d.timed = false;
}

void ControlplaneMetrics::dataplane(std::size_t i, uint64_t acked, bool up, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (i >= dataplanes_.size()) return;
  Dataplane& d = dataplanes_[i];
  d.acked = acked;
  d.up = up;
  if (version_ == 0 || d.timed || acked != version_) return;
  d.timed = true;
  const double seconds = std::chrono::duration<double>(now - pushedAt_).count();
  for (std::size_t b = 0; b < std::size(kPushBuckets); ++b) {
    if (seconds <= kPushBuckets[b]) ++d.buckets[b];
  }
  d.sum += seconds;
  ++d.count;
}

void ControlplaneMetrics::leader(bool leader) {
  std::lock_guard lock(mutex_);
  leader_ = leader;
}

void ControlplaneMetrics::announced(std::size_t vips) {
  std::lock_guard lock(mutex_);
  announced_ = vips;
}

void ControlplaneMetrics::bgpPeers(std::map<std::string, bool> established) {
  std::lock_guard lock(mutex_);
  bgpPeers_ = std::move(established);
}

bool ControlplaneMetrics::ready() const {
  std::lock_guard lock(mutex_);
  return read_;
}

std::string ControlplaneMetrics::text() const {
  std::lock_guard lock(mutex_);
  PrometheusText out;
  const auto gauge = [&out](const char* name, const char* help, double value) {
    out.family(name, Type::kGauge, help);
    out.sample({}, value);
  };
  const auto counter = [&out](const char* name, const char* help, uint64_t value) {
    out.family(name, Type::kCounter, help);
    out.sample({}, value);
  };
  gauge("portico_controlplane_ready", "1 once a state has been read (GET /readyz)", read_ ? 1 : 0);
  gauge("portico_controlplane_state_read_ok", "1 when the last read of the source succeeded, 0 while it keeps the last good state",
        lastReadOk_ ? 1 : 0);
  counter("portico_controlplane_state_reads_total", "Reads of the source (a change, a reload)", reads_);
  counter("portico_controlplane_state_read_failures_total", "Reads that failed; the previous state kept serving",
          failedReads_);
  gauge("portico_controlplane_problems", "Problems the last read left: conditions and references to fix", static_cast<double>(problems_));
  gauge("portico_controlplane_translate_seconds", "Time the last translation took", translateSeconds_);
  gauge("portico_controlplane_gateways", "Gateways of this controller in the last translation", static_cast<double>(gateways_));
  gauge("portico_controlplane_pushed_version", "The state version last pushed to the dataplanes", static_cast<double>(version_));
  gauge("portico_controlplane_pushed_vips", "VIPs in the state last pushed", static_cast<double>(vips_));
  gauge("portico_controlplane_leader",
        elects_ ? "1 while this replica holds the Lease and writes status" : "1: without Kubernetes there is no election",
        elects_ ? (leader_ ? 1 : 0) : 1);
  gauge("portico_controlplane_bgp_announced_vips", "VIPs the BGP speaker announces now", static_cast<double>(announced_));
  if (!bgpPeers_.empty()) {
    // One series per configured peer: bounded by controlplane.yaml.
    out.family("portico_controlplane_bgp_peer_established", Type::kGauge, "1 while the BGP session to the peer is established");
    for (const auto& [peer, up] : bgpPeers_) out.sample({{"peer", peer}}, static_cast<uint64_t>(up ? 1 : 0));
  }
  out.family("portico_controlplane_dataplane_acked_version", Type::kGauge, "The state version each dataplane ACKed");
  for (const auto& d : dataplanes_) out.sample({{"dataplane", d.target}}, d.acked);
  out.family("portico_controlplane_dataplane_up", Type::kGauge, "1 while the dataplane answers and has ACKed a state");
  for (const auto& d : dataplanes_) out.sample({{"dataplane", d.target}}, static_cast<uint64_t>(d.up ? 1 : 0));
  out.family("portico_controlplane_push_seconds", Type::kHistogram, "From a push to each dataplane's ACK of it");
  for (const auto& d : dataplanes_) out.histogram({{"dataplane", d.target}}, kPushBuckets, d.buckets, d.sum, d.count);
  return out.text();
}

}  // namespace portico::cp
