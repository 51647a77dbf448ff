// Each state transition and timer of the workers' TCP endpoint, one at a time: a
// segment (or a clock tick) in, and exactly the segment RFC 9293 (with RFC 5961's
// challenge ACKs and RFC 6298's timer) says goes out, read back from the frame the
// endpoint wrote. The simulated-link tests beside this one check whole transfers.

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/dataplane/tcp/tcp_sim.h"

namespace portico::dp::tcp {
namespace {

constexpr uint32_t kIss = 1000;       // ours
constexpr uint32_t kPeerIss = 5000;   // the peer's
constexpr uint8_t kFinFlag = 0x01, kSynFlag = 0x02, kRstFlag = 0x04, kPshFlag = 0x08, kAckFlag = 0x10;

// A segment the endpoint sent.
struct Out {
  uint8_t flags = 0;
  uint32_t seq = 0, ack = 0;
  std::string payload;
};

class EndpointStates : public ::testing::Test {
 protected:
  EndpointStates() : pool_(64), endpoint_(settings(), 4, pool_, &sink_, counters_) {}

  static Settings settings() {
    Settings s;
    s.quickAckSegments = 0;  // delayed ACKs from the first segment
    return s;
  }

  static Path path() {
    Path p;
    p.local = lb::v4Mapped(pkt::IpAddress::parse("198.51.100.2")->v4);
    p.remote = lb::v4Mapped(pkt::IpAddress::parse("198.51.100.11")->v4);
    p.localPortBe = pkt::hton16(40000);
    p.remotePortBe = pkt::hton16(8080);
    p.family = 4;
    return p;
  }

  // A segment from the peer; then the endpoint sends what it owes.
  void in(uint8_t flags, uint32_t seq, uint32_t ack, const std::string& payload = "", uint16_t window = 65535) {
    SegmentIn s;
    s.seq = seq;
    s.ack = ack;
    s.flags = flags;
    s.window = window;
    s.payload = reinterpret_cast<const uint8_t*>(payload.data());
    s.length = static_cast<uint32_t>(payload.size());
    if (flags & kSynFlag) s.syn = SynOptions{1460, 7, true};
    endpoint_.input(id_, s, nowUs_);
    drain();
    endpoint_.flush(nowUs_);
  }

  // Lets `ms` pass, a millisecond at a time, as the worker runs its timers.
  void advance(uint32_t ms) {
    for (uint32_t i = 0; i < ms; ++i) {
      nowUs_ += 1000;
      endpoint_.runTimers(nowUs_);
      drain();
      endpoint_.flush(nowUs_);
    }
  }

  void drain() {
    endpoint_.drainEvents([&](uint32_t, uint8_t ev) { events_ |= ev; });
  }

  // The next segment sent; fails the test when there is none.
  Out out() {
    Out o;
    EXPECT_FALSE(sink_.frames.empty()) << "a segment was expected";
    if (sink_.frames.empty()) return o;
    sim::Frame f = std::move(sink_.frames.front());
    sink_.frames.pop_front();
    pkt::ParsedPacket p;
    EXPECT_TRUE(pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok);
    const SegmentIn s = readSegment(f.data() + p.l4Offset, f.data() + p.payloadOffset, p.l3End - p.payloadOffset);
    o.flags = s.flags;
    o.seq = s.seq;
    o.ack = s.ack;
    o.payload.assign(reinterpret_cast<const char*>(s.payload), s.length);
    return o;
  }

  bool quiet() const { return sink_.frames.empty(); }
  uint8_t takeEvents() { return std::exchange(events_, 0); }

  // An active open answered: SYN out, the peer's SYN-ACK in, our ACK out.
  void establish() {
    id_ = endpoint_.connect(path(), kIss, nowUs_);
    ASSERT_NE(id_, Endpoint::kNone);
    endpoint_.flush(nowUs_);
    const Out syn = out();
    ASSERT_EQ(syn.flags, kSynFlag);
    ASSERT_EQ(syn.seq, kIss);
    in(kSynFlag | kAckFlag, kPeerIss, kIss + 1);
    const Out ack = out();
    ASSERT_EQ(ack.flags & (kSynFlag | kAckFlag | kFinFlag | kRstFlag), kAckFlag);
    ASSERT_EQ(ack.seq, kIss + 1);
    ASSERT_EQ(ack.ack, kPeerIss + 1);
    ASSERT_EQ(endpoint_.state(id_), State::kEstablished);
    ASSERT_TRUE(takeEvents() & kConnected);
  }

  // Our FIN: FIN_WAIT_1, the FIN out.
  void shutDown() {
    endpoint_.shutdown(id_);
    endpoint_.flush(nowUs_);
    const Out fin = out();
    ASSERT_EQ(fin.flags & (kFinFlag | kAckFlag), kFinFlag | kAckFlag);
    ASSERT_EQ(fin.seq, kIss + 1);
    ASSERT_EQ(endpoint_.state(id_), State::kFinWait1);
  }

  ChunkPool pool_;
  sim::CaptureSink sink_;
  LcoreCounters counters_;
  Endpoint endpoint_;
  uint32_t id_ = Endpoint::kNone;
  uint64_t nowUs_ = 1'000'000;
  uint8_t events_ = 0;
};

TEST_F(EndpointStates, SynSentToEstablishedOnTheSynAck) { establish(); }

TEST_F(EndpointStates, SynIsSentAgainAtTheInitialRtoDoublingThenGivenUp) {
  id_ = endpoint_.connect(path(), kIss, nowUs_);
  endpoint_.flush(nowUs_);
  EXPECT_EQ(out().flags, kSynFlag);
  uint32_t rto = settings().initialRtoMs;
  for (int i = 0; i < settings().synRetries; ++i) {
    advance(rto - 1);
    EXPECT_TRUE(quiet()) << "not before the timer, retry " << i;
    advance(1);
    const Out again = out();
    EXPECT_EQ(again.flags, kSynFlag);
    EXPECT_EQ(again.seq, kIss);
    rto *= 2;
  }
  advance(rto);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
  EXPECT_TRUE(takeEvents() & kTimedOut);
}

TEST_F(EndpointStates, SynSentToClosedOnAResetThatAcknowledgesTheSyn) {
  id_ = endpoint_.connect(path(), kIss, nowUs_);
  endpoint_.flush(nowUs_);
  out();
  in(kRstFlag | kAckFlag, 0, kIss + 1);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
  EXPECT_TRUE(takeEvents() & kReset);
  EXPECT_TRUE(quiet()) << "a reset is never answered";
}

// The dataplane stopping resets what it holds, so no peer waits on a connection gone.
TEST_F(EndpointStates, AbortAllResetsEveryConnection) {
  establish();
  endpoint_.abortAll();
  endpoint_.flush(nowUs_);
  const Out rst = out();
  EXPECT_EQ(rst.flags & kRstFlag, kRstFlag);
  EXPECT_EQ(rst.seq, kIss + 1);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
  EXPECT_TRUE(quiet());
  endpoint_.abortAll();  // nothing left to reset
  endpoint_.flush(nowUs_);
  EXPECT_TRUE(quiet());
}

TEST_F(EndpointStates, EstablishedToCloseWaitToLastAckToClosed) {
  establish();
  in(kFinFlag | kAckFlag, kPeerIss + 1, kIss + 1);
  const Out ack = out();
  EXPECT_EQ(ack.flags, kAckFlag);
  EXPECT_EQ(ack.ack, kPeerIss + 2) << "the FIN takes a sequence number";
  EXPECT_EQ(endpoint_.state(id_), State::kCloseWait);
  EXPECT_TRUE(takeEvents() & kPeerClosed);
  endpoint_.shutdown(id_);
  endpoint_.flush(nowUs_);
  const Out fin = out();
  EXPECT_EQ(fin.flags & kFinFlag, kFinFlag);
  EXPECT_EQ(fin.seq, kIss + 1);
  EXPECT_EQ(endpoint_.state(id_), State::kLastAck);
  in(kAckFlag, kPeerIss + 2, kIss + 2);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
  EXPECT_TRUE(takeEvents() & kClosed);
  EXPECT_TRUE(quiet());
}

TEST_F(EndpointStates, FinWait1ToFinWait2ToTimeWaitToClosed) {
  establish();
  shutDown();
  in(kAckFlag, kPeerIss + 1, kIss + 2);
  EXPECT_EQ(endpoint_.state(id_), State::kFinWait2);
  EXPECT_TRUE(quiet());
  in(kFinFlag | kAckFlag, kPeerIss + 1, kIss + 2);
  const Out ack = out();
  EXPECT_EQ(ack.flags, kAckFlag);
  EXPECT_EQ(ack.ack, kPeerIss + 2);
  EXPECT_EQ(endpoint_.state(id_), State::kTimeWait);
  advance(settings().timeWaitMs - 1);
  EXPECT_EQ(endpoint_.state(id_), State::kTimeWait);
  advance(2);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
  EXPECT_TRUE(takeEvents() & kClosed);
}

TEST_F(EndpointStates, SimultaneousCloseGoesThroughClosing) {
  establish();
  shutDown();
  in(kFinFlag | kAckFlag, kPeerIss + 1, kIss + 1);  // the peer's FIN, ours not yet acknowledged
  EXPECT_EQ(out().ack, kPeerIss + 2);
  EXPECT_EQ(endpoint_.state(id_), State::kClosing);
  in(kAckFlag, kPeerIss + 2, kIss + 2);
  EXPECT_EQ(endpoint_.state(id_), State::kTimeWait);
}

TEST_F(EndpointStates, FinWait1ToTimeWaitOnAFinThatAcknowledgesOurs) {
  establish();
  shutDown();
  in(kFinFlag | kAckFlag, kPeerIss + 1, kIss + 2);
  EXPECT_EQ(out().ack, kPeerIss + 2);
  EXPECT_EQ(endpoint_.state(id_), State::kTimeWait);
}

TEST_F(EndpointStates, TimeWaitAcknowledgesARetransmittedFinAndWaitsAgain) {
  establish();
  shutDown();
  in(kFinFlag | kAckFlag, kPeerIss + 1, kIss + 2);
  out();
  advance(settings().timeWaitMs / 2);
  in(kFinFlag | kAckFlag, kPeerIss + 1, kIss + 2);  // our ACK was lost: the FIN again
  const Out ack = out();
  EXPECT_EQ(ack.flags, kAckFlag);
  EXPECT_EQ(ack.ack, kPeerIss + 2);
  advance(settings().timeWaitMs - 1);
  EXPECT_EQ(endpoint_.state(id_), State::kTimeWait) << "the wait starts again from the retransmitted FIN";
  advance(2);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
}

TEST_F(EndpointStates, OnlyAResetAtTheNextSequenceNumberCloses) {
  establish();
  in(kRstFlag, kPeerIss + 1 + 100, 0);  // in the window, not exact: RFC 5961 challenge ACK
  const Out challenge = out();
  EXPECT_EQ(challenge.flags, kAckFlag);
  EXPECT_EQ(challenge.ack, kPeerIss + 1);
  EXPECT_EQ(endpoint_.state(id_), State::kEstablished);
  in(kRstFlag, kPeerIss + 1 + (64u << 20), 0);  // outside the window: ignored
  EXPECT_TRUE(quiet());
  EXPECT_EQ(endpoint_.state(id_), State::kEstablished);
  in(kRstFlag, kPeerIss + 1, 0);
  EXPECT_EQ(endpoint_.state(id_), State::kClosed);
  EXPECT_TRUE(takeEvents() & kReset);
  EXPECT_EQ(counters_.tcpResetsReceived.load(), 1u);
}

TEST_F(EndpointStates, ASynOnAnEstablishedConnectionGetsAChallengeAck) {
  establish();
  in(kSynFlag, kPeerIss + 50, 0);
  const Out challenge = out();
  EXPECT_EQ(challenge.flags, kAckFlag);
  EXPECT_EQ(challenge.ack, kPeerIss + 1);
  EXPECT_EQ(endpoint_.state(id_), State::kEstablished);
}

TEST_F(EndpointStates, DataOutsideTheWindowIsDroppedAndAcknowledged) {
  establish();
  in(kAckFlag, kPeerIss + 1 + (64u << 20), kIss + 1, "far ahead");
  const Out ack = out();
  EXPECT_EQ(ack.ack, kPeerIss + 1);
  EXPECT_EQ(endpoint_.readable(id_), 0u);
}

TEST_F(EndpointStates, OneSegmentIsAcknowledgedAtTheDelayedAckTimerTwoAtOnce) {
  establish();
  in(kAckFlag, kPeerIss + 1, kIss + 1, "first");
  EXPECT_TRUE(quiet()) << "one segment waits for the delayed-ACK timer";
  EXPECT_TRUE(takeEvents() & kReadable);
  advance(settings().delayedAckMs);
  const Out delayed = out();
  EXPECT_EQ(delayed.ack, kPeerIss + 6);
  const std::string full(1460, 'x');
  in(kAckFlag, kPeerIss + 6, kIss + 1, full);
  EXPECT_TRUE(quiet());
  in(kAckFlag, kPeerIss + 6 + 1460, kIss + 1, full);
  const Out both = out();
  EXPECT_EQ(both.ack, kPeerIss + 6 + 2 * 1460) << "every second full segment at once";
}

TEST_F(EndpointStates, DataNobodyAcknowledgesIsSentAgain) {
  establish();
  const std::string data = "unacknowledged";
  ASSERT_EQ(endpoint_.write(id_, {reinterpret_cast<const uint8_t*>(data.data()), data.size()}), data.size());
  endpoint_.flush(nowUs_);
  const Out first = out();
  EXPECT_EQ(first.seq, kIss + 1);
  EXPECT_EQ(first.payload, data);
  advance(settings().initialRtoMs);
  const Out again = out();
  EXPECT_EQ(again.seq, kIss + 1);
  EXPECT_EQ(again.payload, data);
  EXPECT_GE(counters_.tcpRetransmits.load() + counters_.tcpLossProbes.load(), 1u);
  sink_.frames.clear();  // later copies, each with the timer doubled
  in(kAckFlag, kPeerIss + 1, kIss + 1 + static_cast<uint32_t>(data.size()));
  advance(settings().maxRtoMs);
  while (!quiet()) EXPECT_NE(out().payload, data) << "nothing is sent again once acknowledged";
}

// Pipes (TLS termination's plaintext side): the application's reads, writes and FIN go to
// the pipe's layer through drainPipes(), never to the wire.
TEST_F(EndpointStates, APipeCarriesBytesBothWaysAndClosesWhenBothFinsPassed) {
  const uint32_t pipe = endpoint_.openPipe(path());
  ASSERT_NE(pipe, Endpoint::kNone);
  EXPECT_TRUE(endpoint_.isPipe(pipe));
  EXPECT_EQ(endpoint_.state(pipe), State::kEstablished);
  const std::string request = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(endpoint_.pipeDeliver(pipe, {reinterpret_cast<const uint8_t*>(request.data()), request.size()}),
            request.size());
  drain();
  EXPECT_TRUE(takeEvents() & kReadable);
  ASSERT_EQ(endpoint_.readable(pipe), request.size());
  std::string got(request.size(), '\0');
  endpoint_.read(pipe, 0, {reinterpret_cast<uint8_t*>(got.data()), got.size()});
  EXPECT_EQ(got, request);
  endpoint_.consume(pipe, request.size());

  const std::string response = "HTTP/1.1 200 OK\r\n\r\n";
  endpoint_.write(pipe, {reinterpret_cast<const uint8_t*>(response.data()), response.size()});
  endpoint_.shutdown(pipe);
  endpoint_.flush(nowUs_);
  EXPECT_TRUE(quiet()) << "a pipe has no wire";
  std::vector<uint32_t> listed;
  endpoint_.drainPipes([&](uint32_t id) { listed.push_back(id); });
  ASSERT_EQ(listed, std::vector<uint32_t>{pipe});
  EXPECT_FALSE(endpoint_.pipeFinDue(pipe)) << "the response is not taken yet";
  ASSERT_EQ(endpoint_.pipePending(pipe), response.size());
  std::span<const uint8_t> pieces[2];
  ASSERT_EQ(endpoint_.pipePeek(pipe, 1000, pieces, 2), 1u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(pieces[0].data()), pieces[0].size()), response);
  endpoint_.pipeTake(pipe, response.size());
  drain();
  EXPECT_TRUE(takeEvents() & kWritable);
  ASSERT_TRUE(endpoint_.pipeFinDue(pipe));
  endpoint_.pipeFinTaken(pipe);
  EXPECT_EQ(endpoint_.state(pipe), State::kFinWait2);
  endpoint_.pipeDeliverFin(pipe);
  drain();
  const uint8_t last = takeEvents();
  EXPECT_TRUE(last & kPeerClosed);
  EXPECT_TRUE(last & kClosed);
  EXPECT_EQ(endpoint_.state(pipe), State::kClosed);
  endpoint_.release(pipe);
  EXPECT_TRUE(quiet());
}

TEST_F(EndpointStates, APipeTakesNoMoreThanItsReceiveBufferAndAnAbortReachesItsLayer) {
  ChunkPool pool(64);
  Settings small;
  small.receiveBufferBytes = 256 * 1024;
  Endpoint endpoint(small, 2, pool, &sink_, counters_);
  const uint32_t pipe = endpoint.openPipe(path());
  const std::string block(64 * 1024 - 1, 'x');
  uint32_t delivered = 0;
  for (int i = 0; i < 100; ++i) {
    delivered += endpoint.pipeDeliver(pipe, {reinterpret_cast<const uint8_t*>(block.data()), block.size()});
  }
  EXPECT_EQ(delivered, small.receiveBufferBytes);
  EXPECT_EQ(endpoint.pipeRoom(pipe), 0u);
  endpoint.drainPipes([](uint32_t) {});
  endpoint.consume(pipe, 1000);
  EXPECT_EQ(endpoint.pipeRoom(pipe), 1000u);
  std::vector<uint32_t> listed;
  endpoint.drainPipes([&](uint32_t id) { listed.push_back(id); });
  EXPECT_EQ(listed, std::vector<uint32_t>{pipe}) << "room came free: its layer may deliver more";
  endpoint.abort(pipe);
  endpoint.flush(nowUs_);
  EXPECT_TRUE(quiet()) << "no reset on a wire it does not have";
  listed.clear();
  endpoint.drainPipes([&](uint32_t id) { listed.push_back(id); });
  EXPECT_EQ(listed, std::vector<uint32_t>{pipe});
  EXPECT_EQ(endpoint.state(pipe), State::kClosed);
  endpoint.release(pipe);
}

}  // namespace
}  // namespace portico::dp::tcp
