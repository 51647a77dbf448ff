#include "dataplane/tcp/segment_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "dataplane/lb/flow_key.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/pkt/checksum.h"
#include "dataplane/pkt/ip_address.h"
#include "tests/common/frames.h"

namespace portico::dp::tcp {
namespace {

// The written segment's TCP checksum, verified the plain way over pseudo-header and
// segment: it must sum to all ones.
bool tcpChecksumVerifies(const uint8_t* frame, uint16_t length, uint8_t family) {
  const std::size_t l3 = sizeof(pkt::EthHdr);
  const std::size_t l4 = l3 + (family == 4 ? sizeof(pkt::Ipv4Hdr) : sizeof(pkt::Ipv6Hdr));
  const auto segLen = static_cast<uint32_t>(length - l4);
  uint32_t sum = 0;
  if (family == 4) {
    sum = pkt::sumBytes(frame + l3 + 12, 8) + pkt::kProtoTcp + segLen;
  } else {
    sum = pkt::sumBytes(frame + l3 + 8, 32) + pkt::kProtoTcp + segLen;
  }
  return pkt::checksumValid(pkt::sumBytes(frame + l4, segLen, sum));
}

SegmentSpec spec(uint8_t family) {
  SegmentSpec s;
  s.family = family;
  if (family == 4) {
    s.src = lb::v4Mapped(htonl(test::v4("192.0.2.100")));
    s.dst = lb::v4Mapped(htonl(test::v4("198.18.0.1")));
  } else {
    s.src = pkt::IpAddress::parse("2001:db8::100")->v6;
    s.dst = pkt::IpAddress::parse("2001:db8:1::1")->v6;
  }
  s.srcPortBe = pkt::hton16(80);
  s.dstPortBe = pkt::hton16(40000);
  s.seq = 0x01020304;
  s.ack = 0xfffffff0;
  s.window = 65535;
  return s;
}

TEST(SegmentWriter, ChecksumsVerifyForEitherFamilyAndAnyPayloadLength) {
  const std::string proxy = "PROXY";
  std::string request = "GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n";
  for (uint8_t family : {uint8_t{4}, uint8_t{6}}) {
    for (std::size_t bodyLength = 0; bodyLength < 70; ++bodyLength) {
      SegmentSpec s = spec(family);
      s.flags = bodyLength % 3 == 0 ? lb::kTcpSyn | lb::kTcpAck : lb::kTcpAck | lb::kTcpFin;
      s.mss = 1460;
      s.windowScale = 7;
      s.sackPermitted = true;
      const std::string body = request.substr(0, std::min(bodyLength, request.size())) + std::string(bodyLength / 2, 'x');
      if (bodyLength % 2 == 1) s.head = {reinterpret_cast<const uint8_t*>(proxy.data()), proxy.size()};
      s.body = {reinterpret_cast<const uint8_t*>(body.data()), body.size()};
      uint8_t frame[2048];
      const uint16_t length = writeSegment(frame, sizeof frame, s);
      ASSERT_GT(length, 0);
      EXPECT_TRUE(tcpChecksumVerifies(frame, length, family)) << "IPv" << int(family) << ", payload " << body.size();
      if (family == 4) {
        EXPECT_TRUE(pkt::ipv4HeaderValid(reinterpret_cast<const pkt::Ipv4Hdr*>(frame + sizeof(pkt::EthHdr))));
      }
    }
  }
}

TEST(SegmentWriter, TooSmallABufferWritesNothing) {
  SegmentSpec s = spec(4);
  const std::string body(100, 'x');
  s.body = {reinterpret_cast<const uint8_t*>(body.data()), body.size()};
  uint8_t frame[120];
  EXPECT_EQ(writeSegment(frame, sizeof frame, s), 0);
}

}  // namespace
}  // namespace portico::dp::tcp

namespace portico::dp::tcp {
namespace {

// A SYN's MSS option: 0 is ignored (RFC 9293's 536 holds), anything below Linux's floor is
// raised to it. An MSS of 0 from a backend once left the splice emitting empty segments
// forever.
TEST(SynOptionsParse, AnMssBelowTheFloorIsRaisedAndZeroIgnored) {
  auto mssOf = [](uint16_t mss) {
    uint8_t tcp[24] = {};
    tcp[12] = 6 << 4;  // a 24-byte header: one option
    tcp[20] = kOptMss;
    tcp[21] = 4;
    tcp[22] = static_cast<uint8_t>(mss >> 8);
    tcp[23] = static_cast<uint8_t>(mss);
    return parseSynOptions(tcp).mss;
  };
  EXPECT_EQ(mssOf(0), 536);
  EXPECT_EQ(mssOf(1), kMinMss);
  EXPECT_EQ(mssOf(87), kMinMss);
  EXPECT_EQ(mssOf(88), 88);
  EXPECT_EQ(mssOf(1460), 1460);
}

}  // namespace
}  // namespace portico::dp::tcp

namespace portico::dp::tcp {
namespace {

// MSS clamping rewrites the option in place and keeps the checksum exactly what a fresh
// computation gives, wherever the option sits (after one NOP it straddles two checksum
// words); an option already below the limit, or no limit, leaves the segment untouched.
TEST(ClampMss, LowersTheOptionAndKeepsTheChecksum) {
  auto syn = [](uint16_t mss, bool afterNop) {
    test::Bytes options;
    if (afterNop) options.push_back(kOptNop);
    options.insert(options.end(), {kOptMss, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)});
    while (options.size() % 4 != 0) options.push_back(kOptNop);
    return test::withChecksumV4(test::v4("192.0.2.1"), test::v4("192.0.2.100"), 6,
                                test::tcpHeader(40000, 80, 0x02, options, {}));
  };
  for (const bool afterNop : {false, true}) {
    test::Bytes seg = syn(1460, afterNop);
    clampMss(seg.data(), 1400);
    EXPECT_EQ(seg, syn(1400, afterNop)) << (afterNop ? "after a NOP" : "first option");
    EXPECT_EQ(parseSynOptions(seg.data()).mss, 1400);

    test::Bytes small = syn(1200, afterNop);
    clampMss(small.data(), 1400);
    EXPECT_EQ(small, syn(1200, afterNop));
    clampMss(small.data(), 0);
    EXPECT_EQ(small, syn(1200, afterNop));
  }
  EXPECT_EQ(tighterMss(0, 1400), 1400);
  EXPECT_EQ(tighterMss(1300, 0), 1300);
  EXPECT_EQ(tighterMss(1300, 1400), 1300);
  EXPECT_EQ(tighterMss(0, 0), 0);
}

}  // namespace
}  // namespace portico::dp::tcp
