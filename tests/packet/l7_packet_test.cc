// L7 listeners through the real runtime and worker: the cookie handshake, the first
// request held and acknowledged, the backend opened from the SNAT address with the
// client's options, the held bytes sent, both halves spliced and closed, the appliance's
// own answers, a request in three segments whose middle one comes last, a ClientHello
// in two records, the PROXY v2 header, and the bounds on heads that arrive slowly; every
// frame compared byte by byte.

#include "tests/common/client_hello_builder.h"
#include "tests/packet/packet_fixture.h"

namespace portico::test {
namespace {

using dp::snapshot::L7BackendSpec;
using dp::snapshot::L7PortSpec;
using dp::snapshot::L7RouteSpec;
using dp::snapshot::ListenerProtocol;
using dp::snapshot::ListenerSpec;
using dp::snapshot::VirtualHostSpec;

const Bytes kSynOptions{2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};  // MSS 1460, SACK permitted, window scale 7
constexpr uint32_t kIsn = 1000;

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

L7BackendSpec backend(int i, uint16_t port = 8080) {
  L7BackendSpec b;
  b.name = std::string("default/svc-") + std::to_string(i);
  b.endpoints.push_back({*dp::pkt::IpAddress::parse(kBackendIps[i]), port, 1, dp::snapshot::BackendState::kActive});
  return b;
}

VirtualHostSpec vhost(const std::string& host, std::vector<L7BackendSpec> backends) {
  L7RouteSpec r;
  r.name = "HTTPRoute default/" + host;
  r.backends = std::move(backends);
  return VirtualHostSpec{host, {r}};
}

class L7 : public PacketTest {
 protected:
  void SetUp() override {
    auto cfg = baseConfig();
    cfg.announce.count = 0;
    cfg.l7.initialRtoMs = 100;  // so giving up on a silent backend takes under a second
    cfg.l7.maxRetries = 2;
    L7PortSpec http{ip("192.0.2.100"), 80, {}};
    L7BackendSpec empty;
    empty.name = "default/empty:80";
    L7BackendSpec invalid;
    invalid.name = "other/secret:80";
    invalid.invalid = true;
    http.listeners.push_back(ListenerSpec{"http", "*.example.com", ListenerProtocol::kHttp, false,
                                          {vhost("a.example.com", {backend(0)}), vhost("b.example.com", {backend(1)}),
                                           vhost("empty.example.com", {empty}), vhost("bad.example.com", {invalid})}});
    L7PortSpec tls{ip("192.0.2.100"), 443, {}};
    tls.listeners.push_back(ListenerSpec{"tls", "", ListenerProtocol::kTls, false,
                                         {vhost("secure.example.com", {backend(2, 8443)})}});
    L7PortSpec proxied{ip("192.0.2.101"), 80, {}};
    proxied.listeners.push_back(ListenerSpec{"http", "", ListenerProtocol::kHttp, true, {vhost("", {backend(0)})}});
    cfg.desired.l7Ports = {http, tls, proxied};
    tune(cfg);
    start(cfg);
    resolveBackends(3);
  }

  virtual void tune(dp::config::DataplaneConfig&) {}

  Bytes fromClient(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack, const Bytes& data = {},
                   const Bytes& options = {}, const char* vip = "192.0.2.100", uint16_t port = 80) {
    return frame4(kPortMac, kClientMac, "192.0.2.1", vip, 6,
                  segment4("192.0.2.1", vip, sport, port, flags, seq, ack, data, 512, options));
  }

  Bytes fromBackend(int i, uint16_t port, uint16_t snat, uint8_t flags, uint32_t seq, uint32_t ack,
                    const Bytes& data = {}, const Bytes& options = {}, uint16_t window = 1000) {
    return frame4(kBackendPortMac, kBackendMacs[i], kBackendIps[i], "198.51.100.2", 6,
                  segment4(kBackendIps[i], "198.51.100.2", port, snat, flags, seq, ack, data, window, options));
  }

  std::vector<Bytes> sendFromClient(const Bytes& f) {
    client_.inject(pool_, f);
    poll();
    return client_.collect();
  }

  // The SYN and the client's ACK; returns the cookie (the appliance's ISN).
  uint32_t handshake(uint16_t sport, const char* vip = "192.0.2.100", uint16_t port = 80) {
    auto out = sendFromClient(fromClient(sport, kSyn, kIsn, 0, {}, kSynOptions, vip, port));
    EXPECT_EQ(out.size(), 1u) << rt_->statsReport();
    if (out.size() != 1) return 0;
    const uint32_t cookie = seqOf(out[0]);
    EXPECT_EQ(out[0], originated4(kClientMac, kPortMac, vip, "192.0.2.1",
                                  segment4(vip, "192.0.2.1", port, sport, kSyn | kAck, cookie, kIsn + 1, {}, 16384,
                                           kSynOptions)));
    EXPECT_TRUE(sendFromClient(fromClient(sport, kAck, kIsn + 1, cookie + 1, {}, {}, vip, port)).empty());
    return cookie;
  }

  // What the appliance acknowledges after holding `held` bytes.
  Bytes ackToClient(uint16_t sport, uint32_t cookie, uint32_t held, const char* vip = "192.0.2.100",
                    uint16_t port = 80) {
    return originated4(kClientMac, kPortMac, vip, "192.0.2.1",
                       segment4(vip, "192.0.2.1", port, sport, kAck, cookie + 1, kIsn + 1 + held, {},
                                static_cast<uint16_t>((16384 - held) >> 7)));
  }

  // The backend SYN: from the SNAT address, the client's ISN less any PROXY header, the
  // client's options, the client's window (512 << 7, capped).
  Bytes backendSyn(int i, uint16_t port, uint16_t snat, uint32_t isn) {
    return originated4(kBackendMacs[i], kBackendPortMac, "198.51.100.2", kBackendIps[i],
                       segment4("198.51.100.2", kBackendIps[i], snat, port, kSyn, isn, 0, {}, 65535, kSynOptions));
  }

  std::string answerFor(const std::string& request) {
    const uint16_t sport = nextPort_++;
    const uint32_t cookie = handshake(sport);
    auto out = sendFromClient(fromClient(sport, kAck | kPsh, kIsn + 1, cookie + 1, text(request)));
    if (out.size() != 1) return "frames: " + std::to_string(out.size());
    return std::string(out[0].begin() + 54, out[0].end());
  }

  uint16_t nextPort_ = 41000;
};

TEST_F(L7, HttpRequestIsRoutedByHostAndSpliced) {
  const uint32_t cookie = handshake(40000);
  const Bytes request = text("GET /graph HTTP/1.1\r\nHost: b.example.com\r\n\r\n");
  const auto len = static_cast<uint32_t>(request.size());
  auto out = sendFromClient(fromClient(40000, kAck | kPsh, kIsn + 1, cookie + 1, request));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ackToClient(40000, cookie, len));
  auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const uint16_t snat = srcPortOf(toBackend[0]);
  EXPECT_EQ(toBackend[0], backendSyn(1, 8080, snat, kIsn));

  // The backend answers with window scale 6: the held request goes, in its numbers.
  const Bytes backendOptions{2, 4, 0x05, 0xb4, 1, 3, 3, 6};
  backend_.inject(pool_, fromBackend(1, 8080, snat, kSyn | kAck, 7000, kIsn + 1, {}, backendOptions, 29200));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], originated4(kBackendMacs[1], kBackendPortMac, "198.51.100.2", kBackendIps[1],
                                      segment4("198.51.100.2", kBackendIps[1], snat, 8080, kAck | kPsh, kIsn + 1, 7001,
                                               request, 512)));
  EXPECT_TRUE(client_.collect().empty()) << "the client already has its ACK";

  // The response: the backend's numbers shifted to the cookie's, its window (1000 << 6)
  // rescaled to the client's shift of 7.
  const Bytes response = text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  backend_.inject(pool_, fromBackend(1, 8080, snat, kAck | kPsh, 7001, kIsn + 1 + len, response));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 6,
                           segment4("192.0.2.100", "192.0.2.1", 80, 40000, kAck | kPsh, cookie + 1, kIsn + 1 + len,
                                    response, 500),
                           63));

  // The client acknowledges and closes; its acknowledgement goes back into the backend's numbers.
  const uint32_t rlen = static_cast<uint32_t>(response.size());
  client_.inject(pool_, fromClient(40000, kFin | kAck, kIsn + 1 + len, cookie + 1 + rlen));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], frame4(kBackendMacs[1], kBackendPortMac, "198.51.100.2", kBackendIps[1], 6,
                                 segment4("198.51.100.2", kBackendIps[1], snat, 8080, kFin | kAck, kIsn + 1 + len,
                                          7001 + rlen, {}, 512),
                                 63));
  backend_.inject(pool_, fromBackend(1, 8080, snat, kFin | kAck, 7001 + rlen, kIsn + 2 + len));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1", 6,
                           segment4("192.0.2.100", "192.0.2.1", 80, 40000, kFin | kAck, cookie + 1 + rlen,
                                    kIsn + 2 + len, {}, 500),
                           63));
  EXPECT_EQ(counters().l7Connections.load(), 1u);
}

// The SNAT port's previous connection is still in the backend's TIME_WAIT and our SYN's
// sequence number is below what it expects: it answers with an ACK. The appliance resets
// that old connection, as a TCP client in SYN-SENT does, and asks again at once.
TEST_F(L7, ABackendStillInTimeWaitIsResetAndAskedAgain) {
  const uint32_t cookie = handshake(40011);
  const Bytes request = text("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
  ASSERT_EQ(sendFromClient(fromClient(40011, kAck | kPsh, kIsn + 1, cookie + 1, request)).size(), 1u);
  auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const uint16_t snat = srcPortOf(toBackend[0]);
  backend_.inject(pool_, fromBackend(0, 8080, snat, kAck, 5555, 777777));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 2u);
  EXPECT_EQ(toBackend[0], originated4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", kBackendIps[0],
                                      segment4("198.51.100.2", kBackendIps[0], snat, 8080, kRst, 777777, 0, {}, 0)));
  EXPECT_EQ(toBackend[1], backendSyn(0, 8080, snat, kIsn));
  EXPECT_EQ(counters().l7TimeWaitResets.load(), 1u);
  EXPECT_TRUE(client_.collect().empty());
}

TEST_F(L7, HalfCloseWhileConnectingReachesTheBackendLater) {
  const uint32_t cookie = handshake(40007);
  const Bytes request = text("GET / HTTP/1.0\r\nHost: a.example.com\r\n\r\n");
  const auto len = static_cast<uint32_t>(request.size());
  ASSERT_EQ(sendFromClient(fromClient(40007, kAck | kPsh, kIsn + 1, cookie + 1, request)).size(), 1u);
  auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const uint16_t snat = srcPortOf(toBackend[0]);
  // The client half-closes before the backend answered: no 400, no acknowledgement.
  EXPECT_TRUE(sendFromClient(fromClient(40007, kAck | kFin, kIsn + 1 + len, cookie + 1)).empty());
  backend_.inject(pool_, fromBackend(0, 8080, snat, kSyn | kAck, 9000, kIsn + 1, {}, {2, 4, 0x05, 0xb4}, 29200));
  poll();
  ASSERT_EQ(backend_.collect().size(), 1u);  // the held request
  // Its FIN, sent again, is spliced.
  client_.inject(pool_, fromClient(40007, kAck | kFin, kIsn + 1 + len, cookie + 1));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], frame4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", kBackendIps[0], 6,
                                 segment4("198.51.100.2", kBackendIps[0], snat, 8080, kAck | kFin, kIsn + 1 + len, 9001,
                                          {}, 512),
                                 63));
  // The backend's SYN-ACK again (our ACK lost) after it has everything: one bare ACK.
  backend_.inject(pool_, fromBackend(0, 8080, snat, kAck, 9001, kIsn + 1 + len));
  poll();
  client_.collect();
  backend_.inject(pool_, fromBackend(0, 8080, snat, kSyn | kAck, 9000, kIsn + 1, {}, {2, 4, 0x05, 0xb4}, 29200));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], originated4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", kBackendIps[0],
                                      segment4("198.51.100.2", kBackendIps[0], snat, 8080, kAck, kIsn + 1 + len, 9001,
                                               {}, 512)));
  EXPECT_EQ(counters().l7Answers.load(), 0u);
}

TEST_F(L7, RequestInThreeSegmentsWithTheMiddleOneLast) {
  const uint32_t cookie = handshake(40001);
  const std::string request = "GET / HTTP/1.1\r\nHost: a.example.com\r\nAccept: */*\r\n\r\n";
  const Bytes one = text(request.substr(0, 10)), two = text(request.substr(10, 20)), three = text(request.substr(30));
  auto out = sendFromClient(fromClient(40001, kAck, kIsn + 1, cookie + 1, one));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ackToClient(40001, cookie, 10));
  out = sendFromClient(fromClient(40001, kAck | kPsh, kIsn + 31, cookie + 1, three));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ackToClient(40001, cookie, 10)) << "out of order: the same acknowledgement again";
  EXPECT_TRUE(backend_.collect().empty());
  out = sendFromClient(fromClient(40001, kAck, kIsn + 11, cookie + 1, two));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ackToClient(40001, cookie, static_cast<uint32_t>(request.size())));
  auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const uint16_t snat = srcPortOf(toBackend[0]);
  EXPECT_EQ(toBackend[0], backendSyn(0, 8080, snat, kIsn));
  // A duplicate of the first segment changes nothing.
  out = sendFromClient(fromClient(40001, kAck, kIsn + 1, cookie + 1, one));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ackToClient(40001, cookie, static_cast<uint32_t>(request.size())));

  backend_.inject(pool_, fromBackend(0, 8080, snat, kSyn | kAck, 9000, kIsn + 1, {}, {2, 4, 0x05, 0xb4}, 29200));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(Bytes(toBackend[0].begin() + 54, toBackend[0].end()), text(request)) << "reassembled in order";
}

TEST_F(L7, TheAppliancesOwnAnswers) {
  EXPECT_EQ(answerFor("GET / HTTP/1.1\r\nHost: nope.example.com\r\n\r\n").substr(0, 22), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(answerFor("GET / HTTP/1.1\r\nHost: empty.example.com\r\n\r\n").substr(0, 32),
            "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(answerFor("GET / HTTP/1.1\r\nHost: bad.example.com\r\n\r\n").substr(0, 34),
            "HTTP/1.1 500 Internal Server Error");
  EXPECT_EQ(answerFor("GET / HTTP/1.1\r\nHost: a.example.com\r\nHost: b.example.com\r\n\r\n").substr(0, 24),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(drops(dp::DropReason::kL7DuplicateHost), 1u);
  EXPECT_EQ(drops(dp::DropReason::kL7NoRoute), 1u);
  EXPECT_TRUE(backend_.collect().empty());
}

TEST_F(L7, AnswerIsSentWithFinRetransmittedAndClosed) {
  const uint32_t cookie = handshake(40002);
  const Bytes request = text("GET / HTTP/1.1\r\nHost: other.example.com\r\n\r\n");
  const auto len = static_cast<uint32_t>(request.size());
  auto out = sendFromClient(fromClient(40002, kAck | kPsh, kIsn + 1, cookie + 1, request));
  ASSERT_EQ(out.size(), 1u);
  const Bytes answer(out[0].begin() + 54, out[0].end());
  const Bytes expected = originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                     segment4("192.0.2.100", "192.0.2.1", 80, 40002, kAck | kPsh | kFin, cookie + 1,
                                              kIsn + 1 + len, answer, static_cast<uint16_t>((16384 - len) >> 7)));
  EXPECT_EQ(out[0], expected);
  // Not acknowledged: sent again once the retransmission time has passed.
  usleep(250'000);
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], expected);
  // Acknowledged and closed by the client: its FIN is acknowledged, nothing more is sent.
  const auto alen = static_cast<uint32_t>(answer.size());
  out = sendFromClient(fromClient(40002, kAck | kFin, kIsn + 1 + len, cookie + 2 + alen));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                segment4("192.0.2.100", "192.0.2.1", 80, 40002, kAck, cookie + 2 + alen,
                                         kIsn + 2 + len, {}, static_cast<uint16_t>((16384 - len) >> 7))));
  usleep(250'000);
  poll();
  EXPECT_TRUE(client_.collect().empty());
}

TEST_F(L7, ABackendThatRefusesOrNeverAnswersGives503) {
  const std::string request = "GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n";
  uint32_t cookie = handshake(40008);
  ASSERT_EQ(sendFromClient(fromClient(40008, kAck | kPsh, kIsn + 1, cookie + 1, text(request))).size(), 1u);
  auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  backend_.inject(pool_, fromBackend(0, 8080, srcPortOf(toBackend[0]), kRst | kAck, 0, kIsn + 1));
  poll();
  auto out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::string(out[0].begin() + 54, out[0].begin() + 86), "HTTP/1.1 503 Service Unavailable");
  // The client takes the answer and closes, so it is not sent again below.
  const auto alen = static_cast<uint32_t>(out[0].size() - 54);
  const auto rlen = static_cast<uint32_t>(request.size());
  ASSERT_EQ(sendFromClient(fromClient(40008, kAck | kFin, kIsn + 1 + rlen, cookie + 2 + alen)).size(), 1u);

  cookie = handshake(40009);
  ASSERT_EQ(sendFromClient(fromClient(40009, kAck | kPsh, kIsn + 1, cookie + 1, text(request))).size(), 1u);
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const Bytes syn = toBackend[0];
  // Silence: the SYN is sent again after 100 ms, then 200 ms; then the client gets a 503.
  for (int wait : {150, 250}) {
    usleep(wait * 1000);
    poll();
    toBackend = backend_.collect();
    ASSERT_EQ(toBackend.size(), 1u) << "after " << wait << " ms";
    EXPECT_EQ(toBackend[0], syn);
    EXPECT_TRUE(client_.collect().empty());
  }
  usleep(450'000);
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::string(out[0].begin() + 54, out[0].begin() + 86), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(drops(dp::DropReason::kL7BackendTimeout), 1u);
}

// A segment of a connection the worker does not hold (forged, or from before a restart)
// is answered with a reset taking its sequence number from the segment's ACK (RFC 9293),
// so a client of a restarted dataplane reconnects at once; it buys no state.
TEST_F(L7, ForgedAndStrayAcksAreResetAndBuyNoState) {
  for (const Bytes& data : {Bytes{}, text("GET / HTTP/1.1\r\n\r\n")}) {
    const auto out = sendFromClient(fromClient(40003, kAck | (data.empty() ? 0 : kPsh), kIsn + 1, 12345, data));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(dstIpOf(out[0]), "192.0.2.1");
    EXPECT_EQ(out[0][47], kRst) << "flags";
    EXPECT_EQ(seqOf(out[0]), 12345u);
    EXPECT_EQ(out[0].size(), 54u) << "no payload";
  }
  EXPECT_EQ(counters().l7StrayResets.load(), 2u);
  EXPECT_EQ(counters().l7Connections.load(), 0u);
  // A SYN flood: answered, never remembered.
  for (uint16_t p = 1; p <= 200; ++p) {
    EXPECT_EQ(sendFromClient(fromClient(p, kSyn, p, 0, {}, kSynOptions)).size(), 1u);
  }
  EXPECT_EQ(counters().activeFlows.load(), 0u);
}

// An ACK flood with made-up cookies is not reflected one for one: past a burst of 1 000,
// 10 resets a millisecond, the rest dropped and counted.
TEST_F(L7, StrayResetsAreBudgeted) {
  const auto start = std::chrono::steady_clock::now();
  size_t resets = 0;
  for (uint16_t p = 1; p <= 3000; ++p) resets += sendFromClient(fromClient(p, kAck, kIsn + 1, 777)).size();
  const auto elapsedMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(resets, 1000u);
  EXPECT_LE(resets, 1000u + 10u * static_cast<size_t>(elapsedMs + 2));
  EXPECT_EQ(resets + drops(dp::DropReason::kL7BadCookie), 3000u);
}

TEST_F(L7, ClientHelloInTwoRecordsIsRoutedBySni) {
  const uint32_t cookie = handshake(40004, "192.0.2.100", 443);
  const auto hello = clientHelloRecords("secure.example.com", {"h2", "http/1.1"}, 40);
  ASSERT_GT(hello.size(), 45u);
  auto out = sendFromClient(fromClient(40004, kAck | kPsh, kIsn + 1, cookie + 1, hello, {}, "192.0.2.100", 443));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], ackToClient(40004, cookie, static_cast<uint32_t>(hello.size()), "192.0.2.100", 443));
  const auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], backendSyn(2, 8443, srcPortOf(toBackend[0]), kIsn));
}

TEST_F(L7, UnknownSniIsReset) {
  const uint32_t cookie = handshake(40005, "192.0.2.100", 443);
  const auto hello = clientHelloRecords("unknown.example.com");
  auto out = sendFromClient(fromClient(40005, kAck | kPsh, kIsn + 1, cookie + 1, hello, {}, "192.0.2.100", 443));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                segment4("192.0.2.100", "192.0.2.1", 443, 40005, kRst | kAck, cookie + 1,
                                         kIsn + 1 + static_cast<uint32_t>(hello.size()), {}, 0)));
  EXPECT_TRUE(backend_.collect().empty());
}

TEST_F(L7, ProxyProtocolHeaderLeadsTheHeldBytes) {
  const uint32_t cookie = handshake(40006, "192.0.2.101");
  const Bytes request = text("GET / HTTP/1.0\r\n\r\n");
  const auto len = static_cast<uint32_t>(request.size());
  auto out = sendFromClient(fromClient(40006, kAck | kPsh, kIsn + 1, cookie + 1, request, {}, "192.0.2.101"));
  ASSERT_EQ(out.size(), 1u);
  auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const uint16_t snat = srcPortOf(toBackend[0]);
  const Bytes proxy = concat({Bytes{0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
                                    0x00, 0x0c, 192, 0, 2, 1, 192, 0, 2, 101},
                              Bytes{0x9c, 0x46, 0x00, 0x50}});
  EXPECT_EQ(toBackend[0], backendSyn(0, 8080, snat, kIsn - static_cast<uint32_t>(proxy.size())));
  backend_.inject(pool_, fromBackend(0, 8080, snat, kSyn | kAck, 3000, kIsn - static_cast<uint32_t>(proxy.size()) + 1));
  poll();
  toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], originated4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", kBackendIps[0],
                                      segment4("198.51.100.2", kBackendIps[0], snat, 8080, kAck | kPsh,
                                               kIsn + 1 - static_cast<uint32_t>(proxy.size()), 3001,
                                               concat({proxy, request}), 512)));
  // The backend acknowledges everything: in the client's numbers that is its request.
  backend_.inject(pool_, fromBackend(0, 8080, snat, kAck, 3001, kIsn + 1 + len));
  poll();
  out = client_.collect();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame4(kClientMac, kPortMac, "192.0.2.101", "192.0.2.1", 6,
                           segment4("192.0.2.101", "192.0.2.1", 80, 40006, kAck, cookie + 1, kIsn + 1 + len, {}, 1000 >> 7),
                           63));
}

// Heads that arrive slowly: small limits so a test can reach them.
class L7SlowHeads : public L7 {
 protected:
  void tune(dp::config::DataplaneConfig& cfg) override {
    cfg.l7.buffers = 16;
    cfg.l7.buffersPerSource = 3;
    cfg.l7.headTimeoutMs = 100;
  }

  // Polls until the appliance sends the client something (5 s at most).
  std::vector<Bytes> awaitClientFrames() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::vector<Bytes> out;
    while (out.empty() && std::chrono::steady_clock::now() < deadline) {
      poll();
      out = client_.collect();
    }
    return out;
  }

  Bytes resetOf(uint16_t sport, uint32_t cookie, uint32_t held) {
    return originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                       segment4("192.0.2.100", "192.0.2.1", 80, sport, kRst | kAck, cookie + 1, kIsn + 1 + held, {}, 0));
  }
};

TEST_F(L7SlowHeads, AHeadThatNeverCompletesGets408AtItsDeadline) {
  const uint32_t cookie = handshake(42000);
  const Bytes part = text("GET / HTTP/1.1\r\nHo");
  const auto len = static_cast<uint32_t>(part.size());
  ASSERT_EQ(sendFromClient(fromClient(42000, kAck, kIsn + 1, cookie + 1, part)), std::vector<Bytes>{ackToClient(42000, cookie, len)});
  const auto out = awaitClientFrames();
  ASSERT_EQ(out.size(), 1u) << "no answer within 5 s of a 100 ms deadline";
  const std::string answer(out[0].begin() + 54, out[0].end());
  EXPECT_EQ(answer.substr(0, 30), "HTTP/1.1 408 Request Timeout\r\n");
  EXPECT_EQ(out[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                segment4("192.0.2.100", "192.0.2.1", 80, 42000, kAck | kPsh | kFin, cookie + 1,
                                         kIsn + 1 + len, Bytes(answer.begin(), answer.end()),
                                         static_cast<uint16_t>((16384 - len) >> 7))));
  EXPECT_EQ(drops(dp::DropReason::kL7HeadTimeout), 1u);
  EXPECT_TRUE(backend_.collect().empty());
}

TEST_F(L7SlowHeads, ASourceAtItsShareGivesUpItsOldestHead) {
  const Bytes part = text("GET /");
  std::vector<uint32_t> cookies;
  for (uint16_t i = 0; i < 3; ++i) {
    cookies.push_back(handshake(42100 + i));
    ASSERT_EQ(sendFromClient(fromClient(42100 + i, kAck, kIsn + 1, cookies[i] + 1, part)).size(), 1u);
  }
  // A fourth slow head from the same address: the first is reset to make room.
  const uint32_t fourth = handshake(42103);
  auto out = sendFromClient(fromClient(42103, kAck, kIsn + 1, fourth + 1, part));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], resetOf(42100, cookies[0], 5));
  EXPECT_EQ(out[1], ackToClient(42103, fourth, 5));
  // A whole request from the same address is served: the second slow head makes room.
  const uint32_t whole = handshake(42104);
  const Bytes request = text("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
  out = sendFromClient(fromClient(42104, kAck | kPsh, kIsn + 1, whole + 1, request));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], resetOf(42101, cookies[1], 5));
  EXPECT_EQ(out[1], ackToClient(42104, whole, static_cast<uint32_t>(request.size())));
  const auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  EXPECT_EQ(toBackend[0], backendSyn(0, 8080, srcPortOf(toBackend[0]), kIsn));
  EXPECT_EQ(counters().l7HeadsEvicted.load(), 2u);
  // The reset ones are gone: their next bytes find no connection, and are reset again.
  out = sendFromClient(fromClient(42100, kAck, kIsn + 6, cookies[0] + 1, text("x")));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][47], kRst);
  EXPECT_EQ(seqOf(out[0]), cookies[0] + 1);
  EXPECT_EQ(counters().l7StrayResets.load(), 1u);
}

TEST_F(L7SlowHeads, AFullPoolGivesUpTheOldestHeadOfAll) {
  rt_.reset();
  auto cfg = baseConfig();
  cfg.announce.count = 0;
  cfg.l7.buffers = 16;
  cfg.l7.trustedPeers = {*dp::pkt::IpPrefix::parse("192.0.2.0/24")};  // no share per source
  dp::snapshot::L7PortSpec http{ip("192.0.2.100"), 80, {}};
  http.listeners.push_back(ListenerSpec{"http", "", ListenerProtocol::kHttp, false, {vhost("a.example.com", {backend(0)})}});
  cfg.desired.l7Ports = {http};
  start(cfg);
  resolveBackends(1);
  std::vector<uint32_t> cookies;
  for (uint16_t i = 0; i < 16; ++i) {
    cookies.push_back(handshake(42200 + i));
    ASSERT_EQ(sendFromClient(fromClient(42200 + i, kAck, kIsn + 1, cookies[i] + 1, text("GET"))).size(), 1u);
  }
  EXPECT_EQ(counters().l7HeadsEvicted.load(), 0u) << "a trusted peer has no share of its own";
  const uint32_t whole = handshake(42216);
  const Bytes request = text("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
  const auto out = sendFromClient(fromClient(42216, kAck | kPsh, kIsn + 1, whole + 1, request));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], resetOf(42200, cookies[0], 3));
  EXPECT_EQ(backend_.collect().size(), 1u);
  EXPECT_EQ(drops(dp::DropReason::kL7BuffersFull), 0u);
}

}  // namespace
}  // namespace portico::test

namespace portico::test {
namespace {

// Ports with MSS clamps (the client side behind a tunnel at 1400, the backends' at 1300).
class L7Clamped : public L7 {
 protected:
  void tune(dp::config::DataplaneConfig& cfg) override {
    cfg.ports[0].mss = 1400;
    cfg.ports[1].mss = 1300;
  }
};

// The SYN-ACK asks the client for no more than its port's clamp, and the backend SYN
// offers no more than the backend port's, though both peers offered 1460.
TEST_F(L7Clamped, SynsOfferNoMoreThanTheirPortsMss) {
  const Bytes clamped1400{2, 4, 0x05, 0x78, 1, 1, 4, 2, 1, 3, 3, 7};
  const Bytes clamped1300{2, 4, 0x05, 0x14, 1, 1, 4, 2, 1, 3, 3, 7};
  auto out = sendFromClient(fromClient(40100, kSyn, kIsn, 0, {}, kSynOptions));
  ASSERT_EQ(out.size(), 1u);
  const uint32_t cookie = seqOf(out[0]);
  EXPECT_EQ(out[0], originated4(kClientMac, kPortMac, "192.0.2.100", "192.0.2.1",
                                segment4("192.0.2.100", "192.0.2.1", 80, 40100, kSyn | kAck, cookie, kIsn + 1, {},
                                         16384, clamped1400)));
  EXPECT_TRUE(sendFromClient(fromClient(40100, kAck, kIsn + 1, cookie + 1)).empty());
  const Bytes request = text("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n");
  sendFromClient(fromClient(40100, kAck | kPsh, kIsn + 1, cookie + 1, request));
  const auto toBackend = backend_.collect();
  ASSERT_EQ(toBackend.size(), 1u);
  const uint16_t snat = srcPortOf(toBackend[0]);
  EXPECT_EQ(toBackend[0], originated4(kBackendMacs[0], kBackendPortMac, "198.51.100.2", kBackendIps[0],
                                      segment4("198.51.100.2", kBackendIps[0], snat, 8080, kSyn, kIsn, 0, {}, 65535,
                                               clamped1300)));
}

}  // namespace
}  // namespace portico::test
