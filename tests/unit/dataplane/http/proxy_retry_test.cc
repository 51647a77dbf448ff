// A request sent on a kept-alive upstream connection that the backend had already closed
// (its FIN crossed the request) goes again on a new connection, byte for byte; one the
// backend acknowledged, or one on a fresh connection, gets the appliance's 502 instead.
// Both peers are played frame by frame through the worker's own dispatch.

#include <gtest/gtest.h>

#include <string>

#include "tests/common/dispatch_rig.h"
#include "tests/common/frames.h"

namespace portico::test {
namespace {

using namespace rig;

const Mac kClientMac{0x02, 0, 0, 0, 0, 0x01};
const Bytes kSynOptions = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0};  // MSS 1460, window scale 7, SACK
const std::string kRequest1 = "GET /one HTTP/1.1\r\nHost: b.example.com\r\n\r\n";
const std::string kRequest2 = "POST /two HTTP/1.1\r\nHost: b.example.com\r\nContent-Length: 4\r\n\r\nbody";
const std::string kResponse1 = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
const std::string kResponse2 = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";

std::string text(const Segment& s) { return {s.payload.begin(), s.payload.end()}; }

class ProxyRetry : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(world_.snap) << world_.error; }

  // A segment from `side` that answers the appliance's last frame on that side (or `to`).
  void answer(uint8_t side, uint8_t flags, const std::string& payload = "", bool ackAll = true,
              const std::vector<uint8_t>* to = nullptr) {
    const Bytes data(payload.begin(), payload.end());
    const Bytes options = (flags & 0x02) != 0 ? kSynOptions : Bytes{};
    Bytes f = side == kClientSide
                  ? ethernet(kClientPortMac, kClientMac, 0x0800,
                             ipv4(v4("198.18.0.1"), v4("192.0.2.100"), 6, tcpHeader(40000, 80, flags, options, data)))
                  : ethernet(kBackendPortMac, kBackendMac, 0x0800,
                             ipv4(v4("198.51.100.11"), v4("198.51.100.2"), 6, tcpHeader(8080, 1, flags, options, data)));
    const auto len = static_cast<uint32_t>(f.size());
    f.resize(kCapacity);
    if (to == nullptr) to = &talk_.last[side];
    if (!to->empty()) replyTo(f.data(), len, *to, ackAll);
    fixFrame(f.data(), len);
    talk_.receive(side, f.data(), len);
  }

  Segment last(uint8_t side) const {
    return segmentOf(talk_.last[side].data(), static_cast<uint32_t>(talk_.last[side].size()));
  }

  // The last frame the appliance made up on `side` with all of `flags` set; empty if none.
  std::vector<uint8_t> lastWith(uint8_t side, uint8_t flags) const {
    for (auto it = talk_.madeUp.rbegin(); it != talk_.madeUp.rend(); ++it) {
      if (it->first != side) continue;
      const Segment s = segmentOf(it->second.data(), static_cast<uint32_t>(it->second.size()));
      if (s.tcp && (s.flags & flags) == flags) return it->second;
    }
    return {};
  }

  // A client connection whose first request went to the backend on a new upstream
  // connection and was answered; that connection is now idle in the pool.
  void firstExchange() {
    answer(kClientSide, 0x02);
    ASSERT_EQ(last(kClientSide).flags, 0x12) << "SYN-ACK with a cookie";
    answer(kClientSide, 0x18, kRequest1);
    ASSERT_EQ(last(kBackendSide).flags & 0x02, 0x02) << "the proxy opens an upstream connection";
    answer(kBackendSide, 0x12);
    ASSERT_NE(text(last(kBackendSide)).find("GET /one HTTP/1.1\r\n"), std::string::npos);
    answer(kBackendSide, 0x18, kResponse1);
    ASSERT_EQ(text(last(kClientSide)).substr(0, 15), "HTTP/1.1 200 OK");
    ASSERT_NE(text(last(kClientSide)).find("\r\n\r\none"), std::string::npos);
  }

  void sentAgainAfter(uint8_t flags);

  World world_;
  Conversation talk_{world_};
};

// The pooled connection's end (`flags`: a FIN, or a reset) acknowledges none of request 2.
void ProxyRetry::sentAgainAfter(uint8_t flags) {
  firstExchange();
  answer(kClientSide, 0x18, kRequest2);  // acknowledges the first response
  const Segment firstTry = last(kBackendSide);
  ASSERT_NE(text(firstTry).find("POST /two HTTP/1.1\r\n"), std::string::npos) << "sent on the pooled connection";
  ASSERT_EQ(talk_.relayCounters.httpPoolReuses.load(), 1u);

  answer(kBackendSide, flags, "", /*ackAll=*/false);
  const std::vector<uint8_t> synFrame = lastWith(kBackendSide, 0x02);
  const Segment syn = segmentOf(synFrame.data(), static_cast<uint32_t>(synFrame.size()));
  ASSERT_TRUE(syn.tcp && syn.srcPort != firstTry.srcPort) << "a SYN on a new connection, from another SNAT port";
  answer(kBackendSide, 0x12, "", true, &synFrame);
  const Segment again = last(kBackendSide);
  EXPECT_EQ(text(again), text(firstTry)) << "the same bytes, headers and body";
  answer(kBackendSide, 0x18, kResponse2);
  const std::string toClient = text(last(kClientSide));
  EXPECT_EQ(toClient.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(toClient.find("\r\n\r\ntwo"), std::string::npos);
  EXPECT_EQ(talk_.relayCounters.httpRetries.load(), 1u);
  EXPECT_EQ(talk_.relayCounters.l7Answers.load(), 0u) << "no 502 from the appliance";
}

// The backend had closed the idle connection; its FIN crossed request 2.
TEST_F(ProxyRetry, ARequestCrossingTheBackendsFinGoesAgainOnANewConnection) { sentAgainAfter(0x11); }

// The backend reset the idle connection (a reset, not a FIN, as request 2 arrived).
TEST_F(ProxyRetry, ARequestMetByAResetGoesAgainOnANewConnection) { sentAgainAfter(0x14); }

TEST_F(ProxyRetry, ARequestTheBackendAcknowledgedIsNotSentAgain) {
  firstExchange();
  answer(kClientSide, 0x18, kRequest2);
  ASSERT_NE(text(last(kBackendSide)).find("POST /two"), std::string::npos);
  // The backend took request 2 (it may have acted on it), then closed without answering.
  answer(kBackendSide, 0x11, "", /*ackAll=*/true);
  EXPECT_EQ(text(last(kClientSide)).substr(0, 12), "HTTP/1.1 502");
  EXPECT_EQ(talk_.relayCounters.httpRetries.load(), 0u);
}

TEST_F(ProxyRetry, ANewConnectionThatFailsIsNotRetried) {
  answer(kClientSide, 0x02);
  answer(kClientSide, 0x18, kRequest1);
  answer(kBackendSide, 0x12);
  ASSERT_NE(text(last(kBackendSide)).find("GET /one"), std::string::npos);
  answer(kBackendSide, 0x14, "", /*ackAll=*/false);  // RST
  EXPECT_EQ(text(last(kClientSide)).substr(0, 12), "HTTP/1.1 502");
  EXPECT_EQ(talk_.relayCounters.httpRetries.load(), 0u);
}

}  // namespace
}  // namespace portico::test
