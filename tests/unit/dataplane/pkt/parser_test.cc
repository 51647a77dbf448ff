#include "dataplane/pkt/parser.h"

#include <gtest/gtest.h>

#include "tests/common/frames.h"

namespace portico::dp::pkt {
namespace {

using namespace portico::test;

const Mac kClientMac{0x02, 0, 0, 0, 0, 0x01};
const Mac kPortMac{0x02, 0, 0, 0, 0, 0x02};

ParseResult parse(const Bytes& f, ParsedPacket& p) { return parseFrame(f.data(), static_cast<uint32_t>(f.size()), p); }

Bytes ipv4Frame(const Bytes& ip) { return ethernet(kPortMac, kClientMac, 0x0800, ip); }
Bytes ipv6Frame(const Bytes& ip) { return ethernet(kPortMac, kClientMac, 0x86dd, ip); }

// A destination-options extension header of `eightOctets` * 8 bytes.
Bytes destOpts(uint8_t next, uint8_t eightOctets = 1) {
  Bytes b{next, static_cast<uint8_t>(eightOctets - 1), 1, static_cast<uint8_t>(eightOctets * 8 - 4)};
  b.resize(eightOctets * 8, 0);
  return b;
}

TEST(Parser, TcpOverIpv4) {
  const Bytes f = ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, tcpHeader(40000, 80, 0x02, {2, 4, 5, 0xb4}, {'h', 'i'})));
  ParsedPacket p;
  ASSERT_TRUE(parse(f, p).ok);
  EXPECT_EQ(p.etherType, kEtherTypeIpv4);
  EXPECT_EQ(p.ipVersion, 4);
  EXPECT_EQ(p.l4Proto, kProtoTcp);
  EXPECT_EQ(p.l3Offset, 14);
  EXPECT_EQ(p.l4Offset, 34);
  EXPECT_EQ(p.payloadOffset, 34 + 24);
  EXPECT_EQ(p.l3End, f.size());
  EXPECT_FALSE(p.fragment);
}

TEST(Parser, EthernetPaddingIsNotPayload) {
  Bytes f = ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {})));
  f.resize(60, 0);
  ParsedPacket p;
  ASSERT_TRUE(parse(f, p).ok);
  EXPECT_EQ(p.l3End, 14 + 20 + 8);
  EXPECT_EQ(p.l4Length(), 8);
}

TEST(Parser, VlanAndQinQ) {
  const Bytes ip = ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(53, 53, {1, 2, 3}));
  ParsedPacket p;
  ASSERT_TRUE(parse(ethernet(kPortMac, kClientMac, 0x0800, ip, {0x0064}), p).ok);
  EXPECT_EQ(p.vlanDepth, 1);
  EXPECT_EQ(p.vlanTci, 0x64);
  EXPECT_EQ(p.l3Offset, 18);
  ASSERT_TRUE(parse(ethernet(kPortMac, kClientMac, 0x0800, ip, {0x0064, 0x00c8}), p).ok);
  EXPECT_EQ(p.vlanDepth, 2);
  EXPECT_EQ(p.l3Offset, 22);
  EXPECT_EQ(parse(ethernet(kPortMac, kClientMac, 0x0800, ip, {1, 2, 3}), p).reason, DropReason::kVlanTooDeep);
}

TEST(Parser, Ipv4OptionsAccepted) {
  // Router alert (4 bytes), then NOP padding to a 4-byte boundary.
  Ipv4Options o;
  o.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};
  ParsedPacket p;
  ASSERT_TRUE(parse(ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, 1, {}), o)), p).ok);
  EXPECT_EQ(p.l4Offset, 14 + 28);
}

TEST(Parser, Ipv4FragmentsFlagged) {
  Ipv4Options first;
  first.fragOff = 0x2000;  // MF, offset 0
  ParsedPacket p;
  ASSERT_TRUE(parse(ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {1, 2}), first)), p).ok);
  EXPECT_TRUE(p.fragment);
  EXPECT_FALSE(p.laterFragment);
  Ipv4Options later;
  later.fragOff = 0x0003;  // offset 24 bytes, last fragment: no UDP header here
  ASSERT_TRUE(parse(ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, {9, 9, 9}, later)), p).ok);
  EXPECT_TRUE(p.fragment);
  EXPECT_TRUE(p.laterFragment);
  EXPECT_EQ(p.payloadOffset, p.l4Offset);
}

TEST(Parser, Ipv6WithExtensionChain) {
  // hop-by-hop -> destination options -> UDP
  const Bytes ext = concat({destOpts(60), destOpts(17, 2)});
  const Bytes f = ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 17, udp(1, 2, {7}), 64, ext, 0));
  ParsedPacket p;
  ASSERT_TRUE(parse(f, p).ok);
  EXPECT_EQ(p.ipVersion, 6);
  EXPECT_EQ(p.l4Proto, kProtoUdp);
  EXPECT_EQ(p.l4Offset, 14 + 40 + 8 + 16);
}

TEST(Parser, Ipv6FragmentHeader) {
  Bytes frag{17, 0, 0x00, 0x08, 0, 0, 0, 1};  // offset 1 (8 bytes), later fragment
  ParsedPacket p;
  ASSERT_TRUE(parse(ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 17, {1, 2, 3, 4}, 64, frag, 44)), p).ok);
  EXPECT_TRUE(p.fragment);
  EXPECT_TRUE(p.laterFragment);
  EXPECT_EQ(p.l4Proto, kProtoUdp);
}

TEST(Parser, ArpRequest) {
  const Bytes f = ethernet(kBroadcastMac, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), {}, v4("192.0.2.100")));
  ParsedPacket p;
  ASSERT_TRUE(parse(f, p).ok);
  EXPECT_EQ(p.etherType, kEtherTypeArp);
}

struct Malformed {
  const char* name;
  Bytes frame;
  DropReason reason;
};

Bytes patched(Bytes b, size_t at, std::initializer_list<uint8_t> bytes) {
  for (uint8_t v : bytes) b[at++] = v;
  return b;
}

Bytes truncated(Bytes b, size_t len) {
  b.resize(len);
  return b;
}

// Re-checksums the IPv4 header at offset 14 after a test corrupted one of its fields.
Bytes reChecksummed(Bytes f) {
  const size_t ihl = (f[14] & 0x0f) * 4u;
  f[24] = f[25] = 0;
  setChecksumAt(f, 24, referenceChecksum(Bytes(f.begin() + 14, f.begin() + 14 + std::min(ihl, f.size() - 14))));
  return f;
}

std::vector<Malformed> malformedFrames() {
  const Bytes udp4 = ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {1, 2, 3, 4})));
  const Bytes tcp4 = ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, tcpHeader(1, 2, 0x10)));
  const Bytes icmp4 = ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, icmpEcho(8, 1, 1, {})));
  const Bytes udp6 = ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 17, udp(1, 2, {1, 2})));
  const Bytes arpReq = ethernet(kBroadcastMac, kClientMac, 0x0806, arpBody(1, kClientMac, v4("192.0.2.1"), {}, v4("192.0.2.100")));
  Ipv4Options badOpt;
  badOpt.options = {0x94, 0x09, 0x00, 0x00};  // option length runs past the header
  Ipv4Options zeroOpt;
  zeroOpt.options = {0x07, 0x00, 0x00, 0x00};  // option length below 2
  Bytes longChain;  // nine destination-options headers in a row
  for (int i = 0; i < 9; ++i) longChain = concat({longChain, destOpts(i == 8 ? 17 : 60)});
  Bytes extOverrun = destOpts(17);
  extOverrun[1] = 9;  // claims 80 bytes

  return {
      {"empty", {}, DropReason::kEthTruncated},
      {"ethernet header cut", truncated(udp4, 13), DropReason::kEthTruncated},
      {"vlan tag cut", truncated(ethernet(kPortMac, kClientMac, 0x0800, {}, {5}), 16), DropReason::kVlanTruncated},
      {"unknown ethertype", ethernet(kPortMac, kClientMac, 0x88cc, Bytes(46, 0)), DropReason::kUnsupportedEthertype},
      {"arp cut", truncated(arpReq, 14 + 27), DropReason::kArpTruncated},
      {"arp hardware type", patched(arpReq, 14, {0, 6}), DropReason::kArpBadFormat},
      {"arp address length", patched(arpReq, 18, {8}), DropReason::kArpBadFormat},
      {"arp opcode", patched(arpReq, 20, {0, 9}), DropReason::kArpBadFormat},
      {"ipv4 header cut", truncated(udp4, 14 + 19), DropReason::kIpv4Truncated},
      {"ipv4 version 5", reChecksummed(patched(udp4, 14, {0x55})), DropReason::kIpv4BadVersion},
      {"ipv4 ihl 4", reChecksummed(patched(udp4, 14, {0x44})), DropReason::kIpv4BadIhl},
      {"ipv4 ihl past frame", reChecksummed(patched(truncated(udp4, 14 + 24), 14, {0x4f})), DropReason::kIpv4Truncated},
      {"ipv4 total length past frame", reChecksummed(patched(udp4, 16, {0x01, 0x00})), DropReason::kIpv4BadTotalLength},
      {"ipv4 total length below header", reChecksummed(patched(udp4, 16, {0x00, 0x10})), DropReason::kIpv4BadTotalLength},
      {"ipv4 checksum", patched(udp4, 24, {0xde, 0xad}), DropReason::kIpv4BadChecksum},
      {"ipv4 option overrun", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {}), badOpt)), DropReason::kIpv4BadOptions},
      {"ipv4 option length 0", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {}), zeroOpt)), DropReason::kIpv4BadOptions},
      {"udp header cut", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, {0, 1, 0, 2})), DropReason::kUdpTruncated},
      {"udp length too long", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {1}, 40))), DropReason::kUdpBadLength},
      {"udp length below 8", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(1, 2, {1}, 4))), DropReason::kUdpBadLength},
      {"tcp header cut", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, truncated(tcpHeader(1, 2, 0x10), 19))), DropReason::kTcpTruncated},
      {"tcp data offset 4", patched(tcp4, 14 + 20 + 12, {0x40}), DropReason::kTcpBadDataOffset},
      {"tcp data offset past segment", patched(tcp4, 14 + 20 + 12, {0xf0}), DropReason::kTcpBadDataOffset},
      {"icmp cut", ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 1, {8, 0, 0, 0})), DropReason::kIcmpTruncated},
      {"ipv6 header cut", truncated(udp6, 14 + 39), DropReason::kIpv6Truncated},
      {"ipv6 version 4", patched(udp6, 14, {0x40}), DropReason::kIpv6BadVersion},
      {"ipv6 payload length past frame", patched(udp6, 18, {0x04, 0x00}), DropReason::kIpv6BadPayloadLength},
      {"ipv6 jumbogram", patched(udp6, 18, {0x00, 0x00}), DropReason::kIpv6BadPayloadLength},
      {"ipv6 extension chain too long", ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 17, udp(1, 2, {}), 64, longChain, 60)), DropReason::kIpv6ExtChainTooLong},
      {"ipv6 extension overruns payload", ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 17, udp(1, 2, {}), 64, extOverrun, 60)), DropReason::kIpv6ExtTruncated},
      {"ipv6 extension header cut", ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 60, {17})), DropReason::kIpv6ExtTruncated},
      {"icmpv6 cut", ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 58, {128, 0})), DropReason::kIcmp6Truncated},
      {"icmp4 truncated frame", truncated(icmp4, icmp4.size() - 1), DropReason::kIpv4BadTotalLength},
  };
}

TEST(Parser, MalformedFramesAreDroppedWithTheirReason) {
  for (const auto& m : malformedFrames()) {
    ParsedPacket p;
    const ParseResult r = parse(m.frame, p);
    EXPECT_FALSE(r.ok) << m.name;
    EXPECT_EQ(dropReasonName(r.reason), dropReasonName(m.reason)) << m.name;
  }
}

// Every prefix of a valid frame must parse or drop without reading past its end (run
// under ASan/valgrind this also proves the bounds).
TEST(Parser, EveryTruncationIsBounded) {
  const Bytes ext = concat({destOpts(60), destOpts(6)});
  const std::vector<Bytes> frames = {
      ipv4Frame(ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, tcpHeader(1, 2, 0x02, {2, 4, 5, 0xb4}))),
      ipv6Frame(ipv6(v6("2001:db8::1"), v6("2001:db8::100"), 6, tcpHeader(1, 2, 0x02), 64, ext, 0)),
      ethernet(kBroadcastMac, kClientMac, 0x0806, arpBody(1, kClientMac, 1, {}, 2), {7}),
  };
  for (const auto& f : frames) {
    for (size_t len = 0; len < f.size(); ++len) {
      Bytes cut(f.begin(), f.begin() + static_cast<long>(len));
      ParsedPacket p;
      EXPECT_FALSE(parse(cut, p).ok) << "length " << len;
    }
    ParsedPacket p;
    EXPECT_TRUE(parse(f, p).ok);
  }
}

}  // namespace
}  // namespace portico::dp::pkt
