// The appliance's own answers through the real runtime and worker: ARP, NDP, echo,
// announcements, malformed frames, bursts, and a snapshot published under a running worker.

#include <rte_malloc.h>

#include <atomic>
#include <thread>

#include "dataplane/arp/announce.h"
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

}  // namespace
}  // namespace portico::test
