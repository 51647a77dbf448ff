// Incrementally updated checksums must equal a full recomputation, for random packets of
// every kind the NAT rewrites.

#include "dataplane/lb/nat.h"

#include <gtest/gtest.h>

#include <random>

#include "dataplane/pkt/parser.h"
#include "tests/common/frames.h"

namespace portico::dp::lb {
namespace {

using namespace portico::test;

const Mac kA{2, 0, 0, 0, 0, 1};
const Mac kB{2, 0, 0, 0, 0, 2};

class NatChecksums : public ::testing::Test {
 protected:
  std::mt19937 rng_{42};

  Bytes randomBytes(size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<uint8_t>(rng_());
    return b;
  }
  uint32_t randomV4() { return rng_(); }
  V6 randomV6() {
    V6 a;
    for (auto& x : a) x = static_cast<uint8_t>(rng_());
    return a;
  }
  uint16_t randomPort() { return static_cast<uint16_t>(rng_()); }

  Bytes segment(uint8_t proto, uint16_t sport, uint16_t dport) {
    const Bytes payload = randomBytes(rng_() % 1400);
    return proto == 6 ? tcpHeader(sport, dport, 0x18, {}, payload) : udp(sport, dport, payload);
  }

  // The key a rewrite is asked to apply, host-order inputs.
  static FlowKey keyV4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto) {
    FlowKey k;
    k.src = v4Mapped(htonl(src));
    k.dst = v4Mapped(htonl(dst));
    k.srcPort = htons(sport);
    k.dstPort = htons(dport);
    k.proto = proto;
    k.family = 4;
    return k;
  }
};

TEST_F(NatChecksums, Ipv4TcpAndUdp) {
  for (int i = 0; i < 500; ++i) {
    const uint8_t proto = i % 2 ? 6 : 17;
    const uint32_t s = randomV4(), d = randomV4(), ns = randomV4(), nd = randomV4();
    const uint16_t sp = randomPort(), dp = randomPort(), nsp = randomPort(), ndp = randomPort();
    Bytes seg = withChecksumV4(s, d, proto, segment(proto, sp, dp));
    Bytes f = ethernet(kA, kB, 0x0800, ipv4(s, d, proto, seg));
    pkt::ParsedPacket p;
    ASSERT_TRUE(pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok);
    rewriteFlow(f.data(), p, keyV4(ns, nd, nsp, ndp, proto));
    ASSERT_TRUE(decrementHopLimit(f.data(), p));

    Ipv4Options o;
    o.ttl = 63;
    Bytes wantSeg = proto == 6 ? tcpHeader(nsp, ndp, 0x18, {}, Bytes(seg.begin() + 20, seg.end()))
                               : udp(nsp, ndp, Bytes(seg.begin() + 8, seg.end()));
    wantSeg = withChecksumV4(ns, nd, proto, wantSeg);
    EXPECT_EQ(f, ethernet(kA, kB, 0x0800, ipv4(ns, nd, proto, wantSeg, o))) << "packet " << i;
  }
}

TEST_F(NatChecksums, Ipv4UdpWithoutChecksumStaysWithout) {
  Bytes f = ethernet(kA, kB, 0x0800, ipv4(1, 2, 17, udp(10, 20, {1, 2, 3})));
  pkt::ParsedPacket p;
  ASSERT_TRUE(pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok);
  rewriteFlow(f.data(), p, keyV4(3, 4, 30, 40, 17));
  EXPECT_EQ(f, ethernet(kA, kB, 0x0800, ipv4(3, 4, 17, udp(30, 40, {1, 2, 3}))));
}

TEST_F(NatChecksums, Ipv6TcpAndUdp) {
  for (int i = 0; i < 500; ++i) {
    const uint8_t proto = i % 2 ? 6 : 17;
    const V6 s = randomV6(), d = randomV6(), ns = randomV6(), nd = randomV6();
    const uint16_t sp = randomPort(), dp = randomPort(), nsp = randomPort(), ndp = randomPort();
    Bytes seg = withChecksumV6(s, d, proto, segment(proto, sp, dp));
    Bytes f = ethernet(kA, kB, 0x86dd, ipv6(s, d, proto, seg));
    pkt::ParsedPacket p;
    ASSERT_TRUE(pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok);
    FlowKey k;
    k.src = ns;
    k.dst = nd;
    k.srcPort = htons(nsp);
    k.dstPort = htons(ndp);
    k.proto = proto;
    k.family = 6;
    rewriteFlow(f.data(), p, k);
    ASSERT_TRUE(decrementHopLimit(f.data(), p));
    Bytes wantSeg = proto == 6 ? tcpHeader(nsp, ndp, 0x18, {}, Bytes(seg.begin() + 20, seg.end()))
                               : udp(nsp, ndp, Bytes(seg.begin() + 8, seg.end()));
    wantSeg = withChecksumV6(ns, nd, proto, wantSeg);
    EXPECT_EQ(f, ethernet(kA, kB, 0x86dd, ipv6(ns, nd, proto, wantSeg, 63))) << "packet " << i;
  }
}

// The first fragment carries the L4 checksum of the whole datagram; after the rewrite it
// must equal the checksum of the whole rewritten datagram.
TEST_F(NatChecksums, Ipv4FirstFragmentCarriesWholeDatagramChecksum) {
  for (int i = 0; i < 100; ++i) {
    const uint32_t s = randomV4(), d = randomV4(), ns = randomV4(), nd = randomV4();
    const Bytes whole = withChecksumV4(s, d, 6, tcpHeader(1000, 80, 0x18, {}, randomBytes(600)));
    Ipv4Options first;
    first.fragOff = 0x2000;
    Bytes f = ethernet(kA, kB, 0x0800, ipv4(s, d, 6, Bytes(whole.begin(), whole.begin() + 200), first));
    pkt::ParsedPacket p;
    ASSERT_TRUE(pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok);
    ASSERT_TRUE(p.fragment && !p.laterFragment);
    rewriteFlow(f.data(), p, keyV4(ns, nd, 2000, 8080, 6));
    const Bytes wantWhole = withChecksumV4(ns, nd, 6, tcpHeader(2000, 8080, 0x18, {}, Bytes(whole.begin() + 20, whole.end())));
    EXPECT_EQ(Bytes(f.begin() + 34, f.begin() + 34 + 20), Bytes(wantWhole.begin(), wantWhole.begin() + 20));
    // A later fragment only has its IP header rewritten.
    Ipv4Options later;
    later.fragOff = 25;  // 200 bytes
    Bytes g = ethernet(kA, kB, 0x0800, ipv4(s, d, 6, Bytes(whole.begin() + 200, whole.end()), later));
    ASSERT_TRUE(pkt::parseFrame(g.data(), static_cast<uint32_t>(g.size()), p).ok);
    rewriteFlow(g.data(), p, keyV4(ns, nd, 2000, 8080, 6));
    EXPECT_EQ(g, ethernet(kA, kB, 0x0800, ipv4(ns, nd, 6, Bytes(whole.begin() + 200, whole.end()), later)));
  }
}

TEST(NatHopLimit, ExpiringPacketsAreNotForwarded) {
  Ipv4Options o;
  o.ttl = 1;
  Bytes f = ethernet(kA, kB, 0x0800, ipv4(1, 2, 17, udp(1, 2, {}), o));
  pkt::ParsedPacket p;
  ASSERT_TRUE(pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok);
  EXPECT_FALSE(decrementHopLimit(f.data(), p));
}

}  // namespace
}  // namespace portico::dp::lb
