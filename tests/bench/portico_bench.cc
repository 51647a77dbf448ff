// portico-bench: the in-process parts of scripts/bench.sh. It writes the pcap files that
// drive the dataplane and testpmd (crafted with the test frame builders) and measures
// what needs no EAL: Maglev build time and disruption, flow-table memory. Figures are
// printed one JSON object per line, in the bench.sh format.

#include <arpa/inet.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/l7/relay.h"
#include "dataplane/lb/flow_table.h"
#include "controlplane/translate/translation.h"
#include "dataplane/lb/maglev.h"
#include "tests/bench/cluster.h"
#include "tests/bench/figure.h"
#include "tests/bench/push_bench.h"
#include "tests/bench/l7_bench.h"
#include "tests/bench/tls_bench.h"
#include "tests/bench/wildcard_bench.h"
#include "tests/common/frames.h"

namespace {

using namespace portico::test;
using portico::bench::figure;

const Mac kGeneratorMac{0x02, 0, 0x5e, 0, 0x53, 0x01};
const Mac kPortMac{0x02, 0, 0x5e, 0, 0x53, 0x02};

// The classic pcap file format: a global header, then a record header per frame.
class PcapWriter {
 public:
  explicit PcapWriter(const char* path) : f_(std::fopen(path, "wb")) {
    if (f_ == nullptr) return;
    const uint32_t magic = 0xa1b2c3d4, snaplen = 65535, linktype = 1;
    const uint16_t major = 2, minor = 4;
    const int32_t zone = 0;
    const uint32_t sigfigs = 0;
    std::fwrite(&magic, 4, 1, f_);
    std::fwrite(&major, 2, 1, f_);
    std::fwrite(&minor, 2, 1, f_);
    std::fwrite(&zone, 4, 1, f_);
    std::fwrite(&sigfigs, 4, 1, f_);
    std::fwrite(&snaplen, 4, 1, f_);
    std::fwrite(&linktype, 4, 1, f_);
  }
  ~PcapWriter() {
    if (f_ != nullptr) std::fclose(f_);
  }
  bool ok() const { return f_ != nullptr; }
  void write(const Bytes& frame) {
    const uint32_t rec[4] = {0, 0, static_cast<uint32_t>(frame.size()), static_cast<uint32_t>(frame.size())};
    std::fwrite(rec, 4, 4, f_);
    std::fwrite(frame.data(), 1, frame.size(), f_);
  }

 private:
  std::FILE* f_;
};

Bytes tcpFrame(uint32_t clientHost, uint16_t sport, uint8_t flags, const Bytes& data) {
  const uint32_t vip = v4("192.0.2.100");
  return ethernet(kPortMac, kGeneratorMac, 0x0800,
                  ipv4(clientHost, vip, 6, withChecksumV4(clientHost, vip, 6, tcpHeader(sport, 80, flags, {}, data))));
}

// `flows` connections, each a SYN then `perFlow - 1` data segments of 64 bytes; replayed
// in a loop this is established traffic (the SYNs hit their flows after the first pass).
int pcapEstablished(const char* path, int flows, int perFlow) {
  PcapWriter w(path);
  if (!w.ok()) return 1;
  const Bytes data(64, 'd');
  for (int f = 0; f < flows; ++f) w.write(tcpFrame(v4("203.0.113.1") + f / 1000, static_cast<uint16_t>(10000 + f % 1000), 0x02, {}));
  for (int i = 1; i < perFlow; ++i) {
    for (int f = 0; f < flows; ++f) {
      w.write(tcpFrame(v4("203.0.113.1") + f / 1000, static_cast<uint16_t>(10000 + f % 1000), 0x18, data));
    }
  }
  return 0;
}

// `count` SYNs from distinct clients: with a flow table smaller than `count`, every one
// is a new flow each time the file loops.
int pcapSyns(const char* path, int count) {
  PcapWriter w(path);
  if (!w.ok()) return 1;
  for (int i = 0; i < count; ++i) {
    w.write(tcpFrame(v4("198.18.0.1") + static_cast<uint32_t>(i / 50000), static_cast<uint16_t>(1024 + i % 50000), 0x02, {}));
  }
  return 0;
}

// ARP requests for the VIP from `count` different clients.
int pcapArp(const char* path, int count) {
  PcapWriter w(path);
  if (!w.ok()) return 1;
  for (int i = 0; i < count; ++i) {
    Bytes f = ethernet({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, kGeneratorMac, 0x0806,
                       arpBody(1, kGeneratorMac, v4("192.0.2.10") + static_cast<uint32_t>(i), {}, v4("192.0.2.100")));
    f.resize(60, 0);
    w.write(f);
  }
  return 0;
}

int maglev(int repeats) {
  using portico::dp::lb::MaglevBackend;
  using portico::dp::lb::MaglevTable;
  for (int n : {10, 100, 1000}) {
    std::vector<MaglevBackend> b;
    for (int i = 0; i < n; ++i) b.push_back({0x9e3779b97f4a7c15ull * (i + 1), 1});
    double best = 1e9;
    MaglevTable t;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      t = MaglevTable::build(b);
      const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
      best = std::min(best, took.count());
    }
    auto smaller = b;
    smaller.erase(smaller.begin() + n / 2);
    const MaglevTable after = MaglevTable::build(smaller);
    std::size_t moved = 0;
    for (uint32_t s = 0; s < t.size(); ++s) moved += b[t.slots()[s]].key != smaller[after.slots()[s]].key;
    const std::string cond = "M=65537, N=" + std::to_string(n) + ", best of " + std::to_string(repeats);
    figure("maglev.build_ms.n_" + std::to_string(n), best, "ms", cond);
    figure("maglev.moved_share.n_" + std::to_string(n), static_cast<double>(moved) / t.size(), "share",
           cond + ", one backend removed; 1/N would be " + std::to_string(1.0 / n));
  }
  return 0;
}

int translateBench(int repeats) {
  for (int routes : {10, 1000, 10000}) {
    const auto state = portico::bench::cluster(routes);
    double best = 1e9;
    std::size_t attached = 0;
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const auto t = portico::cp::translate(state);
      const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
      best = std::min(best, took.count());
      attached = t.gateways.at(0).listeners.at(0).routes.size();
    }
    if (attached != static_cast<std::size_t>(routes)) {
      std::fprintf(stderr, "portico-bench: only %zu of %d routes attached\n", attached, routes);
      return 1;
    }
    figure("config.translate_ms.routes_" + std::to_string(routes), best, "ms",
           "translation of " + std::to_string(routes) + " HTTPRoutes with their Services and EndpointSlices, best of " +
               std::to_string(repeats));
  }
  return 0;
}

// The process's resident memory in MiB, from /proc.
double residentMb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %lf kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb / 1024;
}

int flowBytes() {
  namespace lb = portico::dp::lb;
  constexpr uint32_t kFlows = 1'000'000;
  const double before = residentMb();
  lb::FlowTable t(kFlows, {});
  figure("flow.bytes_per_flow", t.bytesPerFlow(), "bytes", "capacity 1000000 per worker: record, index and free list");
  // Every record and bucket touched, as a full table is: what the worker really holds.
  for (uint32_t i = 0; i < kFlows; ++i) {
    lb::FlowKey fwd;
    fwd.src = lb::v4Mapped(htonl(0xc6120000u + (i >> 16)));  // 198.18.0.0/15
    fwd.dst = lb::v4Mapped(htonl(0xc0000264u));              // 192.0.2.100
    fwd.srcPort = htons(static_cast<uint16_t>(i));
    fwd.dstPort = htons(80);
    fwd.proto = 6;
    fwd.family = 4;
    lb::FlowKey rev = fwd.reversed();
    rev.src = lb::v4Mapped(htonl(0xc633640au + (i >> 16)));  // a backend in 198.51.100.0/24
    rev.dst = lb::v4Mapped(htonl(0xc6336402u));
    t.insert(fwd, fwd.hash(), rev, rev.hash(), 0);
  }
  figure("memory.flow_table_rss_mb.flows_1000000", residentMb() - before, "MiB",
         "resident memory added by one worker's flow table holding 1000000 TCP flows (" + std::to_string(t.size()) +
             " live after insertion)");
  return 0;
}

// What a worker commits per connection of its TCP endpoint (relay and proxy modes): the
// connection's state, its proxy session and relay session, the head guard's entries, its
// flow record. Everything sized by l7.relay_connections is allocated and touched at
// start; buffer chunks are not (an idle connection holds none) and neither is a session's
// 1 KiB for response header edits until a route uses it.
int httpBytes() {
  namespace dp = portico::dp;
  constexpr uint32_t kConnections = 65'536;
  dp::l7::L7Settings settings;
  settings.relayConnections = kConnections;
  dp::LcoreCounters counters{};
  const double before = residentMb();
  const auto worker = std::make_unique<dp::l7::RelayWorker>(settings, counters, 1);
  const double perConnection = (residentMb() - before) * 1024 * 1024 / kConnections;
  const dp::lb::FlowTable flows(1'000'000, {});
  const double bytes = perConnection + flows.bytesPerFlow();
  figure("http.bytes_per_idle_connection", bytes, "bytes",
         "an idle kept-alive client connection or pooled upstream connection: endpoint state, sessions, head guard "
         "and flow record, per connection of l7.relay_connections (" + std::to_string(kConnections) + "); no buffer chunk");
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: portico-bench pcap-established FILE [FLOWS PER_FLOW] | pcap-syns FILE COUNT | pcap-arp FILE COUNT | maglev [REPEATS] | "
               "flow-bytes | http-bytes | translate [REPEATS] | l7-first-packet [REPEATS] | wildcard-match [REPEATS] | l7-new-connections [N] | tls-handshake [N] | manifests DIR ROUTES | push-ack unix:SOCKET [REPEATS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "pcap-established" && argc >= 3) {
    return pcapEstablished(argv[2], argc > 3 ? std::atoi(argv[3]) : 256, argc > 4 ? std::atoi(argv[4]) : 16);
  }
  if (cmd == "pcap-syns" && argc >= 4) return pcapSyns(argv[2], std::atoi(argv[3]));
  if (cmd == "pcap-arp" && argc >= 4) return pcapArp(argv[2], std::atoi(argv[3]));
  if (cmd == "maglev") return maglev(argc > 2 ? std::atoi(argv[2]) : 5);
  if (cmd == "flow-bytes") return flowBytes();
  if (cmd == "http-bytes") return httpBytes();
  if (cmd == "translate") return translateBench(argc > 2 ? std::atoi(argv[2]) : 3);
  if (cmd == "l7-first-packet") return portico::bench::l7FirstPacket(argc > 2 ? std::atoi(argv[2]) : 3);
  if (cmd == "wildcard-match") return portico::bench::wildcardMatch(argc > 2 ? std::atoi(argv[2]) : 3);
  if (cmd == "manifests" && argc >= 4) return portico::bench::writeManifests(argv[2], std::atoi(argv[3]));
  if (cmd == "push-ack" && argc >= 3) return portico::bench::pushAck(argv[2], argc > 3 ? std::atoi(argv[3]) : 3);
  if (cmd == "tls-handshake") return portico::bench::tlsHandshake(argc > 2 ? std::atoi(argv[2]) : 500);
  if (cmd == "l7-new-connections") return portico::bench::l7NewConnections(argc > 2 ? std::atoi(argv[2]) : 30000);
  return usage();
}
