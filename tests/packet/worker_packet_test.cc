// Packet tests: crafted frames go into a real ethdev port (net_ring), through the real
// worker poll loop, and the frames it transmits are compared byte by byte.

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "dataplane/arp/announce.h"
#include "dataplane/snapshot/snapshot_store.h"
#include "dataplane/worker/tx_buffer.h"
#include "dataplane/worker/worker.h"
#include "drivers/eal.h"
#include "drivers/port.h"
#include "tests/common/frames.h"

namespace portico::dp::worker {
namespace {

using namespace portico::test;

const Mac kClientMac{0x02, 0, 0, 0, 0, 0x01};
const Mac kPortMac{0x02, 0, 0x5e, 0, 0x53, 0x02};
const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

std::string gFilePrefix;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    gFilePrefix = "portico-pkt-" + std::to_string(getpid());
    auto st = drv::initEal({"-l", "0", "--no-huge", "-m", "128", "--no-pci", "--file-prefix", gFilePrefix,
                            "--log-level", "*:error"});
    ASSERT_TRUE(st.ok()) << st.error().toString();
  }
  void TearDown() override {
    drv::cleanupEal();
    std::system(("rm -rf /var/run/dpdk/" + gFilePrefix).c_str());
  }
};

// One net_ring port whose rx and tx rings the test holds, opened through drivers/ like
// any other port, with one worker context polling it.
class WorkerPacket : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = rte_pktmbuf_pool_create("pkt_test_pool", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    ASSERT_NE(pool_, nullptr);
    rx_ = rte_ring_create("pkt_test_rx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ = rte_ring_create("pkt_test_tx", 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    control_ = rte_ring_create("pkt_test_ctl", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
    // The ring PMD names the port "net_ring_" + the given name.
    ASSERT_GE(rte_eth_from_rings("pkt", &rx_, 1, &tx_, 1, 0), 0);
    drv::PortSpec spec;
    spec.name = "test";
    spec.device = "net_ring_pkt";
    spec.mac = pkt::MacAddr(kPortMac);
    spec.pool = pool_;
    spec.rxDescriptors = spec.txDescriptors = 256;
    auto port = drv::openPort(spec);
    ASSERT_TRUE(port.ok()) << port.error().toString();
    portId_ = port->portId;
    ASSERT_EQ(port->mac, pkt::MacAddr(kPortMac));
  }

  void SetUp() override {
    store_ = std::make_unique<snapshot::SnapshotStore>(1);
    publish({"192.0.2.100", "2001:db8::100"});
    counters_ = std::make_unique<LcoreCounters>();
    ctx_.index = 0;
    ctx_.counters = counters_.get();
    ctx_.snapshots = store_.get();
    WorkerPort wp;
    wp.portId = portId_;
    wp.addresses.mac = kPortMac;
    wp.addresses.ipv4 = htonl(v4("192.0.2.2"));
    wp.addresses.ipv6 = v6("2001:db8::2");
    wp.txBuffer = makeTxBuffer(0, counters_.get());
    wp.controlTx = control_;
    ctx_.ports = {wp};
  }

  void TearDown() override {
    rte_free(ctx_.ports[0].txBuffer);
    EXPECT_EQ(rte_ring_count(tx_), 0u) << "unexpected frames left on the wire";
  }

  void publish(std::initializer_list<const char*> vips) {
    auto s = std::make_unique<snapshot::Snapshot>();
    std::vector<pkt::IpAddress> addrs;
    for (const char* v : vips) addrs.push_back(*pkt::IpAddress::parse(v));
    s->vips = lb::VipTable(addrs);
    store_->publish(std::move(s));
  }

  static rte_mbuf* mbufOf(const Bytes& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())), frame.data(), frame.size());
    return m;
  }

  static void inject(const Bytes& frame) { ASSERT_EQ(rte_ring_enqueue(rx_, mbufOf(frame)), 0); }

  static std::vector<Bytes> transmitted() {
    std::vector<Bytes> out;
    void* obj;
    while (rte_ring_dequeue(tx_, &obj) == 0) {
      auto* m = static_cast<rte_mbuf*>(obj);
      auto* d = rte_pktmbuf_mtod(m, uint8_t*);
      out.emplace_back(d, d + rte_pktmbuf_pkt_len(m));
      rte_pktmbuf_free(m);
    }
    return out;
  }

  uint64_t drops(DropReason r) const { return counters_->drops[static_cast<size_t>(r)].load(); }

  static inline rte_mempool* pool_ = nullptr;
  static inline rte_ring* rx_ = nullptr;
  static inline rte_ring* tx_ = nullptr;
  static inline rte_ring* control_ = nullptr;
  static inline uint16_t portId_ = 0;
  std::unique_ptr<snapshot::SnapshotStore> store_;
  std::unique_ptr<LcoreCounters> counters_;
  LcoreContext ctx_;
};

Bytes arpRequest(const char* target) {
  Bytes f = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), {}, v4(target)));
  f.resize(60, 0);
  return f;
}

Bytes arpReply(const char* vip) {
  Bytes f = ethernet(kClientMac, kPortMac, 0x0806, arpBody(2, kPortMac, v4(vip), kClientMac, v4("192.0.2.1")));
  f.resize(60, 0);
  return f;
}

TEST_F(WorkerPacket, ArpRequestForVipAnswered) {
  inject(arpRequest("192.0.2.100"));
  Worker w(ctx_);
  EXPECT_EQ(w.pollOnce(), 1u);
  const auto out = transmitted();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arpReply("192.0.2.100"));
  EXPECT_EQ(counters_->rxPackets.load(), 1u);
  EXPECT_EQ(counters_->txPackets.load(), 1u);
  EXPECT_EQ(counters_->arpReplies.load(), 1u);
}

TEST_F(WorkerPacket, NeighborSolicitGrowsIntoAdvert) {
  const V6 client = v6("2001:db8::1");
  const V6 vip = v6("2001:db8::100");
  inject(ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, neighborSolicit(vip, nullptr), 255)));
  Worker(ctx_).pollOnce();
  const auto out = transmitted();
  ASSERT_EQ(out.size(), 1u);
  Bytes na{136, 0, 0, 0, 0x60, 0, 0, 0};
  putBytes(na, vip.data(), 16);
  na.push_back(2);
  na.push_back(1);
  putBytes(na, kPortMac.data(), 6);
  EXPECT_EQ(out[0], ethernet(kClientMac, kPortMac, 0x86dd, ipv6(vip, client, 58, na, 255)));
}

TEST_F(WorkerPacket, EchoRepliesBothFamilies) {
  const Bytes data(48, 0x5a);
  inject(ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 3, 4, data))));
  inject(ethernet(kPortMac, kClientMac, 0x86dd,
                  ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 58, icmp6Echo(128, 3, 4, data))));
  Worker(ctx_).pollOnce();
  const auto out = transmitted();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], ethernet(kClientMac, kPortMac, 0x0800, ipv4(v4("192.0.2.100"), v4("192.0.2.1"), 1, icmpEcho(0, 3, 4, data))));
  EXPECT_EQ(out[1], ethernet(kClientMac, kPortMac, 0x86dd,
                             ipv6(v6("2001:db8::100"), v6("2001:db8::1"), 58, icmp6Echo(129, 3, 4, data))));
}

TEST_F(WorkerPacket, MalformedAndForeignFramesProduceNothing) {
  Bytes badIhl = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, 1, {})));
  badIhl[14] = 0x44;
  inject(badIhl);
  inject(Bytes(10, 0xee));
  inject(arpRequest("192.0.2.77"));
  inject(ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, tcp(1234, 80, 0x02))));
  Worker(ctx_).pollOnce();
  EXPECT_TRUE(transmitted().empty());
  EXPECT_EQ(drops(DropReason::kIpv4BadIhl), 1u);
  EXPECT_EQ(drops(DropReason::kEthTruncated), 1u);
  EXPECT_EQ(drops(DropReason::kNotForUs), 1u);
  EXPECT_EQ(drops(DropReason::kNoServiceOnVip), 1u);
  EXPECT_EQ(counters_->rxPackets.load(), 4u);
}

TEST_F(WorkerPacket, MoreThanOneBurstAnsweredInOrder) {
  for (int i = 0; i < 70; ++i) inject(ethernet(kPortMac, kClientMac, 0x0800,
                                               ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, static_cast<uint16_t>(i), {}))));
  Worker w(ctx_);
  while (w.pollOnce() > 0) {
  }
  const auto out = transmitted();
  ASSERT_EQ(out.size(), 70u);
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(out[i], ethernet(kClientMac, kPortMac, 0x0800,
                               ipv4(v4("192.0.2.100"), v4("192.0.2.1"), 1, icmpEcho(0, 1, static_cast<uint16_t>(i), {}))));
  }
}

TEST_F(WorkerPacket, ControlFramesLeaveThroughTheWorker) {
  uint8_t frame[arp::kAnnounceFrameCapacity];
  const uint32_t len = arp::buildGratuitousArp(frame, kPortMac, htonl(v4("192.0.2.100")));
  ASSERT_EQ(rte_ring_enqueue(control_, mbufOf(Bytes(frame, frame + len))), 0);
  Worker(ctx_).pollOnce();
  const auto out = transmitted();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], Bytes(frame, frame + len));
  EXPECT_EQ(counters_->announcements.load(), 1u);
}

// A running worker keeps polling while the control thread publishes a new VIP set; the
// publish returns only after the worker let go of the old snapshot, and the next ARP for
// the new VIP is answered.
TEST_F(WorkerPacket, PublishedSnapshotReachesRunningWorker) {
  std::atomic<bool> stop{false};
  std::thread worker([&] { Worker(ctx_).run(stop); });
  inject(arpRequest("192.0.2.200"));
  publish({"192.0.2.100", "192.0.2.200"});
  inject(arpRequest("192.0.2.200"));
  std::vector<Bytes> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.empty() && std::chrono::steady_clock::now() < deadline) {
    for (auto& f : transmitted()) out.push_back(std::move(f));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  worker.join();
  for (auto& f : transmitted()) out.push_back(std::move(f));
  // The first request may have been seen with either snapshot; the second, never the old.
  ASSERT_GE(out.size(), 1u);
  EXPECT_EQ(out.back(), arpReply("192.0.2.200"));
}

}  // namespace
}  // namespace portico::dp::worker

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new portico::dp::worker::EalEnvironment());
  return RUN_ALL_TESTS();
}
