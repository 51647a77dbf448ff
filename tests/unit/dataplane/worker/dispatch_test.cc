// The per-frame decision, byte by byte: ARP and NDP replies, echo replies, and the
// frames the appliance must not answer.

#include "dataplane/worker/dispatch.h"

#include <gtest/gtest.h>

#include "tests/common/frames.h"

namespace portico::dp::worker {
namespace {

using namespace portico::test;

const Mac kClientMac{0x02, 0, 0, 0, 0, 0x01};
const Mac kPortMac{0x02, 0, 0, 0, 0, 0x02};
const Mac kOtherMac{0x02, 0, 0, 0, 0, 0x99};
const Mac kZeroMac{};
const Mac kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

class Dispatch : public ::testing::Test {
 protected:
  Dispatch() {
    arp::PortAddresses port;
    port.mac = kPortMac;
    port.ipv4 = htonl(v4("192.0.2.2"));
    port.ipv6 = v6("2001:db8::2");
    ports_ = {port};
    snap_.vips = lb::VipTable({*pkt::IpAddress::parse("192.0.2.100"), *pkt::IpAddress::parse("2001:db8::100")});
  }

  // Runs the frame through dispatchFrame in a 2 KiB buffer like an mbuf's.
  pkt::Verdict run(Bytes& frame) {
    Bytes buf = frame;
    buf.resize(2048);
    const FrameContext ctx{snap_, ports_, 0, counters_};
    const pkt::Verdict v = dispatchFrame(buf.data(), static_cast<uint32_t>(frame.size()), 2048, ctx);
    if (v.isReply()) frame.assign(buf.begin(), buf.begin() + v.length());
    return v;
  }

  uint64_t drops(DropReason r) const { return counters_.drops[static_cast<size_t>(r)].load(); }

  std::vector<arp::PortAddresses> ports_;
  snapshot::Snapshot snap_;
  LcoreCounters counters_;
};

TEST_F(Dispatch, ArpRequestForVipGetsReplyFromPortMac) {
  Bytes f = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), kZeroMac, v4("192.0.2.100")));
  f.resize(60, 0);  // padded like a real frame
  ASSERT_TRUE(run(f).isReply());
  Bytes want = ethernet(kClientMac, kPortMac, 0x0806, arpBody(2, kPortMac, v4("192.0.2.100"), kClientMac, v4("192.0.2.1")));
  want.resize(60, 0);
  EXPECT_EQ(f, want);
  EXPECT_EQ(counters_.arpReplies.load(), 1u);
}

TEST_F(Dispatch, ArpRequestForPortAddressAnswered) {
  Bytes f = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), kZeroMac, v4("192.0.2.2")));
  ASSERT_TRUE(run(f).isReply());
  EXPECT_EQ(f, ethernet(kClientMac, kPortMac, 0x0806, arpBody(2, kPortMac, v4("192.0.2.2"), kClientMac, v4("192.0.2.1"))));
}

TEST_F(Dispatch, ArpReplyKeepsVlanTag) {
  Bytes f = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), kZeroMac, v4("192.0.2.100")), {42});
  ASSERT_TRUE(run(f).isReply());
  EXPECT_EQ(f, ethernet(kClientMac, kPortMac, 0x0806, arpBody(2, kPortMac, v4("192.0.2.100"), kClientMac, v4("192.0.2.1")), {42}));
}

TEST_F(Dispatch, ArpForOtherAddressesIsNotAnswered) {
  Bytes f = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), kZeroMac, v4("192.0.2.101")));
  EXPECT_FALSE(run(f).isReply());
  Bytes gratuitous = ethernet(kBroadcast, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.100"), kZeroMac, v4("192.0.2.100")));
  EXPECT_FALSE(run(gratuitous).isReply());
  Bytes reply = ethernet(kPortMac, kClientMac, 0x0806, arpBody(2, kClientMac, v4("192.0.2.1"), kPortMac, v4("192.0.2.100")));
  EXPECT_FALSE(run(reply).isReply());
  EXPECT_EQ(drops(DropReason::kNotForUs), 3u);
}

TEST_F(Dispatch, UnicastForAnotherMacIsNotForUs) {
  Bytes f = ethernet(kOtherMac, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), kZeroMac, v4("192.0.2.100")));
  EXPECT_FALSE(run(f).isReply());
  EXPECT_EQ(drops(DropReason::kNotForUs), 1u);
}

// The expected advertisement, built independently: solicited + override, target
// link-layer address option, hop limit 255, from the target address.
Bytes expectedAdvert(const Mac& dstMac, const V6& dst, const V6& target, uint32_t flags, const Mac& mac) {
  Bytes na{136, 0, 0, 0};
  put32(na, flags);
  putBytes(na, target.data(), 16);
  na.push_back(2);
  na.push_back(1);
  putBytes(na, mac.data(), 6);
  return ethernet(dstMac, mac, 0x86dd, ipv6(target, dst, 58, na, 255));
}

TEST_F(Dispatch, NeighborSolicitForVipGetsAdvert) {
  const V6 client = v6("2001:db8::1");
  const V6 vip = v6("2001:db8::100");
  const V6 group = v6("ff02::1:ff00:100");
  Bytes f = ethernet({0x33, 0x33, 0xff, 0x00, 0x01, 0x00}, kClientMac, 0x86dd,
                     ipv6(client, group, 58, neighborSolicit(vip, &kClientMac), 255));
  ASSERT_TRUE(run(f).isReply());
  EXPECT_EQ(f, expectedAdvert(kClientMac, client, vip, 0x60000000u, kPortMac));
  EXPECT_EQ(counters_.ndAdvertisements.load(), 1u);
}

TEST_F(Dispatch, NeighborSolicitWithoutSourceOptionAnsweredToFrameSource) {
  const V6 client = v6("2001:db8::1");
  const V6 vip = v6("2001:db8::100");
  Bytes f = ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, neighborSolicit(vip, nullptr), 255));
  ASSERT_TRUE(run(f).isReply());  // the reply is longer than the request
  EXPECT_EQ(f, expectedAdvert(kClientMac, client, vip, 0x60000000u, kPortMac));
}

TEST_F(Dispatch, DuplicateAddressProbeAnsweredToAllNodes) {
  const V6 vip = v6("2001:db8::100");
  Bytes f = ethernet({0x33, 0x33, 0xff, 0x00, 0x01, 0x00}, kClientMac, 0x86dd,
                     ipv6(V6{}, v6("ff02::1:ff00:100"), 58, neighborSolicit(vip, nullptr), 255));
  ASSERT_TRUE(run(f).isReply());
  EXPECT_EQ(f, expectedAdvert({0x33, 0x33, 0, 0, 0, 1}, v6("ff02::1"), vip, 0x20000000u, kPortMac));
}

TEST_F(Dispatch, NeighborSolicitValidation) {
  const V6 client = v6("2001:db8::1");
  const V6 vip = v6("2001:db8::100");
  Bytes routed = ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, neighborSolicit(vip, &kClientMac), 254));
  EXPECT_EQ(run(routed).reason(), DropReason::kNdBadFormat);
  Bytes other = ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, neighborSolicit(v6("2001:db8::7"), &kClientMac), 255));
  EXPECT_EQ(run(other).reason(), DropReason::kNotForUs);
  Bytes corrupt = ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, neighborSolicit(vip, &kClientMac), 255));
  corrupt[14 + 40 + 2] ^= 0xff;
  EXPECT_EQ(run(corrupt).reason(), DropReason::kIcmpBadChecksum);
  Bytes ns = neighborSolicit(vip, &kClientMac);
  ns[24 + 1] = 0;  // option of length zero
  Bytes zeroOpt = ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, ns, 255));
  EXPECT_EQ(run(zeroOpt).reason(), DropReason::kNdBadFormat);
}

TEST_F(Dispatch, EchoToVipAnswered) {
  const Bytes data{'p', 'o', 'r', 't', 'i', 'c', 'o'};
  Ipv4Options o;
  o.ttl = 3;
  Bytes f = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 77, 5, data), o));
  ASSERT_TRUE(run(f).isReply());
  const Bytes want = ethernet(kClientMac, kPortMac, 0x0800, ipv4(v4("192.0.2.100"), v4("192.0.2.1"), 1, icmpEcho(0, 77, 5, data)));
  EXPECT_EQ(f, want);
  EXPECT_EQ(counters_.echoReplies.load(), 1u);
}

// A reply whose every ICMP byte is zero carries 0xffff, not the 0x0000 an incremental
// update gives (found by the frames fuzz target).
TEST_F(Dispatch, AnAllZeroEchoReplyHasAValidChecksum) {
  const Bytes zeros(4, 0);
  Bytes f = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 0, 0, zeros)));
  ASSERT_TRUE(run(f).isReply());
  const Bytes want = ethernet(kClientMac, kPortMac, 0x0800, ipv4(v4("192.0.2.100"), v4("192.0.2.1"), 1, icmpEcho(0, 0, 0, zeros)));
  EXPECT_EQ(f, want);
  EXPECT_EQ(f[14 + 20 + 2], 0xff);
  EXPECT_EQ(f[14 + 20 + 3], 0xff);
}

TEST_F(Dispatch, Echo6ToVipAnswered) {
  const Bytes data(56, 0xab);
  const V6 client = v6("2001:db8::1");
  const V6 vip = v6("2001:db8::100");
  Bytes f = ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 58, icmp6Echo(128, 9, 1, data), 64));
  ASSERT_TRUE(run(f).isReply());
  EXPECT_EQ(f, ethernet(kClientMac, kPortMac, 0x86dd, ipv6(vip, client, 58, icmp6Echo(129, 9, 1, data), 64)));
  EXPECT_EQ(counters_.echo6Replies.load(), 1u);
}

TEST_F(Dispatch, EchoWithBadChecksumDropped) {
  Bytes f = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, 1, {1, 2})));
  f.back() ^= 0x55;
  EXPECT_EQ(run(f).reason(), DropReason::kIcmpBadChecksum);
}

TEST_F(Dispatch, WithoutServicesOnlyEchoIsServedOnVips) {
  Bytes tcpSyn = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, tcpHeader(1, 80, 0x02)));
  EXPECT_EQ(run(tcpSyn).reason(), DropReason::kNoServiceOnVip);
  Bytes toPort = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.2"), 1, icmpEcho(8, 1, 1, {})));
  EXPECT_EQ(run(toPort).reason(), DropReason::kNoHostPath);
  Bytes elsewhere = ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.101"), 1, icmpEcho(8, 1, 1, {})));
  EXPECT_EQ(run(elsewhere).reason(), DropReason::kNotForUs);
}

// With two workers and no RSS steering, a fragmented reply whose SNAT port belongs to
// the other worker goes there, and its later fragments (no ports) follow it.
TEST_F(Dispatch, FragmentedRepliesFollowTheirFirstFragmentToTheOwner) {
  lb::FlowTable flows(64, {});
  lb::FragmentTable fragments;
  lb::SnatPorts snat(1, 2);
  arp::NeighborCache neighbors;
  FlowState l4{flows, fragments, snat, neighbors, 1, 2, true};
  const FrameContext ctx{snap_, ports_, 0, counters_, &l4, 1000};
  const uint16_t ownedByWorker0 = 40000;  // even
  const Bytes whole = udp(8080, ownedByWorker0, Bytes(1600, 1));
  Ipv4Options first, later;
  first.fragOff = 0x2000;
  later.fragOff = 1480 / 8;
  Bytes f1 = ethernet(kPortMac, kOtherMac, 0x0800,
                      ipv4(v4("198.51.100.11"), v4("192.0.2.2"), 17, Bytes(whole.begin(), whole.begin() + 1480), first));
  Bytes f2 = ethernet(kPortMac, kOtherMac, 0x0800,
                      ipv4(v4("198.51.100.11"), v4("192.0.2.2"), 17, Bytes(whole.begin() + 1480, whole.end()), later));
  Bytes buf = f1;
  buf.resize(2048);
  pkt::Verdict v = dispatchFrame(buf.data(), static_cast<uint32_t>(f1.size()), 2048, ctx);
  EXPECT_EQ(v.action(), pkt::Verdict::Action::kHandoff);
  EXPECT_EQ(v.target(), 0);
  buf = f2;
  buf.resize(2048);
  v = dispatchFrame(buf.data(), static_cast<uint32_t>(f2.size()), 2048, ctx);
  EXPECT_EQ(v.action(), pkt::Verdict::Action::kHandoff);
  EXPECT_EQ(v.target(), 0);
}

}  // namespace
}  // namespace portico::dp::worker
