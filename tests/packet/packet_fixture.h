#pragma once

// Packet tests run the real dataplane runtime (ports, control thread duties, workers) on
// net_ring ports whose rings the test holds: crafted frames go in, the frames the worker
// transmits come out and are compared byte by byte. The worker loop is driven by the test
// thread one pass at a time, so every step is deterministic.

#include <gtest/gtest.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "dataplane/arp/announce.h"
#include "dataplane/runtime/runtime.h"
#include "dataplane/worker/worker.h"
#include "drivers/eal.h"
#include "tests/common/frames.h"

namespace portico::test {

inline const Mac kClientMac{0x02, 0, 0, 0, 0, 0x01};
inline const Mac kPortMac{0x02, 0, 0x5e, 0, 0x53, 0x02};         // client-side port
inline const Mac kBackendPortMac{0x02, 0, 0x5e, 0, 0x53, 0x12};  // backend-side port
inline const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline const Mac kBackendMacs[3] = {{0x02, 0xbe, 0, 0, 0, 0x11}, {0x02, 0xbe, 0, 0, 0, 0x12}, {0x02, 0xbe, 0, 0, 0, 0x13}};
inline const char* const kBackendIps[3] = {"198.51.100.11", "198.51.100.12", "198.51.100.13"};
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

// A TCP segment with sequence numbers, window, options and a valid checksum.
inline Bytes segment4(const char* src, const char* dst, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
                      uint32_t ack, const Bytes& data = {}, uint16_t window = 65535, const Bytes& options = {}) {
  Bytes t = tcpHeader(sport, dport, flags, options, data);
  for (int i = 0; i < 4; ++i) {
    t[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
    t[8 + i] = static_cast<uint8_t>(ack >> (24 - 8 * i));
  }
  t[14] = static_cast<uint8_t>(window >> 8);
  t[15] = static_cast<uint8_t>(window);
  return withChecksumV4(v4(src), v4(dst), 6, t);
}

inline Bytes frame4(const Mac& dst, const Mac& src, const char* sip, const char* dip, uint8_t proto, const Bytes& l4,
                    uint8_t ttl = 64) {
  Ipv4Options o;
  o.ttl = ttl;
  return ethernet(dst, src, 0x0800, ipv4(v4(sip), v4(dip), proto, l4, o));
}

// A TCP frame the appliance builds itself (not rewritten from one it received): IP id 0,
// don't fragment.
inline Bytes originated4(const Mac& dst, const Mac& src, const char* sip, const char* dip, const Bytes& l4) {
  Ipv4Options o;
  o.id = 0;
  o.fragOff = 0x4000;
  return ethernet(dst, src, 0x0800, ipv4(v4(sip), v4(dip), 6, l4, o));
}

// Fields of an untagged IPv4 TCP frame.
inline uint16_t srcPortOf(const Bytes& f) { return static_cast<uint16_t>(f[14 + 20] << 8 | f[14 + 20 + 1]); }
inline uint32_t seqOf(const Bytes& f) {
  return static_cast<uint32_t>(f[38]) << 24 | static_cast<uint32_t>(f[39]) << 16 | f[40] << 8 | f[41];
}
inline std::string dstIpOf(const Bytes& f) {
  return std::to_string(f[30]) + "." + std::to_string(f[31]) + "." + std::to_string(f[32]) + "." + std::to_string(f[33]);
}

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    prefix_ = "portico-pkt-" + std::to_string(getpid());
    auto st = drv::initEal({"-l", "0", "--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix_, "--log-level",
                            "*:error"});
    ASSERT_TRUE(st.ok()) << st.error().toString();
  }
  void TearDown() override {
    drv::cleanupEal();
    std::system(("rm -rf /var/run/dpdk/" + prefix_).c_str());
  }

 private:
  std::string prefix_;
};

// A ring-backed ethdev whose receive and transmit rings the test holds.
struct RingPort {
  rte_ring* rx = nullptr;
  rte_ring* tx = nullptr;
  std::string device;  // the ethdev name the dataplane config uses

  void create(const std::string& name) {
    rx = rte_ring_create((name + "_rx").c_str(), 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx = rte_ring_create((name + "_tx").c_str(), 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx, nullptr);
    ASSERT_NE(tx, nullptr);
    // The ring PMD names the port "net_ring_" + the given name.
    ASSERT_GE(rte_eth_from_rings(name.c_str(), &rx, 1, &tx, 1, 0), 0);
    device = "net_ring_" + name;
  }

  void inject(rte_mempool* pool, const Bytes& frame) const {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    ASSERT_NE(m, nullptr);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
    ASSERT_EQ(rte_ring_enqueue(rx, m), 0);
  }

  std::vector<Bytes> collect() const {
    std::vector<Bytes> out;
    void* obj;
    while (rte_ring_dequeue(tx, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      auto* d = rte_pktmbuf_mtod(m, uint8_t*);
      out.emplace_back(d, d + rte_pktmbuf_pkt_len(m));
      rte_pktmbuf_free(m);
    }
    return out;
  }

  void drain() const {
    collect();
    void* obj;
    while (rte_ring_dequeue(rx, &obj) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
  }
};

class PacketTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (client_.rx != nullptr) return;
    client_.create("client");
    backend_.create("backend");
    pool_ = rte_pktmbuf_pool_create("packet_test_pool", 8192, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    ASSERT_NE(pool_, nullptr);
  }

  void TearDown() override {
    rt_.reset();
    client_.drain();
    backend_.drain();
  }

  // Client side 192.0.2.2/24 and 2001:db8::2/64; backend side 198.51.100.2/24 and
  // 2001:db8:1::2/64. One worker.
  static dp::config::DataplaneConfig baseConfig() {
    dp::config::DataplaneConfig cfg;
    cfg.workerLcores = {0};
    cfg.flows.capacity = 4096;
    dp::config::PortConfig c;
    c.name = "client";
    c.device = client_.device;
    c.mac = dp::pkt::MacAddr(kPortMac);
    c.ipv4 = htonl(v4("192.0.2.2"));
    c.ipv4Prefix = 24;
    c.ipv6 = v6("2001:db8::2");
    c.ipv6Prefix = 64;
    c.rxDescriptors = c.txDescriptors = 256;
    dp::config::PortConfig b = c;
    b.name = "backend";
    b.device = backend_.device;
    b.mac = dp::pkt::MacAddr(kBackendPortMac);
    b.ipv4 = htonl(v4("198.51.100.2"));
    b.ipv6 = v6("2001:db8:1::2");
    cfg.ports = {c, b};
    return cfg;
  }

  static dp::pkt::IpAddress ip(const char* text) { return *dp::pkt::IpAddress::parse(text); }

  void start(const dp::config::DataplaneConfig& cfg) {
    auto rt = dp::runtime::Runtime::create(cfg);
    ASSERT_TRUE(rt.ok()) << rt.error().toString();
    rt_ = std::move(*rt);
    auto st = rt_->publish(dp::runtime::Runtime::Source::kConfig, cfg.desired);
    ASSERT_TRUE(st.ok()) << st.error().toString();
  }

  void poll(int passes = 1) {
    dp::worker::Worker w(rt_->workerContext(0));
    for (int i = 0; i < passes; ++i) w.pollOnce();
  }

  // One control-thread step, `advance` after the previous one.
  void tick(std::chrono::milliseconds advance = std::chrono::milliseconds(0)) {
    now_ += advance;
    rt_->tick(now_);
  }

  // The control thread asks for each backend's MAC on the backend port; each answers.
  void resolveBackends(int backends) {
    tick();
    poll();
    const auto requests = backend_.collect();
    ASSERT_EQ(requests.size(), static_cast<size_t>(backends));
    for (int i = 0; i < backends; ++i) {
      uint8_t want[dp::arp::kAnnounceFrameCapacity];
      const uint32_t len = dp::arp::buildArpRequest(want, dp::pkt::MacAddr(kBackendPortMac), htonl(v4("198.51.100.2")),
                                                    htonl(v4(kBackendIps[i])));
      EXPECT_EQ(requests[i], Bytes(want, want + len)) << "request " << i;
      Bytes reply = ethernet(kBackendPortMac, kBackendMacs[i], 0x0806,
                             arpBody(2, kBackendMacs[i], v4(kBackendIps[i]), kBackendPortMac, v4("198.51.100.2")));
      reply.resize(60, 0);
      backend_.inject(pool_, reply);
    }
    poll();
    tick();
    EXPECT_EQ(counters().neighborLearned.load(), static_cast<uint64_t>(backends));
  }

  const dp::LcoreCounters& counters() { return *rt_->workerContext(0).counters; }
  uint64_t drops(dp::DropReason r) { return counters().drops[static_cast<size_t>(r)].load(); }

  static inline RingPort client_;
  static inline RingPort backend_;
  static inline rte_mempool* pool_ = nullptr;
  std::unique_ptr<dp::runtime::Runtime> rt_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
};

}  // namespace portico::test
