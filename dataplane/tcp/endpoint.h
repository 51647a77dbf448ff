#pragma once

// The workers' own TCP endpoint (proxy mode): every connection of one worker, client side
// and backend side alike, as one explicit state machine over caller-owned buffers, driven
// by the clock it is given, so that each transition and timer can be tested without a
// network. Per connection: in-order delivery with an out-of-order queue and SACK (both
// ways, D-SACK too), window scaling, delayed ACKs, a send buffer with RFC 6298
// retransmission timing, fast retransmit and SACK-based recovery (RFC 6675) with undo of
// recoveries the peer proves needless and a duplicate-ACK threshold that grows with the
// reordering seen, CUBIC congestion control, the persist timer, FIN, half-close and RST.
//
// How it is driven, per worker loop pass:
//   input() for each received segment of a connection;
//   drainEvents() hands the application what changed (readable, writable, closed...);
//     the application reads (peek/consume), writes, shuts down or aborts;
//   flush() sends what is owed: new data, retransmissions, ACKs;
//   runTimers() once a millisecond (retransmission, delayed ACK, persist, TIME_WAIT).
// Segments go out through a FrameSink. No allocation after construction.

#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/stats/counters.h"
#include "dataplane/tcp/chunk_pool.h"
#include "dataplane/tcp/frame_sink.h"
#include "dataplane/tcp/segment_in.h"
#include "dataplane/tcp/segment_writer.h"
#include "dataplane/tcp/settings.h"
#include "dataplane/tcp/tcb.h"
#include "dataplane/tcp/timer_wheel.h"

namespace portico::dp::tcp {

class Endpoint {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  // `sink` may be set later (setSink), before the first segment.
  Endpoint(const Settings& settings, uint32_t connections, ChunkPool& pool, FrameSink* sink, LcoreCounters& counters);
  void setSink(FrameSink* sink) { sink_ = sink; }

  // A passive open the caller has proved (a SYN cookie): established at once. `iss` is
  // ours (the cookie), `irs` the peer's; `peer` what its SYN offered; `window` its raw
  // window field from the ACK that completed the handshake. kNone when no slot is free.
  uint32_t accept(const Path& path, uint32_t iss, uint32_t irs, const SynOptions& peer, uint16_t window);
  // An active open: the SYN goes out now. kNone when no slot is free.
  uint32_t connect(const Path& path, uint32_t iss, uint64_t nowUs);

  // A segment for connection `id` (found by its 4-tuple).
  void input(uint32_t id, const SegmentIn& seg, uint64_t nowUs);

  // Application side.
  uint32_t readable(uint32_t id) const { return tcbs_[id].rcvNxt - tcbs_[id].rcvRead; }
  bool peerClosed(uint32_t id) const { return tcbs_[id].finReceived; }
  // Pieces of chunk memory holding readable bytes [offset, offset + length); returns how many.
  unsigned peek(uint32_t id, uint32_t offset, uint32_t length, std::span<const uint8_t>* out, unsigned max);
  void read(uint32_t id, uint32_t offset, std::span<uint8_t> out);
  void consume(uint32_t id, uint32_t n);
  uint32_t writable(uint32_t id) const;
  // Appends to the send buffer; returns how much was taken (less when it is full).
  uint32_t write(uint32_t id, std::span<const uint8_t> data);
  // Copies `n` readable bytes of `from`, starting at `offset`, to the send buffer of `to`
  // (the proxy's body relay); returns how many. The caller consumes them from `from`.
  uint32_t relay(uint32_t from, uint32_t offset, uint32_t to, uint32_t n);
  // Copies what `from` has written and its peer has not acknowledged to the send buffer of
  // `to` (a request sent again on another connection); returns how many bytes.
  uint32_t copyUnacknowledged(uint32_t from, uint32_t to);
  // Bytes written to `id` its peer has not acknowledged (before the SYN is, all of them).
  uint32_t unacknowledged(uint32_t id) const;
  void shutdown(uint32_t id);  // FIN once everything written is sent
  void abort(uint32_t id);     // RST now; the connection is kClosed at once
  void abortAll();             // every connection, as the dataplane stops
  void kill(uint32_t id);      // abort(), and a kReset event for whoever owns it
  void release(uint32_t id);   // the application is done with a closed connection

  // Pipes: connections with no wire, whose bytes another layer of the worker carries (TLS
  // termination: the proxy reads and writes a pipe as it would a client's connection, and
  // the TLS layer moves the plaintext to and from the encrypted one). A pipe is
  // established at once. What the application writes, shuts or aborts on it is handed to
  // drainPipes(), never to the wire; the layer takes it with pipePeek()/pipeTake() and
  // delivers the peer's bytes and FIN with pipeDeliver()/pipeDeliverFin(). The events
  // the application sees are a connection's.
  uint32_t openPipe(const Path& path);
  bool isPipe(uint32_t id) const { return tcbs_[id].pipe; }
  uint32_t pipeRoom(uint32_t id) const;  // what pipeDeliver() would take now
  uint32_t pipeDeliver(uint32_t id, std::span<const uint8_t> data);
  void pipeDeliverFin(uint32_t id);
  uint32_t pipePending(uint32_t id) const { return tcbs_[id].sndEnd - tcbs_[id].sndUna; }
  // Pieces of what the application wrote and the layer has not taken, from the oldest.
  unsigned pipePeek(uint32_t id, uint32_t length, std::span<const uint8_t>* out, unsigned max);
  void pipeTake(uint32_t id, uint32_t n);
  // The application shut its side and everything before the FIN was taken: pass it on,
  // then pipeFinTaken(). Both FINs passed: the pipe closes (kClosed).
  bool pipeFinDue(uint32_t id) const {
    const Tcb& t = tcbs_[id];
    return t.finQueued && !t.finSent && t.sndEnd == t.sndUna;
  }
  void pipeFinTaken(uint32_t id);
  // Calls fn(id) for each pipe written, shut, read from or aborted since the last call.
  template <typename Fn>
  void drainPipes(Fn&& fn) {
    for (std::size_t i = 0; i < pipes_.size(); ++i) {
      const uint32_t id = pipes_[i];
      tcbs_[id].onDirty = false;
      if (tcbs_[id].state == State::kFree) continue;
      if (!tcbs_[id].pipe) {
        markDirty(id);  // listed in its life as a pipe: a connection's output now
        continue;
      }
      fn(id);
    }
    pipes_.clear();
  }
  bool pipesDue() const { return !pipes_.empty(); }

  // Worker side.
  // Calls fn(id, events) for each connection with something to tell; fn may act on any
  // connection, and what that raises is handed out in the same call.
  template <typename Fn>
  void drainEvents(Fn&& fn) {
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const uint32_t id = events_[i];
      Tcb& t = tcbs_[id];
      t.onEvents = false;
      const uint8_t ev = t.events;
      t.events = 0;
      if (ev != 0 && t.state != State::kFree) fn(id, ev);
    }
    events_.clear();
  }
  void flush(uint64_t nowUs);
  void runTimers(uint64_t nowUs);

  const Tcb& tcb(uint32_t id) const { return tcbs_[id]; }
  State state(uint32_t id) const { return tcbs_[id].state; }
  uint32_t user(uint32_t id) const { return tcbs_[id].user; }
  void setUser(uint32_t id, uint32_t user) { tcbs_[id].user = user; }
  uint32_t inUse() const { return static_cast<uint32_t>(tcbs_.size() - free_.size()); }
  bool full() const { return free_.empty(); }
  // The connection longest in TIME_WAIT, kNone when there is none. When every slot is
  // taken, its owner may release it early for a new connection (Linux's
  // tcp_max_tw_buckets does the same): TIME_WAIT guards against old duplicates, a risk
  // smaller than refusing connections.
  uint32_t oldestTimeWait();
  const Settings& settings() const { return settings_; }

 private:
  uint32_t allocate();
  // Appends `n` bytes of `source` from `offset` to the send buffer of `to`; returns how many.
  uint32_t append(StreamBuffer& source, uint32_t offset, uint32_t to, uint32_t n);
  void initSend(Tcb& t, uint32_t iss, uint16_t peerMss);
  void raise(uint32_t id, uint8_t events);
  void markDirty(uint32_t id);
  void reschedule(uint32_t id);

  // input() stages.
  void inputSynSent(uint32_t id, const SegmentIn& seg, uint64_t nowUs);
  bool acceptable(const Tcb& t, const SegmentIn& seg) const;
  void processAck(uint32_t id, const SegmentIn& seg, uint64_t nowUs);
  void processSack(Tcb& t, const SegmentIn& seg, uint32_t nowUs);
  uint32_t entryStart(const Tcb& t, uint32_t i) const;
  void rackDelivered(Tcb& t, const SentLog::Entry& entry, uint32_t nowUs);
  void rackDetect(Tcb& t, uint32_t nowUs);
  void markLost(Tcb& t, uint32_t i);
  void enterRecovery(Tcb& t);
  void prrOnAck(Tcb& t, uint32_t delivered);
  void spendPrr(Tcb& t, uint32_t bytes);
  void releaseOutOfOrder(Tcb& t);
  void processData(uint32_t id, const SegmentIn& seg, uint64_t nowUs);
  void processFin(uint32_t id, uint64_t nowUs);
  void ourFinAcked(uint32_t id, uint64_t nowUs);
  void enterClosed(uint32_t id, uint8_t why);
  void enterTimeWait(Tcb& t, uint32_t nowMs);

  // Output.
  void transmit(uint32_t id, uint64_t nowUs);
  bool sendData(uint32_t id, uint32_t seq, uint32_t length, bool fin);
  void sendControl(Tcb& t, uint32_t seq, uint8_t flags, bool sack);
  void addSackBlocks(Tcb& t, SegmentSpec& s);
  void sendSyn(const Tcb& t);
  uint16_t windowField(Tcb& t);
  uint32_t pipe(const Tcb& t) const;
  uint32_t probeTimeoutUs(const Tcb& t) const;
  void armSendTimers(Tcb& t, uint64_t nowUs);
  void armFast(Tcb& t, uint32_t& due, uint32_t at);
  void runFastTimers(uint64_t nowUs);
  void armRto(Tcb& t, uint32_t nowMs);
  void onRtoExpired(uint32_t id, uint64_t nowUs);
  void onProbeDue(uint32_t id, uint64_t nowUs);

  Settings settings_;
  std::vector<Tcb> tcbs_;
  std::vector<uint32_t> free_;
  ChunkPool& pool_;
  FrameSink* sink_;
  LcoreCounters& counters_;
  TimerWheel wheel_;
  std::vector<uint32_t> dirty_;   // connections with output owed (capacity: all)
  std::vector<uint32_t> pipes_;   // pipes with something for their layer (capacity: all)
  std::vector<uint32_t> events_;  // connections with events to hand out
  std::vector<uint32_t> fast_;    // connections with microsecond deadlines
  std::vector<uint32_t> timeWait_;  // a ring of connections as they entered TIME_WAIT
  uint32_t timeWaitFirst_ = 0, timeWaitCount_ = 0;
};

}  // namespace portico::dp::tcp
