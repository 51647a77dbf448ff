// Full-NAT load balancing through the real runtime and worker: neighbour resolution of
// the backend, a TCP connection's handshake, data and teardown in both directions, UDP,
// IPv6, Maglev spread, and backend draining and removal, compared byte by byte.

#include <atomic>
#include <chrono>
#include <thread>

#include "dataplane/arp/announce.h"
#include "tests/packet/packet_fixture.h"

namespace portico::test {
namespace {

class L4 : public PacketTest {
 protected:
  // Service web: 192.0.2.100:80/tcp (and :53/udp) over `backends` of kBackendIps.
  void startWith(int backends, dp::snapshot::BackendState firstState = dp::snapshot::BackendState::kActive,
                 uint32_t flowCapacity = 4096) {
    auto cfg = baseConfig();
    cfg.announce.count = 0;
    cfg.flows.capacity = flowCapacity;
    cfg.ports[0].mss = clientPortMss_;
    for (uint8_t proto : {uint8_t{6}, uint8_t{17}}) {
      dp::snapshot::ServiceSpec svc;
      svc.name = proto == 6 ? "web" : "dns";
      svc.vip = ip("192.0.2.100");
      svc.port = proto == 6 ? 80 : 53;
      svc.proto = proto;
      for (int i = 0; i < backends; ++i) {
        svc.backends.push_back({ip(kBackendIps[i]), static_cast<uint16_t>(proto == 6 ? 8080 : 5353), 1,
                                i == 0 ? firstState : dp::snapshot::BackendState::kActive});
      }
      cfg.desired.services.push_back(svc);
    }
    cfg_ = cfg;
    start(cfg);
    resolveBackends(backends);
  }

  Bytes fromClient(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack, const Bytes& data = {}) {
    return frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6,
                  segment4("192.0.2.1", "192.0.2.100", sport, 80, flags, seq, ack, data));
  }

  // Sends one frame from the client and returns what leaves towards the backends.
  std::vector<Bytes> clientSends(const Bytes& f) {
    client_.inject(pool_, f);
    poll();
    return backend_.collect();
  }

  // An established connection from 192.0.2.1:`sport`; returns its SNAT port.
  uint16_t establish(uint16_t sport) {
    auto out = clientSends(fromClient(sport, kSyn, 1000, 0));
    EXPECT_EQ(out.size(), 1u);
    if (out.empty()) return 0;
    const uint16_t snat = srcPortOf(out[0]);
    backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                  segment4("198.51.100.11", "198.51.100.2", 8080, snat, kSyn | kAck, 5000, 1001)));
    poll();
    EXPECT_EQ(client_.collect().size(), 1u);
    EXPECT_EQ(clientSends(fromClient(sport, kAck, 1001, 5001)).size(), 1u);
    return snat;
  }

  // `count` SYNs from spoofed sources in 203.0.113.0/24, as a SYN flood sends them, in
  // bursts, each answered by its backend's SYN-ACK (as Linux answers, with a cookie) that
  // nobody acknowledges; returns how many SYNs left towards the backends.
  size_t flood(uint32_t count) {
    size_t forwarded = 0;
    for (uint32_t i = 0; i < count; ++i) {
      const std::string src = "203.0.113." + std::to_string(i % 250 + 1);
      const auto sport = static_cast<uint16_t>(1024 + i / 250);
      client_.inject(pool_, frame4(kPortMac, kClientMac, src.c_str(), "192.0.2.100", 6,
                                   segment4(src.c_str(), "192.0.2.100", sport, 80, kSyn, i, 0)));
      if (i % 32 != 31 && i + 1 != count) continue;
      poll();
      const auto syns = backend_.collect();
      forwarded += syns.size();
      for (const Bytes& syn : syns) {
        const std::string be = dstIpOf(syn);
        const int b = be == kBackendIps[0] ? 0 : be == kBackendIps[1] ? 1 : 2;
        backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[b], be.c_str(), "198.51.100.2", 6,
                                      segment4(be.c_str(), "198.51.100.2", 8080, srcPortOf(syn), kSyn | kAck, 7,
                                               seqOf(syn) + 1)));
      }
      poll();
      client_.collect();
    }
    return forwarded;
  }

  dp::config::DataplaneConfig cfg_;
  uint16_t clientPortMss_ = 0;
};

TEST_F(L4, TcpConnectionThroughFullNatBothWays) {
  startWith(1);
  // SYN: client -> VIP becomes SNAT -> backend.
  auto out = clientSends(fromClient(40000, kSyn, 1000, 0));
  ASSERT_EQ(out.size(), 1u) << rt_->statsReport();
  const uint16_t snat = srcPortOf(out[0]);
  EXPECT_GE(snat, 1024);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 6,
                           segment4("198.51.100.2", "198.51.100.11", snat, 8080, kSyn, 1000, 0), 63));

  // SYN-ACK: backend -> SNAT becomes VIP -> client, to the MAC the SYN came from.
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                segment4("198.51.100.11", "198.51.100.2", 8080, snat, kSyn | kAck, 5000, 1001)));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 6,
                           segment4("192.0.2.100", "192.0.2.1", 80, 40000, kSyn | kAck, 5000, 1001), 63));

  // Data both ways.
  const Bytes request{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n'};
  out = clientSends(fromClient(40000, kAck | kPsh, 1001, 5001, request));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 6,
                           segment4("198.51.100.2", "198.51.100.11", snat, 8080, kAck | kPsh, 1001, 5001, request), 63));
  const Bytes response(1200, 'x');
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                segment4("198.51.100.11", "198.51.100.2", 8080, snat, kAck | kPsh, 5001, 1019, response)));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 6,
                           segment4("192.0.2.100", "192.0.2.1", 80, 40000, kAck | kPsh, 5001, 1019, response), 63));

  // FIN from each side.
  out = clientSends(fromClient(40000, kFin | kAck, 1019, 6201));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 6,
                           segment4("198.51.100.2", "198.51.100.11", snat, 8080, kFin | kAck, 1019, 6201), 63));
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                segment4("198.51.100.11", "198.51.100.2", 8080, snat, kFin | kAck, 6201, 1020)));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 6,
                           segment4("192.0.2.100", "192.0.2.1", 80, 40000, kFin | kAck, 6201, 1020), 63));
  EXPECT_EQ(counters().flowsCreated.load(), 1u);
  EXPECT_EQ(counters().toBackend.load(), 3u);
  EXPECT_EQ(counters().toClient.load(), 3u);
}

// The client-side port clamps the MSS at 1400 (a tunnel towards the clients): the SYN
// reaches the backend and the SYN-ACK the client offering no more, with checksums a
// fresh computation gives; an MSS already below the clamp and non-SYN segments pass as
// they are.
TEST_F(L4, SynsCrossingAClampedPortOfferNoMoreThanItsMss) {
  clientPortMss_ = 1400;
  startWith(1);
  const Bytes mss1460{2, 4, 0x05, 0xb4}, mss1400{2, 4, 0x05, 0x78}, mss1300{2, 4, 0x05, 0x14};
  auto out = clientSends(frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6,
                                segment4("192.0.2.1", "192.0.2.100", 40000, 80, kSyn, 1000, 0, {}, 65535, mss1460)));
  ASSERT_EQ(out.size(), 1u);
  const uint16_t snat = srcPortOf(out[0]);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 6,
                           segment4("198.51.100.2", "198.51.100.11", snat, 8080, kSyn, 1000, 0, {}, 65535, mss1400), 63));
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                segment4("198.51.100.11", "198.51.100.2", 8080, snat, kSyn | kAck, 5000, 1001, {},
                                         65535, mss1460)));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 6,
                           segment4("192.0.2.100", "192.0.2.1", 80, 40000, kSyn | kAck, 5000, 1001, {}, 65535, mss1400),
                           63));
  out = clientSends(frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6,
                           segment4("192.0.2.1", "192.0.2.100", 40001, 80, kSyn, 7000, 0, {}, 65535, mss1300)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 6,
                           segment4("198.51.100.2", "198.51.100.11", srcPortOf(out[0]), 8080, kSyn, 7000, 0, {}, 65535,
                                    mss1300),
                           63));
}

// Per-VIP traffic on /metrics: a connection's SYN and ACK arrive for the VIP, its SYN-ACK
// leaves from it, one flow opened; a SYN to a port with no service arrives (and is
// dropped) all the same.
TEST_F(L4, TrafficIsCountedPerVip) {
  startWith(1);
  const Bytes syn = fromClient(40000, kSyn, 1000, 0), ack = fromClient(40000, kAck, 1001, 5001);
  const auto toBackend = clientSends(syn);
  ASSERT_EQ(toBackend.size(), 1u);
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                segment4("198.51.100.11", "198.51.100.2", 8080, srcPortOf(toBackend[0]), kSyn | kAck,
                                         5000, 1001)));
  poll();
  const auto synAcks = client_.collect();
  ASSERT_EQ(synAcks.size(), 1u);
  const Bytes& synAck = synAcks[0];
  ASSERT_EQ(clientSends(ack).size(), 1u);
  const Bytes stray = frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6,
                             segment4("192.0.2.1", "192.0.2.100", 40001, 81, kSyn, 1, 0));
  EXPECT_TRUE(clientSends(stray).empty());
  const std::string text = rt_->metricsText();
  const auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
  EXPECT_TRUE(has("portico_vip_received_packets_total{vip=\"192.0.2.100\"} 3")) << text;
  EXPECT_TRUE(has("portico_vip_received_bytes_total{vip=\"192.0.2.100\"} " +
                  std::to_string(syn.size() + ack.size() + stray.size())));
  EXPECT_TRUE(has("portico_vip_sent_packets_total{vip=\"192.0.2.100\"} 1"));
  EXPECT_TRUE(has("portico_vip_sent_bytes_total{vip=\"192.0.2.100\"} " + std::to_string(synAck.size())));
  EXPECT_TRUE(has("portico_vip_connections_total{vip=\"192.0.2.100\"} 1"));
}

TEST_F(L4, UdpBothWays) {
  startWith(1);
  const Bytes query{1, 2, 3, 4, 5};
  Bytes q = withChecksumV4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(33333, 53, query));
  auto out = clientSends(frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 17, q));
  ASSERT_EQ(out.size(), 1u);
  const uint16_t snat = srcPortOf(out[0]);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 17,
                           withChecksumV4(v4("198.51.100.2"), v4("198.51.100.11"), 17, udp(snat, 5353, query)), 63));
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 17,
                                withChecksumV4(v4("198.51.100.11"), v4("198.51.100.2"), 17, udp(5353, snat, {9, 9}))));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 17,
                           withChecksumV4(v4("192.0.2.100"), v4("192.0.2.1"), 17, udp(53, 33333, {9, 9})), 63));
}

TEST_F(L4, Ipv6HandshakeAndPacketTooBig) {
  auto cfg = baseConfig();
  cfg.announce.count = 0;
  dp::snapshot::ServiceSpec svc;
  svc.name = "web6";
  svc.vip = ip("2001:db8::100");
  svc.port = 443;
  svc.backends.push_back({ip("2001:db8:1::11"), 8443, 1, dp::snapshot::BackendState::kActive});
  cfg.desired.services = {svc};
  start(cfg);
  const Mac backendMac = kBackendMacs[0];
  const V6 client = v6("2001:db8::1"), vip = v6("2001:db8::100"), snatAddr = v6("2001:db8:1::2"),
           backend = v6("2001:db8:1::11");

  tick();
  poll();
  auto out = backend_.collect();
  ASSERT_EQ(out.size(), 1u);  // a Neighbor Solicitation for the backend
  uint8_t want[dp::arp::kAnnounceFrameCapacity];
  const uint32_t len = dp::arp::buildNeighborSolicit(want, dp::pkt::MacAddr(kBackendPortMac), snatAddr, backend);
  EXPECT_EQ(out[0], Bytes(want, want + len));
  Bytes na{136, 0, 0, 0, 0x60, 0, 0, 0};
  putBytes(na, backend.data(), 16);
  na.push_back(2);
  na.push_back(1);
  putBytes(na, backendMac.data(), 6);
  backend_.inject(pool_, ethernet(kBackendPortMac, backendMac, 0x86dd, ipv6(backend, snatAddr, 58, na, 255)));
  poll();
  tick();

  auto seg6 = [](const V6& s, const V6& d, uint16_t sp, uint16_t dp, uint8_t flags) {
    return withChecksumV6(s, d, 6, tcpHeader(sp, dp, flags));
  };
  client_.inject(pool_, ethernet(kPortMac, kClientMac, 0x86dd, ipv6(client, vip, 6, seg6(client, vip, 50000, 443, kSyn))));
  poll();
  out = backend_.collect();
  ASSERT_EQ(out.size(), 1u);
  const uint16_t snat = static_cast<uint16_t>(out[0][14 + 40] << 8 | out[0][14 + 41]);
  EXPECT_EQ(out[0], ethernet(backendMac, kBackendPortMac, 0x86dd,
                             ipv6(snatAddr, backend, 6, seg6(snatAddr, backend, snat, 8443, kSyn), 63)));
  const Bytes sentToBackend(out[0].begin() + 14, out[0].end());
  backend_.inject(pool_, ethernet(kBackendPortMac, backendMac, 0x86dd,
                                  ipv6(backend, snatAddr, 6, seg6(backend, snatAddr, 8443, snat, kSyn | kAck))));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ethernet(kClientMac, kPortMac, 0x86dd, ipv6(vip, client, 6, seg6(vip, client, 443, 50000, kSyn | kAck), 63)));

  // A router on the backend side says Packet Too Big about what we sent the backend: the
  // client hears it from the VIP, about what it sent the VIP.
  auto tooBig = [](const Bytes& quoted) {
    Bytes m{2, 0, 0, 0, 0, 0, 0x05, 0x00};  // MTU 1280
    m.insert(m.end(), quoted.begin(), quoted.end());
    return m;
  };
  const V6 router = v6("2001:db8:1::1");
  backend_.inject(pool_, ethernet(kBackendPortMac, backendMac, 0x86dd, ipv6(router, snatAddr, 58, tooBig(sentToBackend))));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u) << rt_->statsReport();
  const Bytes clientSent = ipv6(client, vip, 6, seg6(client, vip, 50000, 443, kSyn), 63);
  EXPECT_EQ(out[0], ethernet(kClientMac, kPortMac, 0x86dd, ipv6(vip, client, 58, tooBig(clientSent), 63)));
}

TEST_F(L4, ReusedClientPortAfterCloseIsANewConnection) {
  startWith(2);
  auto out = clientSends(fromClient(45000, kSyn, 1, 0));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(clientSends(fromClient(45000, kFin | kAck, 2, 1)).size(), 1u);
  EXPECT_EQ(clientSends(fromClient(45000, kSyn, 100000, 0)).size(), 1u);
  EXPECT_EQ(counters().flowsCreated.load(), 2u);
  // A retransmitted SYN of an opening connection stays on its flow.
  EXPECT_EQ(clientSends(fromClient(45000, kSyn, 100000, 0)).size(), 1u);
  EXPECT_EQ(counters().flowsCreated.load(), 2u);
}

// A router on the backend side cannot forward our 1500-byte packet: its "fragmentation
// needed" reaches the client as an error about the packet the client sent to the VIP.
TEST_F(L4, FragmentationNeededReachesTheClientTranslated) {
  startWith(1);
  const Bytes clientSegment = segment4("192.0.2.1", "192.0.2.100", 40000, 80, kSyn, 1000, 0);
  auto out = clientSends(frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6, clientSegment));
  ASSERT_EQ(out.size(), 1u);
  const Bytes sent(out[0].begin() + 14, out[0].end());  // the IP packet we sent the backend

  auto icmpError = [](const Bytes& quoted) {
    Bytes m{3, 4, 0, 0, 0, 0, 0x05, 0x78};  // destination unreachable, fragmentation needed, MTU 1400
    m.insert(m.end(), quoted.begin(), quoted.end());
    setChecksumAt(m, 2, referenceChecksum(m));
    return m;
  };
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.1", "198.51.100.2", 1, icmpError(sent)));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u) << rt_->statsReport();
  Ipv4Options quotedTtl;
  quotedTtl.ttl = 63;
  const Bytes original = ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 6, clientSegment, quotedTtl);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 1, icmpError(original), 63));
  EXPECT_EQ(counters().icmpTranslated.load(), 1u);

  // An error about a packet no flow knows is not forwarded.
  Bytes stranger = sent;
  stranger[20 + 1] ^= 0x55;  // another SNAT port
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.1", "198.51.100.2", 1, icmpError(stranger)));
  poll();
  EXPECT_TRUE(client_.collect().empty());
  EXPECT_EQ(drops(dp::DropReason::kIcmpErrorUnknown), 1u);
}

// A UDP datagram in two IPv4 fragments: the second has no ports and follows the first to
// the flow's backend; a fragment whose first one was never seen goes nowhere.
// A router on the client side reports Time Exceeded for our reply to the client: the
// backend hears it from the SNAT address, about the reply it sent.
TEST_F(L4, ClientSideErrorReachesTheBackendTranslated) {
  startWith(1);
  auto out = clientSends(fromClient(40000, kSyn, 1000, 0));
  ASSERT_EQ(out.size(), 1u);
  const uint16_t snat = srcPortOf(out[0]);
  const Bytes backendSegment = segment4("198.51.100.11", "198.51.100.2", 8080, snat, kSyn | kAck, 5000, 1001);
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6, backendSegment));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  const Bytes sentToClient(out[0].begin() + 14, out[0].end());

  auto timeExceeded = [](const Bytes& quoted) {
    Bytes m{11, 0, 0, 0, 0, 0, 0, 0};
    m.insert(m.end(), quoted.begin(), quoted.end());
    setChecksumAt(m, 2, referenceChecksum(m));
    return m;
  };
  client_.inject(pool_, frame4(kPortMac, kClientMac, "192.0.2.254", "192.0.2.100", 1, timeExceeded(sentToClient)));
  poll();
  out = backend_.collect();
  ASSERT_EQ(out.size(), 1u) << rt_->statsReport();
  Ipv4Options quotedTtl;
  quotedTtl.ttl = 63;
  const Bytes backendSent = ipv4(v4("198.51.100.11"), v4("198.51.100.2"), 6, backendSegment, quotedTtl);
  EXPECT_EQ(out[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", "198.51.100.11", 1,
                           timeExceeded(backendSent), 63));
}

TEST_F(L4, LaterFragmentsFollowTheFirstToTheBackend) {
  startWith(3);
  const Bytes datagram = withChecksumV4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(33333, 53, Bytes(1600, 7)));
  Ipv4Options first, second;
  first.fragOff = 0x2000;            // more fragments, offset 0
  second.fragOff = 1480 / 8;         // last fragment at byte 1480
  const Bytes part1(datagram.begin(), datagram.begin() + 1480), part2(datagram.begin() + 1480, datagram.end());
  auto out = clientSends(ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, part1, first)));
  ASSERT_EQ(out.size(), 1u);
  const Bytes firstOut = out[0];
  const std::string backend = dstIpOf(firstOut);
  const uint16_t snat = srcPortOf(firstOut);
  out = clientSends(ethernet(kPortMac, kClientMac, 0x0800, ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, part2, second)));
  ASSERT_EQ(out.size(), 1u);
  int b = 0;
  while (kBackendIps[b] != backend) ++b;
  Ipv4Options want = second;
  want.ttl = 63;
  EXPECT_EQ(out[0], ethernet(kBackendMacs[b], kBackendPortMac, 0x0800,
                             ipv4(v4("198.51.100.2"), v4(kBackendIps[b]), 17, part2, want)));
  // Reassembled at the backend, the datagram's checksum holds: the first fragment's UDP
  // header, as rewritten, is that of the whole rewritten datagram.
  const Bytes whole = withChecksumV4(v4("198.51.100.2"), v4(kBackendIps[b]), 17, udp(snat, 5353, Bytes(1600, 7)));
  EXPECT_EQ(Bytes(firstOut.begin() + 34, firstOut.begin() + 42), Bytes(whole.begin(), whole.begin() + 8));

  Ipv4Options orphan = second;
  Bytes stray = ipv4(v4("192.0.2.1"), v4("192.0.2.100"), 17, part2, orphan);
  stray[4] = 0x77;  // another datagram id
  stray[10] = stray[11] = 0;
  setChecksumAt(stray, 10, referenceChecksum(Bytes(stray.begin(), stray.begin() + 20)));
  EXPECT_TRUE(clientSends(ethernet(kPortMac, kClientMac, 0x0800, stray)).empty());
  EXPECT_EQ(drops(dp::DropReason::kFragmentUnknown), 1u);
}

// Flows are listed by the workers themselves, between two bursts: a worker that is not
// running answers nothing (and no stale answer leaks into the next listing).
TEST_F(L4, FlowsAreListedByTheirWorker) {
  startWith(1);
  ASSERT_EQ(clientSends(fromClient(40000, kSyn, 1, 0)).size(), 1u);
  EXPECT_TRUE(rt_->listFlows(10, std::chrono::milliseconds(50)).empty());
  std::atomic<bool> stop{false};
  std::thread worker([&] { dp::worker::Worker(rt_->workerContext(0)).run(stop); });
  const auto flows = rt_->listFlows(10, std::chrono::seconds(5));
  stop = true;
  worker.join();
  ASSERT_EQ(flows.size(), 1u);
  const auto& f = flows[0].flow;
  EXPECT_EQ(flows[0].worker, 0u);
  EXPECT_EQ(f.forward.srcPort, htons(40000));
  EXPECT_EQ(f.reverse.src, dp::lb::v4Mapped(htonl(v4("198.51.100.11"))));
  EXPECT_EQ(f.state, dp::lb::FlowState::kSynSeen);
}

// A segment of a connection no flow holds (the router moved it here from another
// appliance, or it is from before a restart) is answered with <SEQ=SEG.ACK><CTL=RST>, so
// the client reconnects at once; a reset is not answered. Neither buys state.
TEST_F(L4, StraySegmentsAreResetAndUnknownPortsDroppedWithoutState) {
  startWith(1);
  EXPECT_TRUE(clientSends(fromClient(40001, kAck, 1, 77)).empty());
  const auto reset = client_.collect();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                  segment4("192.0.2.100", "192.0.2.1", 80, 40001, kRst, 77, 0, {}, 0)));
  EXPECT_EQ(counters().l4StrayResets.load(), 1u);
  EXPECT_TRUE(clientSends(fromClient(40001, kRst | kAck, 1, 77)).empty());
  EXPECT_TRUE(client_.collect().empty());
  EXPECT_EQ(drops(dp::DropReason::kNoFlow), 1u);
  EXPECT_TRUE(clientSends(frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 6,
                                 segment4("192.0.2.1", "192.0.2.100", 40002, 81, kSyn, 1, 0)))
                  .empty());
  EXPECT_EQ(drops(dp::DropReason::kNoServiceOnVip), 1u);
  EXPECT_EQ(rt_->workerContext(0).flows->size(), 0u);
}

// An ACK flood at an L4 VIP is not reflected one for one either: the worker's budget of
// stray resets (shared with the L7 path) gives a burst of 1 000, then 10 a millisecond.
TEST_F(L4, StrayResetsAreBudgeted) {
  startWith(1);
  const auto start = std::chrono::steady_clock::now();
  size_t resets = 0;
  for (uint16_t p = 1; p <= 1500; ++p) {
    EXPECT_TRUE(clientSends(fromClient(p, kAck, 1, 777)).empty());
    resets += client_.collect().size();
  }
  const auto elapsedMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(resets, 1000u);
  EXPECT_LE(resets, 1000u + 10u * static_cast<size_t>(elapsedMs + 2));
  EXPECT_EQ(counters().l4StrayResets.load(), resets);
  EXPECT_EQ(resets + drops(dp::DropReason::kNoFlow), 1500u);
}

TEST_F(L4, MaglevSpreadsNewFlowsEvenly) {
  startWith(3);
  int perBackend[3] = {0, 0, 0};
  for (uint16_t i = 0; i < 3000; ++i) {
    const auto out = clientSends(fromClient(static_cast<uint16_t>(10000 + i), kSyn, 1, 0));
    ASSERT_EQ(out.size(), 1u);
    for (int b = 0; b < 3; ++b) perBackend[b] += dstIpOf(out[0]) == kBackendIps[b];
  }
  for (int b = 0; b < 3; ++b) {
    EXPECT_NEAR(perBackend[b], 1000, 100) << kBackendIps[b];
  }
}

TEST_F(L4, DrainingKeepsOpenFlowsAndTakesNoNewOnes) {
  startWith(2);
  // Open flows until one lands on backend 0.
  uint16_t pinned = 0;
  for (uint16_t port = 20000; pinned == 0; ++port) {
    const auto out = clientSends(fromClient(port, kSyn, 1, 0));
    ASSERT_EQ(out.size(), 1u);
    if (dstIpOf(out[0]) == kBackendIps[0]) pinned = port;
  }
  auto next = cfg_.desired;
  for (auto& s : next.services) s.backends[0].state = dp::snapshot::BackendState::kDraining;
  ASSERT_TRUE(rt_->publish(dp::runtime::Runtime::Source::kConfig, next).ok());

  auto out = clientSends(fromClient(pinned, kAck, 2, 1));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(dstIpOf(out[0]), kBackendIps[0]) << "an open flow stays on its draining backend";
  for (uint16_t port = 30000; port < 30200; ++port) {
    out = clientSends(fromClient(port, kSyn, 1, 0));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(dstIpOf(out[0]), kBackendIps[1]) << "new flows avoid the draining backend";
  }

  for (auto& s : next.services) s.backends[0].state = dp::snapshot::BackendState::kRemoved;
  ASSERT_TRUE(rt_->publish(dp::runtime::Runtime::Source::kConfig, next).ok());
  EXPECT_TRUE(clientSends(fromClient(pinned, kAck, 3, 7)).empty());
  // The removed backend's flow ends, and the client hears it: <SEQ=SEG.ACK><CTL=RST>.
  const auto reset = client_.collect();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                  segment4("192.0.2.100", "192.0.2.1", 80, pinned, kRst, 7, 0, {}, 0)));
  EXPECT_EQ(counters().l4BackendResets.load(), 1u);
  // The flow is gone: a later segment is a stray, reset the same way without state.
  EXPECT_TRUE(clientSends(fromClient(pinned, kAck, 3, 7)).empty());
  EXPECT_EQ(client_.collect(), reset);
  EXPECT_EQ(counters().l4BackendResets.load(), 1u);
  EXPECT_EQ(counters().l4StrayResets.load(), 1u);
}

// A removed backend that keeps sending (a stream from an endpoint that left) ends the flow
// too: the client gets a reset with the segment's sequence number.
TEST_F(L4, ARemovedBackendsSegmentResetsTheClient) {
  startWith(1);
  const uint16_t snat = establish(40000);
  auto next = cfg_.desired;
  for (auto& s : next.services) s.backends[0].state = dp::snapshot::BackendState::kRemoved;
  ASSERT_TRUE(rt_->publish(dp::runtime::Runtime::Source::kConfig, next).ok());
  const Bytes data{'x', 'y'};
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 6,
                                segment4("198.51.100.11", "198.51.100.2", 8080, snat, kAck | kPsh, 5001, 1001, data)));
  poll();
  const auto reset = client_.collect();
  ASSERT_EQ(reset.size(), 1u);
  EXPECT_EQ(reset[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                  segment4("192.0.2.100", "192.0.2.1", 80, 40000, kRst, 5001, 0, {}, 0)));
  EXPECT_EQ(counters().l4BackendResets.load(), 1u);
  // Had the client not taken it (the probe's sequence number was not the next it
  // expects), its challenge ACK (RFC 5961) gets the exact reset; then the flow is gone.
  EXPECT_TRUE(clientSends(fromClient(40000, kAck, 1001, 5003)).empty());
  auto exact = client_.collect();
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                  segment4("192.0.2.100", "192.0.2.1", 80, 40000, kRst, 5003, 0, {}, 0)));
  EXPECT_TRUE(clientSends(fromClient(40000, kAck, 1001, 5003)).empty());
  EXPECT_EQ(client_.collect(), exact) << "the flow is gone: a later segment is a stray, reset the same way";
  EXPECT_EQ(counters().l4BackendResets.load(), 2u);
  EXPECT_EQ(counters().l4StrayResets.load(), 1u);
}

// UDP has no session to reset: a removed backend's datagram is dropped and its flow goes.
TEST_F(L4, ARemovedBackendsUdpFlowGoesQuietly) {
  startWith(1);
  const Bytes query{1, 2, 3};
  auto out = clientSends(frame4(kPortMac, kClientMac, "192.0.2.1", "192.0.2.100", 17,
                                withChecksumV4(v4("192.0.2.1"), v4("192.0.2.100"), 17, udp(5000, 53, query))));
  ASSERT_EQ(out.size(), 1u);
  const uint16_t snat = srcPortOf(out[0]);
  auto next = cfg_.desired;
  for (auto& s : next.services) s.backends[0].state = dp::snapshot::BackendState::kRemoved;
  ASSERT_TRUE(rt_->publish(dp::runtime::Runtime::Source::kConfig, next).ok());
  backend_.inject(pool_, frame4(kBackendPortMac, kBackendMacs[0], "198.51.100.11", "198.51.100.2", 17,
                                withChecksumV4(v4("198.51.100.11"), v4("198.51.100.2"), 17, udp(5353, snat, query))));
  poll();
  EXPECT_TRUE(client_.collect().empty());
  EXPECT_EQ(drops(dp::DropReason::kBackendRemoved), 1u);
  EXPECT_EQ(counters().l4BackendResets.load(), 0u);
  EXPECT_EQ(rt_->workerContext(0).flows->size(), 0u) << "the flow went with its backend";
}

// A full table evicts the flow with the least time left: a flood's half-open flows (10 s)
// go before an established connection (15 min), though the connection is idler.
TEST_F(L4, AFullTableEvictsHalfOpenFloodsBeforeEstablishedConnections) {
  startWith(1);
  const uint16_t snat = establish(40000);
  EXPECT_EQ(flood(3 * 4096), 3u * 4096) << "every SYN is forwarded, none dropped";
  EXPECT_EQ(rt_->workerContext(0).flows->size(), 4096u);
  EXPECT_GE(counters().flowsEvicted.load(), 2u * 4096);
  const auto out = clientSends(fromClient(40000, kAck | kPsh, 1001, 5001, Bytes{'h', 'i'}));
  ASSERT_EQ(out.size(), 1u) << "the established connection survived the flood";
  EXPECT_EQ(srcPortOf(out[0]), snat);
  EXPECT_EQ(counters().flowsCreated.load(), 1u + 3 * 4096);
}

// A SYN flood towards a service with one backend holds all of its 64 512 SNAT ports in
// half-open flows long before a large table fills: new flows then reclaim the port of
// the flow with the least time left instead of being dropped, and an established
// connection keeps its port.
TEST_F(L4, ExhaustedSnatPortsAreReclaimedFromHalfOpenFlows) {
  startWith(1, dp::snapshot::BackendState::kActive, 131072);
  const uint16_t snat = establish(40000);
  constexpr uint32_t kPorts = 65536 - 1024;
  EXPECT_EQ(flood(kPorts + 500), kPorts + 500u) << rt_->statsReport();
  EXPECT_EQ(drops(dp::DropReason::kSnatPortsExhausted), 0u);
  EXPECT_GE(counters().snatPortsReclaimed.load(), 500u);
  EXPECT_LE(rt_->workerContext(0).flows->size(), kPorts);
  // A legitimate client still gets through, and the established one keeps its port.
  EXPECT_EQ(clientSends(fromClient(41000, kSyn, 1, 0)).size(), 1u);
  const auto out = clientSends(fromClient(40000, kAck | kPsh, 1001, 5001, Bytes{'h', 'i'}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(srcPortOf(out[0]), snat);
}

TEST_F(L4, BadStateIsRejectedAndTheLastGoodOneServes) {
  startWith(1);
  auto bad = cfg_.desired;
  bad.services.push_back(bad.services[0]);
  const auto st = rt_->publish(dp::runtime::Runtime::Source::kConfig, bad);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().toString(), "service web (192.0.2.100:80/tcp): another service already uses this address, port and protocol");
  EXPECT_EQ(rt_->version(), 1u);
  EXPECT_EQ(clientSends(fromClient(40000, kSyn, 1, 0)).size(), 1u);
}

// An endpoint from a cluster that no port reaches is left out (with a warning), as L7's
// are: one bad address must not hold every other change back.
TEST_F(L4, AnUnreachableBackendIsLeftOutAndTheRestServes) {
  startWith(1);
  auto state = cfg_.desired;
  state.services[0].backends.push_back({ip("203.0.113.9"), 80, 1, dp::snapshot::BackendState::kActive});
  ASSERT_TRUE(rt_->publish(dp::runtime::Runtime::Source::kConfig, state).ok());
  EXPECT_EQ(rt_->version(), 2u);
  for (uint16_t port = 40000; port < 40032; ++port) {
    const auto out = clientSends(fromClient(port, kSyn, 1, 0));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(dstIpOf(out[0]), "198.51.100.11") << "every flow goes to the reachable backend";
  }
}

}  // namespace
}  // namespace portico::test
