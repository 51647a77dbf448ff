// The appliance's own answers through the real runtime and worker: ARP, NDP, echo,
// announcements, malformed frames, bursts, and a snapshot published under a running worker.

#include <rte_malloc.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "dataplane/arp/announce.h"
#include "dataplane/arp/l2_pair.h"
#include "tests/packet/packet_fixture.h"

namespace portico::test {
namespace {

class Answers : public PacketTest {
 protected:
  void SetUp() override {
    auto cfg = baseConfig();
    cfg.ports.resize(1);
    cfg.desired.vips = {ip("192.0.2.100"), ip("2001:db8::100")};
    cfg.announce.count = 0;
    start(cfg);
  }
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

TEST_F(Answers, ArpRequestForVipAnswered) {
  client_.inject(pool_, arpRequest("192.0.2.100"));
  poll();
  const auto out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arpReply("192.0.2.100"));
  EXPECT_EQ(counters().rxPackets.load(), 1u);
  EXPECT_EQ(counters().txPackets.load(), 1u);
  EXPECT_EQ(counters().arpReplies.load(), 1u);
}

TEST_F(Answers, NeighborSolicitGrowsIntoAdvert) {
  const V6 client = v6("2001:db8::1");
  const V6 vip = v6("2001:db8::100");
  client_.inject(pool_, ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, neighborSolicit(vip, nullptr), 255)));
  poll();
  const auto out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  Bytes na{136, 0, 0, 0, 0x60, 0, 0, 0};
  putBytes(na, vip.data(), 16);
  na.push_back(2);
  na.push_back(1);
  putBytes(na, kPortMac.data(), 6);
  EXPECT_EQ(out[0], ethernet(kClientMac, kPortMac, 0x86dd, ipv6(vip, client, 58, na, 255)));
}

TEST_F(Answers, EchoRepliesBothFamilies) {
  const Bytes data(48, 0x5a);
  client_.inject(pool_, ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 3, 4, data))));
  client_.inject(pool_, ethernet(kPortMac, kClientMac, 0x86dd,
                                 ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 58, icmp6Echo(128, 3, 4, data))));
  poll();
  const auto out = client_.collect();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], ethernet(kClientMac, kPortMac, 0x0800, ipv4(v4("192.0.2.100"), v4("192.0.2.1"), 1, icmpEcho(0, 3, 4, data))));
  EXPECT_EQ(out[1], ethernet(kClientMac, kPortMac, 0x86dd,
                             ipv6(v6("2001:db8::100"), v6("2001:db8::1"), 58, icmp6Echo(129, 3, 4, data))));
}

TEST_F(Answers, MalformedAndForeignFramesProduceNothing) {
  Bytes badIhl = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, 1, {})));
  badIhl[14] = 0x44;
  client_.inject(pool_, badIhl);
  client_.inject(pool_, Bytes(10, 0xee));
  client_.inject(pool_, arpRequest("192.0.2.77"));
  client_.inject(pool_, ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, tcpHeader(1234, 80, 0x02))));
  poll();
  EXPECT_TRUE(client_.collect().empty());
  EXPECT_EQ(drops(dp::DropReason::kIpv4BadIhl), 1u);
  EXPECT_EQ(drops(dp::DropReason::kEthTruncated), 1u);
  EXPECT_EQ(drops(dp::DropReason::kNotForUs), 1u);
  EXPECT_EQ(drops(dp::DropReason::kNoServiceOnVip), 1u);
  EXPECT_EQ(counters().rxPackets.load(), 4u);
}

TEST_F(Answers, MoreThanOneBurstAnsweredInOrder) {
  for (int i = 0; i < 70; ++i) {
    client_.inject(pool_, ethernet(kPortMac, kClientMac, 0x0800,
                                   ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, static_cast<uint16_t>(i), {}))));
  }
  poll(3);
  const auto out = client_.collect();
  ASSERT_EQ(out.size(), 70u);
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(out[i], ethernet(kClientMac, kPortMac, 0x0800,
                               ipv4(v4("192.0.2.100"), v4("192.0.2.1"), 1, icmpEcho(0, 1, static_cast<uint16_t>(i), {}))));
  }
}

TEST_F(PacketTest, NewVipsAreAnnouncedThroughTheWorker) {
  auto cfg = baseConfig();
  cfg.ports.resize(1);
  cfg.desired.vips = {ip("192.0.2.100")};
  cfg.announce.count = 2;
  cfg.announce.intervalMs = 1000;
  start(cfg);
  tick();
  poll();
  uint8_t frame[dp::arp::kAnnounceFrameCapacity];
  const uint32_t len = dp::arp::buildGratuitousArp(frame, dp::pkt::MacAddr(kPortMac), htonl(v4("192.0.2.100")));
  auto out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], Bytes(frame, frame + len));
  tick(std::chrono::milliseconds(500));
  poll();
  EXPECT_TRUE(client_.collect().empty());
  tick(std::chrono::milliseconds(600));
  poll();
  EXPECT_EQ(client_.collect().size(), 1u);
  EXPECT_EQ(counters().controlTx.load(), 2u);
}

// A running worker keeps polling while the control thread publishes a new VIP set; the
// publish returns only after the worker let go of the old snapshot, and the next ARP for
// the new VIP is answered.
TEST_F(Answers, PublishedSnapshotReachesRunningWorker) {
  std::atomic<bool> stop{false};
  std::thread worker([&] { dp::worker::Worker(rt_->workerContext(0)).run(stop); });
  dp::snapshot::DesiredState next;
  next.vips = {ip("192.0.2.100"), ip("192.0.2.200")};
  ASSERT_TRUE(rt_->publish(dp::runtime::Runtime::Source::kConfig, next).ok());
  client_.inject(pool_, arpRequest("192.0.2.200"));
  std::vector<Bytes> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.empty() && std::chrono::steady_clock::now() < deadline) {
    out = client_.collect();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  worker.join();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arpReply("192.0.2.200"));
  EXPECT_EQ(rt_->version(), 2u);
}

// The watchdog's question: a worker that is online but stops finishing loop passes (stuck
// in one, as a livelock would hold it) makes workersProgressed() false, so the control
// thread stops feeding systemd's watchdog; its next pass makes it true again.
TEST_F(Answers, AWorkerStuckInAPassStopsTheWatchdogsFeeding) {
  dp::worker::LcoreContext& ctx = rt_->workerContext(0);
  ctx.snapshots->registerWorker(ctx.index);  // online, as Worker::run makes it
  dp::worker::Worker w(ctx);
  w.pollOnce();
  EXPECT_TRUE(rt_->workersProgressed());
  EXPECT_FALSE(rt_->workersProgressed()) << "no pass finished since the last question";
  EXPECT_FALSE(rt_->workersProgressed());
  w.pollOnce();
  EXPECT_TRUE(rt_->workersProgressed());
  // A stopped worker (offline) holds nothing up.
  ctx.snapshots->unregisterWorker(ctx.index);
  EXPECT_TRUE(rt_->workersProgressed());
}

// An L2 pair member (dataplane.yaml `pair:`), peer 192.0.2.3 on the client port.
class Pair : public PacketTest {
 protected:
  void SetUp() override {
    auto cfg = baseConfig();
    cfg.ports.resize(1);
    cfg.desired.vips = {ip("192.0.2.100")};
    cfg.announce.count = 1;
    cfg.pair = dp::config::PairConfig{"client", htonl(v4("192.0.2.3")), 100, 100, 7947};
    start(cfg);
  }

  // The frames the client port sent (heartbeats, announcements, answers) after one poll.
  std::vector<Bytes> sent() {
    poll();
    return client_.collect();
  }
  static bool isHeartbeat(const Bytes& f) { return f.size() == 60 && f[23] == 17 && f[36] == 0x1f && f[37] == 0x0b; }
  static bool isGratuitousArp(const Bytes& f) {
    Bytes garp = ethernet(kBroadcast, kPortMac, 0x0806, arpBody(1, kPortMac, v4("192.0.2.100"), {}, v4("192.0.2.100")));
    garp.resize(60, 0);
    return f == garp;
  }
};

// Starting, it listens and answers no ARP for its VIPs (its own address still); with no
// peer heard for three intervals it takes over: gratuitous ARP, then answers.
TEST_F(Pair, AloneItTakesTheVipsAfterListening) {
  client_.inject(pool_, arpRequest("192.0.2.100"));
  client_.inject(pool_, arpRequest("192.0.2.2"));
  auto out = sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arpReply("192.0.2.2")) << "the port's own address is answered, the VIP is not";
  tick();
  out = sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(isHeartbeat(out[0]));
  EXPECT_NE(rt_->metricsText().find("portico_pair_active 0\n"), std::string::npos);
  tick(std::chrono::milliseconds(300));
  out = sent();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(isHeartbeat(out[0]) || isHeartbeat(out[1]));
  EXPECT_TRUE(isGratuitousArp(out[0]) || isGratuitousArp(out[1])) << "the takeover is announced";
  client_.inject(pool_, arpRequest("192.0.2.100"));
  out = sent();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], arpReply("192.0.2.100"));
  EXPECT_NE(rt_->metricsText().find("portico_pair_active 1\n"), std::string::npos);
}

// The active peer's heartbeats, through the worker to the control thread, keep it standby;
// when they stop for three intervals it takes over.
TEST_F(Pair, APeersHeartbeatsKeepItStandbyUntilTheyStop) {
  dp::arp::PairSettings peerSettings{0, htonl(v4("192.0.2.3")), htonl(v4("192.0.2.2")), 200,
                                     std::chrono::milliseconds(100), 7947};
  dp::arp::L2Pair peer(peerSettings, dp::pkt::MacAddr(kClientMac));
  peer.decide(now_);
  peer.decide(now_ + std::chrono::milliseconds(300));
  ASSERT_TRUE(peer.active());
  const auto heartbeat = [&] {
    uint8_t frame[dp::arp::L2Pair::kFrameCapacity];
    const uint32_t n = peer.heartbeatDue(now_ + std::chrono::hours(1), frame);
    client_.inject(pool_, Bytes(frame, frame + n));
    poll();
  };
  for (int i = 0; i < 5; ++i) {
    heartbeat();
    tick(std::chrono::milliseconds(100));
  }
  const auto vipAnswered = [&] {
    client_.inject(pool_, arpRequest("192.0.2.100"));
    const auto out = sent();
    return std::find(out.begin(), out.end(), arpReply("192.0.2.100")) != out.end();
  };
  EXPECT_FALSE(vipAnswered()) << "the standby leaves the VIP to the active peer";
  EXPECT_EQ(counters().drops[static_cast<size_t>(dp::DropReason::kNoHostPath)].load(), 0u)
      << "heartbeats go to the control thread, not the host";
  tick(std::chrono::milliseconds(200));
  EXPECT_FALSE(vipAnswered()) << "two missed heartbeats are not a death";
  tick(std::chrono::milliseconds(200));
  EXPECT_TRUE(vipAnswered()) << "silent peer: taken over";
}

}  // namespace
}  // namespace portico::test
