#include "dataplane/tcp/endpoint.h"

#include <algorithm>

#include "dataplane/lb/tcp_state.h"
#include "dataplane/tcp/segment_writer.h"

namespace portico::dp::tcp {

namespace {

constexpr uint8_t kFin = lb::kTcpFin, kSyn = lb::kTcpSyn, kRst = lb::kTcpRst, kAck = lb::kTcpAck, kPsh = 0x08;
// Linux's cap on the reordering it tolerates before calling a hole lost.
constexpr uint16_t kMaxDupThresh = 300;

uint32_t msOf(uint64_t us) { return static_cast<uint32_t>(us / 1000); }
// 0 means "off" for the millisecond timers; a deadline that falls on 0 moves to 1.
uint32_t deadline(uint32_t ms) { return ms == 0 ? 1 : ms; }
bool expired(uint32_t dueMs, uint32_t nowMs) { return dueMs != 0 && static_cast<int32_t>(nowMs - dueMs) >= 0; }
uint16_t localMss(uint8_t family) { return family == 4 ? 1460 : 1440; }

SegmentSpec specOf(const Path& p) {
  SegmentSpec s;
  s.srcMac = p.localMac;
  s.dstMac = p.remoteMac;
  s.family = p.family;
  s.src = p.local;
  s.dst = p.remote;
  s.srcPortBe = p.localPortBe;
  s.dstPortBe = p.remotePortBe;
  return s;
}

// The first byte of the send buffer: the SYN takes the ISN.
uint32_t dataBase(const Tcb& t) { return seqMax(t.sndUna, t.iss + 1); }

}  // namespace

Endpoint::Endpoint(const Settings& settings, uint32_t connections, ChunkPool& pool, FrameSink& sink,
                   LcoreCounters& counters)
    : settings_(settings), tcbs_(connections), pool_(pool), sink_(sink), counters_(counters), wheel_(connections) {
  free_.reserve(connections);
  for (uint32_t i = connections; i-- > 0;) free_.push_back(i);
  dirty_.reserve(connections);
  events_.reserve(connections);
}

uint32_t Endpoint::allocate() {
  if (free_.empty()) return kNone;
  const uint32_t id = free_.back();
  free_.pop_back();
  Tcb& t = tcbs_[id];
  // A slot may still sit on the output or event list from its last life: keep it there
  // once rather than twice.
  const bool onDirty = t.onDirty, onEvents = t.onEvents;
  t = Tcb{};
  t.onDirty = onDirty;
  t.onEvents = onEvents;
  t.rtt = RttEstimator(settings_.initialRtoMs * 1000, settings_.minRtoMs * 1000, settings_.maxRtoMs * 1000);
  return id;
}

void Endpoint::initSend(Tcb& t, uint32_t iss, uint16_t peerMss) {
  t.iss = iss;
  t.sndUna = iss;
  t.sndNxt = iss + 1;
  t.sndEnd = iss + 1;
  t.mss = std::min<uint16_t>(std::max<uint16_t>(peerMss, 88), localMss(t.path.family));
  t.cc.init(t.mss, settings_.initialWindowSegments);
  t.quickAcks = settings_.quickAckSegments;
}

uint32_t Endpoint::accept(const Path& path, uint32_t iss, uint32_t irs, const SynOptions& peer, uint16_t window,
                          uint64_t nowUs) {
  const uint32_t id = allocate();
  if (id == kNone) return kNone;
  Tcb& t = tcbs_[id];
  t.path = path;
  t.state = State::kEstablished;
  initSend(t, iss, peer.mss);
  t.sndUna = iss + 1;
  t.sackOk = peer.sackPermitted;
  if (peer.windowScale != kNoWindowScale) {
    t.sndScale = peer.windowScale;
    t.rcvScale = settings_.windowScale;
  }
  t.sndWnd = static_cast<uint32_t>(window) << t.sndScale;
  t.maxSndWnd = t.sndWnd;
  t.sndWl1 = irs + 1;
  t.sndWl2 = iss + 1;
  t.irs = irs;
  t.rcvNxt = t.rcvRead = irs + 1;
  // The SYN-ACK offered a window no larger than this.
  t.rcvAdv = t.rcvNxt + std::min<uint32_t>(settings_.receiveBufferBytes, 0xffff);
  (void)nowUs;
  return id;
}

uint32_t Endpoint::connect(const Path& path, uint32_t iss, uint64_t nowUs) {
  const uint32_t id = allocate();
  if (id == kNone) return kNone;
  Tcb& t = tcbs_[id];
  t.path = path;
  t.state = State::kSynSent;
  initSend(t, iss, localMss(path.family));
  t.rcvScale = settings_.windowScale;
  sendSyn(t);
  t.rttTiming = true;
  t.rttSeq = iss + 1;
  t.rttStartUs = nowUs;
  armRto(t, msOf(nowUs));
  reschedule(id);
  return id;
}

void Endpoint::sendSyn(const Tcb& t) {
  SegmentSpec s = specOf(t.path);
  s.seq = t.iss;
  s.flags = kSyn;
  s.window = static_cast<uint16_t>(std::min<uint32_t>(settings_.receiveBufferBytes, 0xffff));
  s.mss = localMss(t.path.family);
  s.windowScale = settings_.windowScale;
  s.sackPermitted = true;
  uint32_t capacity = 0;
  uint8_t* buf = sink_.begin(capacity);
  if (buf == nullptr) return;
  sink_.commit(t.path.port, writeSegment(buf, capacity, s));
}

void Endpoint::raise(uint32_t id, uint8_t events) {
  Tcb& t = tcbs_[id];
  t.events |= events;
  if (t.onEvents) return;
  t.onEvents = true;
  events_.push_back(id);  // capacity reserved for every connection
}

void Endpoint::markDirty(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (t.onDirty) return;
  t.onDirty = true;
  dirty_.push_back(id);
}

void Endpoint::reschedule(uint32_t id) {
  const Tcb& t = tcbs_[id];
  uint32_t earliest = 0;
  for (const uint32_t d : {t.rtoDueMs, t.delackDueMs, t.persistDueMs, t.closeDueMs}) {
    if (d != 0 && (earliest == 0 || static_cast<int32_t>(d - earliest) < 0)) earliest = d;
  }
  if (earliest == 0) {
    wheel_.cancel(id);
  } else if (!wheel_.armed(id) || wheel_.due(id) != earliest) {
    wheel_.schedule(id, earliest);
  }
}

void Endpoint::armRto(Tcb& t, uint32_t nowMs) {
  const uint64_t rtoMs = std::max<uint32_t>(t.rtt.rtoUs() / 1000, 1);
  t.rtoDueMs = deadline(nowMs + static_cast<uint32_t>(std::min<uint64_t>(rtoMs << std::min<uint8_t>(t.backoff, 16),
                                                                         settings_.maxRtoMs)));
}

void Endpoint::enterClosed(uint32_t id, uint8_t why) {
  Tcb& t = tcbs_[id];
  t.state = State::kClosed;
  t.rtoDueMs = t.delackDueMs = t.persistDueMs = t.closeDueMs = 0;
  wheel_.cancel(id);
  if (why != 0) raise(id, why);
}

// ---- input ----

void Endpoint::input(uint32_t id, const SegmentIn& seg, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  if (t.state == State::kFree || t.state == State::kClosed) return;
  if (t.state == State::kSynSent) {
    inputSynSent(id, seg, nowUs);
    return;
  }
  if (!acceptable(t, seg)) {
    if (!(seg.flags & kRst)) {
      // An old duplicate: say so (D-SACK, RFC 2883) so a needless retransmission shows.
      if (seg.length > 0 && t.sackOk && seqLe(seg.seq + seg.length, t.rcvNxt)) {
        t.dsackStart = seg.seq;
        t.dsackEnd = seg.seq + seg.length;
        t.dsackPending = true;
      }
      t.ackNow = true;
      markDirty(id);
      if (t.state == State::kTimeWait && (seg.flags & kFin)) {
        t.closeDueMs = deadline(msOf(nowUs) + settings_.timeWaitMs);
        reschedule(id);
      }
    }
    return;
  }
  if (seg.flags & kRst) {
    // RFC 5961: only the exact next sequence number resets; elsewhere in the window the
    // peer must prove itself with a challenge ACK.
    if (seg.seq == t.ackNumber()) {
      LcoreCounters::bump(counters_.tcpResetsReceived);
      enterClosed(id, kReset);
    } else {
      t.ackNow = true;
      markDirty(id);
    }
    return;
  }
  if (seg.flags & kSyn) {
    t.ackNow = true;  // a SYN on a synchronized connection: challenge ACK
    markDirty(id);
    return;
  }
  if (!(seg.flags & kAck)) return;
  processAck(id, seg, nowUs);
  if (t.state == State::kClosed || t.state == State::kFree) return;
  if (seg.length > 0) processData(id, seg, nowUs);
  if (seg.flags & kFin) {
    const uint32_t fin = seg.seq + seg.length;
    if (!t.finReceived) {
      if (fin == t.rcvNxt && t.canReceive()) {
        processFin(id, nowUs);
      } else if (seqGt(fin, t.rcvNxt)) {
        t.finPending = true;  // taken once the bytes before it arrive
        t.finSeq = fin;
      }
    }
  }
  if (t.state == State::kTimeWait) {
    t.ackNow = true;
    markDirty(id);
  }
  reschedule(id);
}

void Endpoint::inputSynSent(uint32_t id, const SegmentIn& seg, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  const bool ackOk = (seg.flags & kAck) && seg.ack == t.iss + 1;
  if ((seg.flags & kAck) && !ackOk) {
    if (!(seg.flags & kRst)) sendControl(t, seg.ack, kRst, false);
    return;
  }
  if (seg.flags & kRst) {
    if (ackOk) enterClosed(id, kReset);  // refused
    return;
  }
  if (!(seg.flags & kSyn) || !ackOk) return;  // simultaneous open is not needed here
  t.irs = seg.seq;
  t.rcvNxt = t.rcvRead = seg.seq + 1;
  t.rcvAdv = t.rcvNxt;
  if (seg.syn.windowScale != kNoWindowScale) {
    t.sndScale = seg.syn.windowScale;
  } else {
    t.sndScale = t.rcvScale = 0;
  }
  t.sackOk = seg.syn.sackPermitted;
  t.sndUna = t.iss + 1;
  t.mss = std::min<uint16_t>(std::max<uint16_t>(seg.syn.mss, 88), localMss(t.path.family));
  t.cc.init(t.mss, settings_.initialWindowSegments);
  t.sndWnd = seg.window;  // never scaled in a SYN
  t.maxSndWnd = t.sndWnd;
  t.sndWl1 = seg.seq;
  t.sndWl2 = seg.ack;
  if (t.rttTiming && t.synRetries == 0) t.rtt.sample(static_cast<uint32_t>(nowUs - t.rttStartUs));
  t.rttTiming = false;
  t.backoff = 0;
  t.rtoDueMs = 0;
  t.state = State::kEstablished;
  t.ackNow = true;
  markDirty(id);
  raise(id, kConnected | kWritable);
  reschedule(id);
}

bool Endpoint::acceptable(const Tcb& t, const SegmentIn& seg) const {
  const uint32_t expected = t.ackNumber();
  const uint32_t window = seqGt(t.rcvAdv, expected) ? t.rcvAdv - expected : 0;
  const uint32_t length = seg.length + ((seg.flags & kFin) ? 1 : 0);
  const uint32_t span = std::max<uint32_t>(window, 1);
  if (length == 0) return seqLe(expected, seg.seq) && seqLt(seg.seq, expected + span);
  // Any part of it inside the window (or at its edge when the window is shut, so its ACK
  // and FIN still count).
  return seqLt(seg.seq, expected + span) && seqGt(seg.seq + length, expected);
}

void Endpoint::processSack(Tcb& t, const SegmentIn& seg) {
  for (unsigned i = 0; i < seg.sackCount; ++i) {
    const SackBlock b = seg.sack[i];
    if (!seqLt(b.start, b.end)) continue;
    const bool dsack = i == 0 && (seqLe(b.end, seg.ack) ||
                                  (seg.sackCount > 1 && seqLe(seg.sack[1].start, b.start) &&
                                   seqLe(b.end, seg.sack[1].end)));
    if (dsack) {
      // The peer had this twice. A retransmission of ours that it did not need: with
      // all of a recovery's retransmissions shown needless, the recovery is undone, and
      // the duplicate-ACK threshold grows to the reordering that fooled it.
      if (t.rtxInEpoch > 0 && ++t.dsackInEpoch == t.rtxInEpoch) {
        t.cc.undo();
        LcoreCounters::bump(counters_.tcpRecoveriesUndone);
      }
      const uint32_t top = t.sacked.empty() ? t.sndNxt : t.sacked.highest();
      if (seqGt(top, b.start)) {
        const uint32_t degree = (top - b.start) / t.mss + 1;
        t.dupThresh = static_cast<uint16_t>(std::min<uint32_t>(std::max<uint32_t>(t.dupThresh, degree), kMaxDupThresh));
      }
      continue;
    }
    const uint32_t start = seqMax(b.start, t.sndUna), end = seqMin(b.end, t.sndNxt);
    if (seqLt(start, end)) t.sacked.add(start, end);
  }
}

uint32_t Endpoint::lostEdge(const Tcb& t) const {
  if (t.rtoRecovery) return t.recoverSeq;  // after a timeout, every hole is lost
  if (!t.sackOk) {
    // NewReno: the segment at SND.UNA is lost once three duplicates say so; in recovery,
    // each partial ACK says the next one is.
    return t.inRecovery || t.dupAcks >= t.dupThresh ? t.sndUna + t.mss : t.sndUna;
  }
  // RFC 6675 IsLost(): a hole is lost when more than (DupThresh - 1) segments' worth of
  // bytes, or DupThresh separate ranges, are SACKed above it.
  const uint32_t threshold = static_cast<uint32_t>(t.dupThresh - 1) * t.mss + 1;
  uint32_t bytes = 0;
  for (unsigned i = t.sacked.size(); i-- > 0;) {
    bytes += t.sacked[i].end - t.sacked[i].start;
    if (bytes >= threshold || t.sacked.size() - i >= t.dupThresh) return t.sacked[i].start;
  }
  return t.dupAcks >= t.dupThresh ? t.sndUna + t.mss : t.sndUna;
}

uint32_t Endpoint::nextHole(const Tcb& t, uint32_t edge, uint32_t& start) const {
  uint32_t s = seqMax(t.highRxt, t.sndUna);
  for (unsigned i = 0; i < t.sacked.size(); ++i) {
    const SeqRange& r = t.sacked[i];
    if (seqLe(r.end, s)) continue;
    if (seqLe(r.start, s)) {
      s = r.end;
      continue;
    }
    if (!seqLt(s, edge)) return 0;
    start = s;
    return std::min<uint32_t>(std::min(r.start, seqMin(edge, t.sndNxt)) - s, t.mss);
  }
  const uint32_t end = seqMin(edge, t.sndNxt);
  if (!seqLt(s, end)) return 0;
  start = s;
  return std::min<uint32_t>(end - s, t.mss);
}

uint32_t Endpoint::pipe(const Tcb& t) const {
  // RFC 6675 SetPipe(): outstanding bytes less those SACKed and those lost and not yet
  // retransmitted.
  const uint32_t sacked = t.sacked.bytesFrom(t.sndUna);
  uint32_t lost = 0;
  if (t.inRecovery) {
    const uint32_t edge = seqMin(lostEdge(t), t.sndNxt);
    const uint32_t from = seqMax(t.highRxt, t.sndUna);
    if (seqLt(from, edge)) lost = (edge - from) - (t.sacked.bytesFrom(from) - t.sacked.bytesFrom(edge));
  }
  const uint32_t out = t.inFlight();
  return out > sacked + lost ? out - sacked - lost : 0;
}

void Endpoint::processAck(uint32_t id, const SegmentIn& seg, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  if (seqGt(seg.ack, t.sndNxt)) {
    t.ackNow = true;  // acknowledges what was never sent
    markDirty(id);
    return;
  }
  const uint32_t nowMs = msOf(nowUs);
  bool windowChanged = false;
  if (seqLt(t.sndWl1, seg.seq) || (t.sndWl1 == seg.seq && seqLe(t.sndWl2, seg.ack))) {
    const uint32_t window = static_cast<uint32_t>(seg.window) << t.sndScale;
    windowChanged = window != t.sndWnd;
    if (window > t.sndWnd) markDirty(id);
    t.sndWnd = window;
    t.sndWl1 = seg.seq;
    t.sndWl2 = seg.ack;
    t.maxSndWnd = std::max(t.maxSndWnd, window);
    if (window != 0 && t.persistDueMs != 0) {
      t.persistDueMs = 0;
      t.backoff = 0;
    }
  }
  const uint32_t sackedBefore = t.sacked.bytesFrom(t.sndUna);
  if (t.sackOk && seg.sackCount > 0) processSack(t, seg);
  const bool newSack = t.sacked.bytesFrom(t.sndUna) != sackedBefore;

  if (seqGt(seg.ack, t.sndUna)) {
    const uint32_t flight = t.inFlight();
    const uint32_t acked = seg.ack - t.sndUna;
    const uint32_t base = dataBase(t);
    const uint32_t dataEnd = seqMin(seg.ack, t.sndEnd);
    if (seqGt(dataEnd, base)) {
      t.send.consume(pool_, dataEnd - base);
      raise(id, kWritable);
    }
    t.sndUna = seg.ack;
    if (t.sndUna == t.sndEnd || (t.finSent && t.sndUna == t.sndEnd + 1)) t.send.clear(pool_);
    t.sacked.trimBelow(t.sndUna);
    if (seqLt(t.highRxt, t.sndUna)) t.highRxt = t.sndUna;
    if (t.rttTiming && seqGe(seg.ack, t.rttSeq)) {
      t.rtt.sample(static_cast<uint32_t>(nowUs - t.rttStartUs));
      t.rttTiming = false;
    }
    t.backoff = 0;
    t.dupAcks = 0;
    if (t.inRecovery && seqGe(t.sndUna, t.recoverSeq)) {
      t.inRecovery = false;
      t.rtoRecovery = false;
    }
    if (!t.inRecovery || t.rtoRecovery) t.cc.onAck(acked, flight, nowUs, t.rtt.srttUs());
    if (t.sndUna == t.sndNxt) {
      t.rtoDueMs = 0;
    } else {
      armRto(t, nowMs);  // RFC 6298 5.3
    }
    if (t.finSent && t.sndUna == t.sndEnd + 1) ourFinAcked(id, nowUs);
    markDirty(id);
  } else if (seg.ack == t.sndUna && t.sndNxt != t.sndUna && seg.length == 0 && !(seg.flags & kFin) &&
             (!windowChanged || newSack)) {
    ++t.dupAcks;
    markDirty(id);
  }
  if (!t.inRecovery && t.sndNxt != t.sndUna && (newSack || t.dupAcks > 0) && seqGt(lostEdge(t), t.sndUna)) {
    // Fast retransmit and recovery (RFC 6675): once per window.
    t.inRecovery = true;
    t.rtoRecovery = false;
    t.recoverSeq = t.sndNxt;
    t.highRxt = t.sndUna;
    t.rtxInEpoch = t.dsackInEpoch = 0;
    t.rttTiming = false;
    t.cc.onCongestion(t.inFlight());
    LcoreCounters::bump(counters_.tcpFastRecoveries);
    markDirty(id);
  }
}

void Endpoint::processData(uint32_t id, const SegmentIn& seg, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  if (!t.canReceive() || t.finReceived) {
    t.ackNow = true;
    markDirty(id);
    return;
  }
  uint32_t seq = seg.seq;
  const uint8_t* data = seg.payload;
  uint32_t length = seg.length;
  if (seqLt(seq, t.rcvNxt)) {
    const uint32_t skip = t.rcvNxt - seq;
    if (t.sackOk) {
      t.dsackStart = seq;
      t.dsackEnd = t.rcvNxt;
      t.dsackPending = true;
    }
    seq = t.rcvNxt;
    data += skip;
    length -= skip;
  }
  // Nothing past the window advertised, nor past the buffer.
  const uint32_t limit = seqMin(t.rcvAdv, t.rcvRead + settings_.receiveBufferBytes);
  if (!seqLt(seq, limit)) {
    t.ackNow = true;
    markDirty(id);
    return;
  }
  length = std::min(length, limit - seq);
  const uint32_t stored = t.receive.write(pool_, seq - t.rcvRead, {data, length});
  if (stored < length) counters_.drop(DropReason::kTcpPoolEmpty);
  length = stored;
  if (length == 0) return;
  const uint32_t nowMs = msOf(nowUs);
  if (seq == t.rcvNxt) {
    t.rcvNxt += length;
    bool filled = false;
    if (!t.outOfOrder.empty()) {
      t.outOfOrder.trimBelow(t.rcvNxt);
      SeqRange r;
      while (t.outOfOrder.takeAt(t.rcvNxt, r)) t.rcvNxt = r.end;
      filled = true;
    }
    raise(id, kReadable);
    ++t.unackedSegments;
    if (filled || t.quickAcks > 0 || t.unackedSegments >= 2 || t.dsackPending) {
      if (t.quickAcks > 0) --t.quickAcks;
      t.ackNow = true;
    } else if (t.delackDueMs == 0) {
      t.delackDueMs = deadline(nowMs + settings_.delayedAckMs);
    }
  } else {
    if (t.outOfOrder.covers(seq, seq + length)) {
      if (t.sackOk) {
        t.dsackStart = seq;
        t.dsackEnd = seq + length;
        t.dsackPending = true;
      }
    } else if (!t.outOfOrder.add(seq, seq + length)) {
      counters_.drop(DropReason::kTcpOutOfOrderFull);  // the peer sends it again
    }
    t.ackNow = true;  // a duplicate ACK with SACK blocks, at once (RFC 5681 4.2)
  }
  if (t.finPending && t.finSeq == t.rcvNxt) processFin(id, nowUs);
  markDirty(id);
}

void Endpoint::processFin(uint32_t id, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  t.finReceived = true;
  t.finPending = false;
  t.ackNow = true;
  markDirty(id);
  raise(id, kReadable | kPeerClosed);
  switch (t.state) {
    case State::kEstablished: t.state = State::kCloseWait; break;
    case State::kFinWait1: t.state = State::kClosing; break;
    case State::kFinWait2:
      t.state = State::kTimeWait;
      t.closeDueMs = deadline(msOf(nowUs) + settings_.timeWaitMs);
      break;
    default: break;
  }
}

void Endpoint::ourFinAcked(uint32_t id, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  switch (t.state) {
    case State::kFinWait1:
      t.state = State::kFinWait2;
      t.closeDueMs = deadline(msOf(nowUs) + settings_.finWait2Ms);
      break;
    case State::kClosing:
      t.state = State::kTimeWait;
      t.closeDueMs = deadline(msOf(nowUs) + settings_.timeWaitMs);
      break;
    case State::kLastAck: enterClosed(id, kClosed); break;
    default: break;
  }
}

// ---- application side ----

unsigned Endpoint::peek(uint32_t id, uint32_t offset, uint32_t length, std::span<const uint8_t>* out, unsigned max) {
  return tcbs_[id].receive.pieces(pool_, offset, length, out, max);
}

void Endpoint::read(uint32_t id, uint32_t offset, std::span<uint8_t> out) { tcbs_[id].receive.read(pool_, offset, out); }

void Endpoint::consume(uint32_t id, uint32_t n) {
  Tcb& t = tcbs_[id];
  n = std::min(n, t.rcvNxt - t.rcvRead);
  if (n == 0) return;
  t.receive.consume(pool_, n);
  t.rcvRead += n;
  if (t.rcvRead == t.rcvNxt && t.outOfOrder.empty()) t.receive.clear(pool_);
  // A window update once the window the peer knows has at least doubled (Linux's rule):
  // a reader that drained a nearly shut window must not wait for the peer's probe.
  const uint32_t known = seqGt(t.rcvAdv, t.rcvNxt) ? t.rcvAdv - t.rcvNxt : 0;
  const uint32_t now = settings_.receiveBufferBytes - (t.rcvNxt - t.rcvRead);
  if (t.canReceive() && known * 2 <= settings_.receiveBufferBytes && now >= 2 * known + t.mss) {
    t.ackNow = true;
    markDirty(id);
  }
}

uint32_t Endpoint::writable(uint32_t id) const {
  const Tcb& t = tcbs_[id];
  const bool open = t.state == State::kEstablished || t.state == State::kCloseWait || t.state == State::kSynSent;
  if (!open || t.finQueued) return 0;
  const uint32_t held = t.sndEnd - dataBase(t);
  return held < settings_.sendBufferBytes ? settings_.sendBufferBytes - held : 0;
}

uint32_t Endpoint::write(uint32_t id, std::span<const uint8_t> data) {
  const uint32_t n = std::min<uint32_t>(writable(id), static_cast<uint32_t>(data.size()));
  if (n == 0) return 0;
  Tcb& t = tcbs_[id];
  const uint32_t stored = t.send.write(pool_, t.sndEnd - dataBase(t), data.first(n));
  if (stored < n) counters_.drop(DropReason::kTcpPoolEmpty);
  t.sndEnd += stored;
  markDirty(id);
  return stored;
}

uint32_t Endpoint::relay(uint32_t from, uint32_t offset, uint32_t to, uint32_t n) {
  n = std::min(n, writable(to));
  uint32_t done = 0;
  std::span<const uint8_t> pieces[8];
  while (done < n) {
    const unsigned count = peek(from, offset + done, n - done, pieces, 8);
    for (unsigned i = 0; i < count; ++i) {
      const uint32_t w = write(to, pieces[i]);
      done += w;
      if (w < pieces[i].size()) return done;
    }
  }
  return done;
}

void Endpoint::shutdown(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (t.finQueued) return;
  if (t.state != State::kEstablished && t.state != State::kCloseWait && t.state != State::kSynSent) return;
  t.finQueued = true;
  markDirty(id);
}

void Endpoint::abort(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (t.state == State::kFree || t.state == State::kClosed) return;
  if (t.state != State::kSynSent) {
    sendControl(t, t.sndNxt, kRst | kAck, false);
  } else {
    sendControl(t, t.iss + 1, kRst, false);
  }
  enterClosed(id, 0);
}

void Endpoint::release(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (t.state == State::kFree) return;
  if (t.state != State::kClosed) abort(id);
  t.send.clear(pool_);
  t.receive.clear(pool_);
  wheel_.cancel(id);
  t.state = State::kFree;
  t.user = kNone;
  free_.push_back(id);
}

// ---- output ----

uint16_t Endpoint::windowField(Tcb& t) {
  const uint32_t unread = t.rcvNxt - t.rcvRead;
  const uint32_t room = settings_.receiveBufferBytes > unread ? settings_.receiveBufferBytes - unread : 0;
  uint32_t edge = t.rcvNxt + room;
  if (seqLt(edge, t.rcvAdv)) {
    edge = t.rcvAdv;  // a window is never taken back
  } else if (seqLt(t.rcvAdv, edge) && edge - t.rcvAdv < t.mss && seqGe(t.rcvAdv, t.rcvNxt + t.mss)) {
    edge = t.rcvAdv;  // receiver silly-window avoidance: no creeping by less than a segment
  }
  uint32_t window = seqGt(edge, t.rcvNxt) ? edge - t.rcvNxt : 0;
  const uint32_t field = std::min<uint32_t>(window >> t.rcvScale, 0xffff);
  window = field << t.rcvScale;
  if (seqGt(t.rcvNxt + window, t.rcvAdv)) t.rcvAdv = t.rcvNxt + window;
  return static_cast<uint16_t>(field);
}

void Endpoint::sendControl(const Tcb& t, uint32_t seq, uint8_t flags, bool sack) {
  SegmentSpec s = specOf(t.path);
  s.seq = seq;
  s.ack = (flags & kAck) ? t.ackNumber() : 0;
  s.flags = flags;
  s.window = (flags & kRst) ? 0 : windowField(const_cast<Tcb&>(t));
  if (sack) {
    Tcb& m = const_cast<Tcb&>(t);
    if (m.dsackPending) {
      s.sack[s.sackCount++] = {m.dsackStart, m.dsackEnd};
      m.dsackPending = false;
    }
    // The freshest out-of-order range first (RFC 2018), then the others by recency.
    uint32_t used = 0;
    while (s.sackCount < 4) {
      int best = -1;
      for (unsigned i = 0; i < m.outOfOrder.size(); ++i) {
        if (used & (1u << i)) continue;
        if (best < 0 || m.outOfOrder[i].touched > m.outOfOrder[static_cast<unsigned>(best)].touched) best = static_cast<int>(i);
      }
      if (best < 0) break;
      used |= 1u << best;
      s.sack[s.sackCount++] = {m.outOfOrder[static_cast<unsigned>(best)].start, m.outOfOrder[static_cast<unsigned>(best)].end};
    }
  }
  uint32_t capacity = 0;
  uint8_t* buf = sink_.begin(capacity);
  if (buf == nullptr) return;
  sink_.commit(t.path.port, writeSegment(buf, capacity, s));
}

bool Endpoint::sendData(uint32_t id, uint32_t seq, uint32_t length, bool fin, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  uint32_t capacity = 0;
  uint8_t* buf = sink_.begin(capacity);
  if (buf == nullptr) return false;
  SegmentSpec s = specOf(t.path);
  s.seq = seq;
  s.ack = t.ackNumber();
  s.flags = static_cast<uint8_t>(kAck | (length > 0 ? kPsh : 0) | (fin ? kFin : 0));
  s.window = windowField(t);
  std::span<const uint8_t> pieces[2];
  if (length > 0) {
    const unsigned n = t.send.pieces(pool_, seq - dataBase(t), length, pieces, 2);
    s.head = pieces[0];
    if (n > 1) s.body = pieces[1];
  }
  if (t.dsackPending || !t.outOfOrder.empty()) {
    // Rare: the data segment carries our SACK information too.
    sink_.commit(t.path.port, 0);
    sendControl(t, seq, kAck, true);
    buf = sink_.begin(capacity);
    if (buf == nullptr) return false;
  }
  const uint16_t n = writeSegment(buf, capacity, s);
  sink_.commit(t.path.port, n);
  t.ackNow = false;
  t.unackedSegments = 0;
  t.delackDueMs = 0;
  (void)nowUs;
  return n != 0;
}

void Endpoint::transmit(uint32_t id, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  const uint32_t nowMs = msOf(nowUs);
  const bool sending = t.state == State::kEstablished || t.state == State::kCloseWait ||
                       t.state == State::kFinWait1 || t.state == State::kClosing || t.state == State::kLastAck;
  for (unsigned budget = 0; sending && budget < 256; ++budget) {
    const uint32_t cwnd = t.cc.cwnd();
    const uint32_t inPipe = pipe(t);
    if (inPipe + t.mss > cwnd && inPipe > 0) break;
    if (t.inRecovery) {
      uint32_t start = 0;
      const uint32_t length = nextHole(t, lostEdge(t), start);
      if (length > 0) {
        // A retransmission; it may carry the FIN again.
        const uint32_t dataEnd = seqMin(start + length, t.sndEnd);
        const uint32_t dataLength = seqGt(dataEnd, start) ? dataEnd - start : 0;
        const bool fin = t.finSent && start + length == t.sndEnd + 1;
        if (!sendData(id, start, dataLength, fin, nowUs)) break;
        t.highRxt = start + length;
        ++t.rtxInEpoch;
        t.rttTiming = false;
        LcoreCounters::bump(counters_.tcpRetransmits);
        if (t.rtoDueMs == 0) armRto(t, nowMs);
        continue;
      }
    }
    const uint32_t pending = t.sndEnd - t.sndNxt;
    const uint32_t peerEdge = t.sndUna + t.sndWnd;
    const uint32_t peerRoom = seqGt(peerEdge, t.sndNxt) ? peerEdge - t.sndNxt : 0;
    const uint32_t ccRoom = cwnd > inPipe ? cwnd - inPipe : 0;
    if (t.sndNxt != t.sndEnd + 1 && pending > 0) {
      const uint32_t length = std::min({pending, static_cast<uint32_t>(t.mss), peerRoom, ccRoom});
      if (length == 0) break;
      const bool fin = t.finQueued && length == pending;
      if (!sendData(id, t.sndNxt, length, fin, nowUs)) break;
      if (!t.rttTiming) {
        t.rttTiming = true;
        t.rttSeq = t.sndNxt + length;
        t.rttStartUs = nowUs;
      }
      t.sndNxt += length;
      if (fin) {
        ++t.sndNxt;
        t.finSent = true;
        t.state = t.state == State::kCloseWait ? State::kLastAck : State::kFinWait1;
      }
      if (t.rtoDueMs == 0) armRto(t, nowMs);
      continue;
    }
    if (t.finQueued && !t.finSent && pending == 0) {
      if (!sendData(id, t.sndNxt, 0, true, nowUs)) break;
      ++t.sndNxt;
      t.finSent = true;
      t.state = t.state == State::kCloseWait ? State::kLastAck : State::kFinWait1;
      if (t.rtoDueMs == 0) armRto(t, nowMs);
    }
    break;
  }
  if (t.ackNow && t.state != State::kSynSent && t.state != State::kClosed) {
    sendControl(t, t.sndNxt, kAck, t.sackOk);
    t.ackNow = false;
    t.unackedSegments = 0;
    t.delackDueMs = 0;
  }
  // Bytes wait on a shut window with nothing in flight: probe it (the persist timer).
  if (sending && t.sndWnd == 0 && t.sndNxt == t.sndUna && t.sndEnd != t.sndNxt && t.persistDueMs == 0) {
    t.persistDueMs = deadline(nowMs + std::max<uint32_t>(t.rtt.rtoUs() / 1000, 1));
  }
  reschedule(id);
}

void Endpoint::flush(uint64_t nowUs) {
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    const uint32_t id = dirty_[i];
    tcbs_[id].onDirty = false;
    if (tcbs_[id].state != State::kFree) transmit(id, nowUs);
  }
  dirty_.clear();
}

void Endpoint::onRtoExpired(uint32_t id, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  const uint32_t nowMs = msOf(nowUs);
  if (t.state == State::kSynSent) {
    if (++t.synRetries > settings_.synRetries) {
      enterClosed(id, kTimedOut);
      return;
    }
    t.rttTiming = false;
    sendSyn(t);
    t.backoff = t.synRetries;
    armRto(t, nowMs);
    return;
  }
  if (t.sndNxt == t.sndUna) return;
  if (++t.backoff > settings_.retries) {
    LcoreCounters::bump(counters_.tcpConnectionsTimedOut);
    enterClosed(id, kTimedOut);
    return;
  }
  LcoreCounters::bump(counters_.tcpRtoTimeouts);
  t.cc.onTimeout(t.inFlight());
  t.inRecovery = true;
  t.rtoRecovery = true;
  t.recoverSeq = t.sndNxt;
  t.highRxt = t.sndUna;
  t.rtxInEpoch = t.dsackInEpoch = 0;
  t.rttTiming = false;
  t.dupAcks = 0;
  armRto(t, nowMs);
  markDirty(id);
}

void Endpoint::runTimers(uint64_t nowUs) {
  const uint32_t nowMs = msOf(nowUs);
  wheel_.advance(nowMs, [&](uint32_t id) {
    Tcb& t = tcbs_[id];
    if (t.state == State::kFree || t.state == State::kClosed) return;
    if (expired(t.delackDueMs, nowMs)) {
      t.delackDueMs = 0;
      t.ackNow = true;
      markDirty(id);
    }
    if (expired(t.rtoDueMs, nowMs)) {
      t.rtoDueMs = 0;
      onRtoExpired(id, nowUs);
      if (t.state == State::kClosed) return;
    }
    if (expired(t.persistDueMs, nowMs)) {
      // A probe below the window (Linux's): the peer answers with its window.
      sendControl(t, t.sndUna - 1, kAck, false);
      t.backoff = static_cast<uint8_t>(std::min<uint32_t>(t.backoff + 1u, 6));
      const uint32_t wait = std::min<uint32_t>((t.rtt.rtoUs() / 1000) << t.backoff, settings_.maxRtoMs);
      t.persistDueMs = deadline(nowMs + std::max<uint32_t>(wait, 1));
    }
    if (expired(t.closeDueMs, nowMs)) {
      t.closeDueMs = 0;
      if (t.state == State::kTimeWait || t.state == State::kFinWait2) {
        enterClosed(id, kClosed);
        return;
      }
    }
    reschedule(id);
  });
}

}  // namespace portico::dp::tcp
