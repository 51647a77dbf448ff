#pragma once

// One TCP connection of the workers' endpoint: addressing, the RFC 9293 state and
// sequence variables, the receive and send buffers, loss recovery and congestion state,
// and the timers. About 700 bytes, held from open to close; bytes live in ChunkPool
// chunks only while there are bytes to keep.

#include <cstdint>

#include "dataplane/pkt/headers.h"
#include "dataplane/tcp/cubic.h"
#include "dataplane/tcp/range_set.h"
#include "dataplane/tcp/rtt_estimator.h"
#include "dataplane/tcp/sent_log.h"
#include "dataplane/tcp/stream_buffer.h"

namespace portico::dp::tcp {

enum class State : uint8_t {
  kFree,         // not in use
  kSynSent,      // active open: our SYN is out
  kEstablished,
  kFinWait1,     // we sent our FIN
  kFinWait2,     // it was acknowledged; the peer's is awaited
  kClosing,      // both FINs sent, ours not yet acknowledged
  kTimeWait,
  kCloseWait,    // the peer's FIN arrived; ours is still to come
  kLastAck,      // ... and has been sent
  kClosed,       // ended (reset, timed out, or closed): waits for release()
};

// Where a connection's segments go: the frame addresses as the appliance sends them.
struct Path {
  pkt::MacAddr localMac{};
  pkt::MacAddr remoteMac{};
  pkt::Ipv6Addr local{};   // v4-mapped for IPv4
  pkt::Ipv6Addr remote{};
  uint16_t localPortBe = 0;
  uint16_t remotePortBe = 0;
  uint8_t family = 4;
  uint8_t port = 0;  // the port index frames leave through
  uint16_t mssClamp = 0;  // the port's MSS clamp (0: none): we send and ask for no more
};

// What a connection has to tell its application (bits, accumulated until drained).
enum Event : uint8_t {
  kConnected = 1,   // an active open completed
  kReadable = 2,    // new in-order bytes, or the peer's FIN
  kWritable = 4,    // send buffer space came free
  kPeerClosed = 8,  // the peer's FIN: no more bytes will come
  kReset = 16,      // the peer reset the connection, or refused it
  kTimedOut = 32,   // retransmissions went unanswered: given up
  kClosed = 64,     // both sides closed and done: release() it
};

struct Tcb {
  Path path;
  State state = State::kFree;
  bool sackOk = false;
  bool finQueued = false;    // the application shut its side; FIN follows the data
  bool finSent = false;
  bool finReceived = false;
  bool finPending = false;   // the peer's FIN arrived ahead of data still missing
  bool ackNow = false;       // an ACK is owed at the next flush
  bool inRecovery = false;
  bool rtoRecovery = false;  // the recovery began with a retransmission timeout
  uint8_t probes = 0;        // tail loss probes sent and not answered
  bool onDirty = false;      // on the endpoint's output list
  bool onEvents = false;     // on the endpoint's event list
  bool onFast = false;       // on the endpoint's list of microsecond deadlines
  bool dsackPending = false;
  bool pushed = false;       // a segment with PSH arrived since our last ACK
  uint8_t events = 0;        // Event bits not yet drained
  uint8_t sndScale = 0;      // the peer's window shift
  uint8_t rcvScale = 0;      // ours
  uint8_t backoff = 0;       // RTO doublings since the last forward progress
  uint8_t synRetries = 0;
  uint16_t mss = 536;        // the largest segment we send
  uint16_t quickAcks = 0;    // segments still acknowledged at once (the peer's slow start)
  uint16_t unackedSegments = 0;
  uint16_t dupAcks = 0;      // for peers without SACK (NewReno)
  uint8_t reoWndMult = 1;    // RACK's reordering window, in quarters of the min RTT
  bool reorderingSeen = false;  // RACK waits a reordering window only once it saw some
  bool pipe = false;            // no wire: Endpoint::openPipe()

  // Send side (RFC 9293 names). Byte k of `send` is sequence number sndUna + k once the
  // SYN is acknowledged.
  uint32_t iss = 0;
  uint32_t sndUna = 0;
  uint32_t sndNxt = 0;       // next new sequence number to send
  uint32_t sndEnd = 0;       // one past the last byte the application wrote
  uint32_t sndWnd = 0;       // the peer's window, bytes
  uint32_t sndWl1 = 0;
  uint32_t sndWl2 = 0;
  uint32_t maxSndWnd = 0;
  uint32_t recoverSeq = 0;   // recovery ends when this is acknowledged
  // Proportional rate reduction (RFC 6937): what the recovery may send is paced by what
  // the peer says it received, so the lost segments go out at once and the ACK clock keeps
  // running instead of waiting for a window that shrank below what is in flight.
  uint32_t prrDelivered = 0;
  uint32_t prrOut = 0;
  uint32_t recoverFs = 0;    // in flight when the recovery began
  uint32_t prrSendable = 0;  // bytes the recovery may send now
  uint32_t recoveryCwnd = 0; // in flight after the last ACK plus what PRR allowed then
  uint32_t rtxInEpoch = 0;   // segments retransmitted in this recovery
  uint32_t dsackInEpoch = 0; // of those, the peer said it had twice
  uint64_t synSentUs = 0;
  SentLog sent;              // every segment in flight
  uint32_t sackedBytes = 0;  // in flight but SACKed
  uint32_t lostBytes = 0;    // in flight, deemed lost, not yet sent again
  uint32_t lostHint = 0;     // no lost entry before this index of `sent`
  // RACK: the most recently sent segment known delivered, and its round trip.
  uint32_t rackSentUs = 0;
  uint32_t rackEnd = 0;
  uint32_t rackRttUs = 0;
  bool rackValid = false;
  Cubic cc;
  RttEstimator rtt{1'000'000, 200'000, 60'000'000};

  // Receive side. Byte k of `receive` is sequence number rcvRead + k.
  uint32_t irs = 0;
  uint32_t rcvNxt = 0;       // next in-order byte expected (the FIN not counted)
  uint32_t rcvRead = 0;      // the application took everything before this
  uint32_t rcvAdv = 0;       // right edge of the window last advertised
  uint32_t finSeq = 0;       // where the peer's FIN sits, with finPending
  uint32_t dsackStart = 0, dsackEnd = 0;
  RangeSet outOfOrder;
  uint32_t oooChunk = 0xffffffffu;  // outOfOrder's storage once it outgrew its inline ranges

  // Timers, absolute ms; 0 is off.
  uint32_t rtoDueMs = 0;
  // Microsecond deadlines (wrapping; 0 is off), polled every loop pass: on a path of a few
  // hundred microseconds a millisecond timer would idle the connection for many round
  // trips each time it waits on one.
  uint32_t tlpDueUs = 0;     // tail loss probe (RFC 8985 7)
  uint32_t rackDueUs = 0;    // RACK's reordering window ends for a segment
  uint32_t delackDueMs = 0;
  uint32_t persistDueMs = 0;
  uint32_t closeDueMs = 0;   // TIME_WAIT or FIN_WAIT_2 ends

  StreamBuffer send;
  StreamBuffer receive;
  uint32_t user = 0xffffffffu;     // the application's handle

  uint32_t ackNumber() const { return rcvNxt + (finReceived ? 1 : 0); }
  uint32_t inFlight() const { return sndNxt - sndUna; }
  bool synchronized() const { return state != State::kFree && state != State::kSynSent && state != State::kClosed; }
  bool canReceive() const {
    return state == State::kEstablished || state == State::kFinWait1 || state == State::kFinWait2;
  }
};

}  // namespace portico::dp::tcp
