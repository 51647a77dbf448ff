#include "dataplane/tcp/endpoint.h"

#include <algorithm>

#include "dataplane/lb/tcp_state.h"
#include "dataplane/tcp/segment_writer.h"

namespace portico::dp::tcp {

namespace {

constexpr uint8_t kFin = lb::kTcpFin, kSyn = lb::kTcpSyn, kRst = lb::kTcpRst, kAck = lb::kTcpAck, kPsh = 0x08;
// Tail loss probes before the retransmission timer may fire, each after twice the wait of
// the one before. RFC 8985 sends one; on a short lossy path the probe or its ACK is lost
// often enough that a second and third save a 200 ms timeout at the cost of a segment.
constexpr uint8_t kMaxProbes = 3;

uint32_t msOf(uint64_t us) { return static_cast<uint32_t>(us / 1000); }
// 0 means "off" for the millisecond timers; a deadline that falls on 0 moves to 1.
uint32_t deadline(uint32_t ms) { return ms == 0 ? 1 : ms; }
bool expired(uint32_t dueMs, uint32_t nowMs) { return dueMs != 0 && static_cast<int32_t>(nowMs - dueMs) >= 0; }
// The largest segment on a path: Ethernet's, or the port's clamp when that is less.
uint16_t localMss(const Path& p) { return tighterMss(p.family == 4 ? 1460 : 1440, p.mssClamp); }

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

Endpoint::Endpoint(const Settings& settings, uint32_t connections, ChunkPool& pool, FrameSink* sink,
                   LcoreCounters& counters)
    : settings_(settings), tcbs_(connections), pool_(pool), sink_(sink), counters_(counters), wheel_(connections) {
  free_.reserve(connections);
  for (uint32_t i = connections; i-- > 0;) free_.push_back(i);
  dirty_.reserve(connections);
  pipes_.reserve(connections);
  events_.reserve(connections);
  fast_.reserve(connections);
  timeWait_.resize(connections);
}

void Endpoint::enterTimeWait(Tcb& t, uint32_t nowMs) {
  t.state = State::kTimeWait;
  t.closeDueMs = deadline(nowMs + settings_.timeWaitMs);
  const auto capacity = static_cast<uint32_t>(timeWait_.size());
  if (timeWaitCount_ == capacity) {  // every entry is stale by then: drop the oldest
    timeWaitFirst_ = (timeWaitFirst_ + 1) % capacity;
    --timeWaitCount_;
  }
  timeWait_[(timeWaitFirst_ + timeWaitCount_) % capacity] = static_cast<uint32_t>(&t - tcbs_.data());
  ++timeWaitCount_;
}

uint32_t Endpoint::oldestTimeWait() {
  const auto capacity = static_cast<uint32_t>(timeWait_.size());
  while (timeWaitCount_ > 0) {
    const uint32_t id = timeWait_[timeWaitFirst_];
    timeWaitFirst_ = (timeWaitFirst_ + 1) % capacity;
    --timeWaitCount_;
    if (tcbs_[id].state == State::kTimeWait) return id;
  }
  return kNone;
}

uint32_t Endpoint::allocate() {
  if (free_.empty()) return kNone;
  const uint32_t id = free_.back();
  free_.pop_back();
  Tcb& t = tcbs_[id];
  // A slot may still sit on the output or event list from its last life: keep it there
  // once rather than twice.
  const bool onDirty = t.onDirty, onEvents = t.onEvents, onFast = t.onFast;
  t = Tcb{};
  t.onDirty = onDirty;
  t.onEvents = onEvents;
  t.onFast = onFast;
  t.rtt = RttEstimator(settings_.initialRtoMs * 1000, settings_.minRtoMs * 1000, settings_.maxRtoMs * 1000);
  return id;
}

void Endpoint::initSend(Tcb& t, uint32_t iss, uint16_t peerMss) {
  t.iss = iss;
  t.sndUna = iss;
  t.sndNxt = iss + 1;
  t.sndEnd = iss + 1;
  t.mss = std::min<uint16_t>(std::max(peerMss, kMinMss), localMss(t.path));
  t.cc.init(t.mss, settings_.initialWindowSegments);
  t.quickAcks = settings_.quickAckSegments;
}

uint32_t Endpoint::accept(const Path& path, uint32_t iss, uint32_t irs, const SynOptions& peer, uint16_t window) {
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
  return id;
}

uint32_t Endpoint::connect(const Path& path, uint32_t iss, uint64_t nowUs) {
  const uint32_t id = allocate();
  if (id == kNone) return kNone;
  Tcb& t = tcbs_[id];
  t.path = path;
  t.state = State::kSynSent;
  initSend(t, iss, localMss(path));
  t.rcvScale = settings_.windowScale;
  sendSyn(t);
  t.synSentUs = nowUs;
  armRto(t, msOf(nowUs));
  reschedule(id);
  return id;
}

void Endpoint::sendSyn(const Tcb& t) {
  SegmentSpec s = specOf(t.path);
  s.seq = t.iss;
  s.flags = kSyn;
  s.window = static_cast<uint16_t>(std::min<uint32_t>(settings_.receiveBufferBytes, 0xffff));
  s.mss = localMss(t.path);
  s.windowScale = settings_.windowScale;
  s.sackPermitted = true;
  uint32_t capacity = 0;
  uint8_t* buf = sink_->begin(capacity);
  if (buf == nullptr) return;
  sink_->commit(t.path.port, writeSegment(buf, capacity, s));
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
  (t.pipe ? pipes_ : dirty_).push_back(id);
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
  t.tlpDueUs = t.rackDueUs = 0;
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
  t.mss = std::min<uint16_t>(std::max(seg.syn.mss, kMinMss), localMss(t.path));
  t.cc.init(t.mss, settings_.initialWindowSegments);
  t.sndWnd = seg.window;  // never scaled in a SYN
  t.maxSndWnd = t.sndWnd;
  t.sndWl1 = seg.seq;
  t.sndWl2 = seg.ack;
  if (t.synRetries == 0) t.rtt.sample(static_cast<uint32_t>(nowUs - t.synSentUs));
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

// The bounds of entry i of the sent log.
uint32_t Endpoint::entryStart(const Tcb& t, uint32_t i) const { return i == 0 ? t.sndUna : t.sent[i - 1].end; }

void Endpoint::processSack(Tcb& t, const SegmentIn& seg, uint32_t nowUs) {
  for (unsigned i = 0; i < seg.sackCount; ++i) {
    const SackBlock b = seg.sack[i];
    if (!seqLt(b.start, b.end)) continue;
    const bool dsack = i == 0 && (seqLe(b.end, seg.ack) ||
                                  (seg.sackCount > 1 && seqLe(seg.sack[1].start, b.start) &&
                                   seqLe(b.end, seg.sack[1].end)));
    if (dsack) {
      // The peer had this twice: a retransmission of ours it did not need. With all of a
      // recovery's retransmissions shown needless, the recovery is undone; and the
      // reordering window grows, since reordering is what fooled it (RFC 8985 6.2).
      if (t.rtxInEpoch > 0 && ++t.dsackInEpoch == t.rtxInEpoch) {
        t.cc.undo();
        LcoreCounters::bump(counters_.tcpRecoveriesUndone);
      }
      t.reoWndMult = static_cast<uint8_t>(std::min(t.reoWndMult + 1, 16));
      t.reorderingSeen = true;
      continue;
    }
    const uint32_t start = seqMax(b.start, t.sndUna), end = seqMin(b.end, t.sndNxt);
    if (!seqLt(start, end) || !t.sent.attached()) continue;
    for (uint32_t e = t.sent.find(start); e < t.sent.size(); ++e) {
      SentLog::Entry& entry = t.sent[e];
      if (seqGt(entry.end, end)) break;
      const uint32_t from = entryStart(t, e);
      if (seqLt(from, start) || entry.has(SentLog::kSacked)) continue;
      const uint32_t length = entry.end - from;
      entry.set(SentLog::kSacked);
      t.sackedBytes += length;
      if (entry.has(SentLog::kLost)) {
        entry.clear(SentLog::kLost);
        t.lostBytes -= length;
      }
      rackDelivered(t, entry, nowUs);
    }
  }
}

// RACK: a delivered segment moves the reference point to the latest transmission known
// to have arrived, and gives a round trip. A retransmission answered faster than the
// minimum round trip was its original arriving late: it says nothing (RFC 8985 6.2).
void Endpoint::rackDelivered(Tcb& t, const SentLog::Entry& entry, uint32_t nowUs) {
  const uint32_t rtt = nowUs - entry.sentUs();
  if (entry.has(SentLog::kRetransmitted) && t.rtt.measured() && rtt < t.rtt.minRttUs()) return;
  // Sent once, and delivered after a later segment was: the path reorders.
  if (t.rackValid && !entry.has(SentLog::kRetransmitted) && seqLt(entry.end, t.rackEnd)) t.reorderingSeen = true;
  t.rackRttUs = rtt;
  if (!t.rackValid || static_cast<int32_t>(entry.sentUs() - t.rackSentUs) > 0 ||
      (entry.sentUs() == t.rackSentUs && seqGt(entry.end, t.rackEnd))) {
    t.rackSentUs = entry.sentUs();
    t.rackEnd = entry.end;
    t.rackValid = true;
  }
}

void Endpoint::markLost(Tcb& t, uint32_t i) {
  SentLog::Entry& entry = t.sent[i];
  if (entry.has(SentLog::kLost) || entry.has(SentLog::kSacked)) return;
  entry.set(SentLog::kLost);
  t.lostBytes += entry.end - entryStart(t, i);
  t.lostHint = std::min(t.lostHint, i);
}

// RFC 8985 6.2 step 5: a segment sent before the latest delivered one, and not delivered
// itself a reordering window after that, is lost. The earliest that is not yet due sets
// the reordering timer.
void Endpoint::rackDetect(Tcb& t, uint32_t nowUs) {
  t.rackDueUs = 0;
  if (!t.rackValid || !t.sent.attached()) return;
  // No reordering seen so far, and in recovery or with three segments' worth SACKed: a
  // hole is lost at once, as three duplicate ACKs would say (RFC 8985 6.2 step 4).
  const bool wait = t.reorderingSeen || (!t.inRecovery && t.sackedBytes < 3u * t.mss);
  const uint32_t reoWnd =
      wait ? std::min<uint32_t>(t.reoWndMult * (t.rtt.minRttUs() / 4), t.rtt.srttUs() != 0 ? t.rtt.srttUs() : 1'000'000)
           : 0;
  uint32_t due = 0;
  for (uint32_t i = 0; i < t.sent.size(); ++i) {
    const SentLog::Entry& entry = t.sent[i];
    if (seqGt(entry.end, t.rackEnd) && !entry.has(SentLog::kRetransmitted)) break;
    if (entry.has(SentLog::kSacked) || entry.has(SentLog::kLost)) continue;
    const int32_t sentBefore = static_cast<int32_t>(t.rackSentUs - entry.sentUs());
    if (sentBefore < 0 || (sentBefore == 0 && !seqLt(entry.end, t.rackEnd))) continue;
    const int32_t remaining = static_cast<int32_t>(entry.sentUs() + t.rackRttUs + reoWnd - nowUs);
    if (remaining <= 0) {
      markLost(t, i);
    } else if (due == 0 || static_cast<uint32_t>(remaining) < due) {
      due = static_cast<uint32_t>(remaining);
    }
  }
  if (due != 0) armFast(t, t.rackDueUs, nowUs + due);
}

uint32_t Endpoint::pipe(const Tcb& t) const {
  // RFC 6675 SetPipe(): outstanding bytes less those SACKed and those lost and not yet
  // sent again.
  const uint32_t out = t.inFlight();
  return out > t.sackedBytes + t.lostBytes ? out - t.sackedBytes - t.lostBytes : 0;
}

void Endpoint::processAck(uint32_t id, const SegmentIn& seg, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  if (seqGt(seg.ack, t.sndNxt)) {
    t.ackNow = true;  // acknowledges what was never sent
    markDirty(id);
    return;
  }
  const uint32_t nowMs = msOf(nowUs);
  const auto us = static_cast<uint32_t>(nowUs);
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
  const uint32_t sackedBefore = t.sackedBytes;
  if (t.sackOk && seg.sackCount > 0) processSack(t, seg, us);
  const bool newSack = t.sackedBytes != sackedBefore;
  // Bytes this ACK says arrived: newly SACKed, and newly acknowledged but not SACKed before.
  uint32_t delivered = t.sackedBytes > sackedBefore ? t.sackedBytes - sackedBefore : 0;

  if (seqGt(seg.ack, t.sndUna)) {
    const uint32_t flight = t.inFlight();
    const uint32_t acked = seg.ack - t.sndUna;
    const uint32_t base = dataBase(t);
    const uint32_t dataEnd = seqMin(seg.ack, t.sndEnd);
    if (seqGt(dataEnd, base)) {
      t.send.consume(pool_, dataEnd - base);
      raise(id, kWritable);
    }
    // Entries wholly acknowledged leave the log; the newest one sent once gives a round
    // trip (Karn's rule: a retransmitted one could answer either sending).
    int64_t rttSample = -1;
    while (!t.sent.empty() && seqLe(t.sent[0].end, seg.ack)) {
      const SentLog::Entry entry = t.sent[0];
      const uint32_t length = entry.end - t.sndUna;
      if (entry.has(SentLog::kSacked)) {
        t.sackedBytes -= length;
      } else {
        delivered += length;
        if (entry.has(SentLog::kLost)) t.lostBytes -= length;
        rackDelivered(t, entry, us);
        if (!entry.has(SentLog::kRetransmitted)) rttSample = us - entry.sentUs();
      }
      t.sndUna = entry.end;
      t.sent.popFront();
      t.lostHint = t.lostHint > 0 ? t.lostHint - 1 : 0;
    }
    if (!t.sent.empty() && seqGt(seg.ack, t.sndUna)) {
      // Part of a segment: its counted bytes shrink with it.
      const SentLog::Entry& entry = t.sent[0];
      const uint32_t part = seg.ack - t.sndUna;
      if (!entry.has(SentLog::kSacked)) delivered += part;
      if (entry.has(SentLog::kSacked)) t.sackedBytes -= part;
      if (entry.has(SentLog::kLost)) t.lostBytes -= part;
    }
    t.sndUna = seg.ack;
    if (t.sent.empty()) t.sent.detach(pool_);
    if (rttSample >= 0) t.rtt.sample(static_cast<uint32_t>(rttSample));
    if (t.sndUna == t.sndEnd || (t.finSent && t.sndUna == t.sndEnd + 1)) t.send.clear(pool_);
    t.backoff = 0;
    t.dupAcks = 0;
    t.probes = 0;
    if (t.inRecovery && seqGe(t.sndUna, t.recoverSeq)) {
      t.inRecovery = false;
      t.rtoRecovery = false;
    } else if (t.inRecovery && !t.sackOk && !t.sent.empty()) {
      markLost(t, 0);  // NewReno: a partial ACK says the next segment is lost too
    }
    if (!t.inRecovery || t.rtoRecovery) t.cc.onAck(acked, flight, nowUs, t.rtt.srttUs());
    if (t.sndUna == t.sndNxt) {
      t.rtoDueMs = 0;
      t.tlpDueUs = t.rackDueUs = 0;
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
  if (t.sndNxt == t.sndUna || !t.sent.attached()) return;
  // Anything delivered answers an outstanding probe, and the next stall may have one again:
  // the probe timer restarts from this ACK (RFC 8985 7.2).
  if (delivered > 0) {
    t.probes = 0;
    armSendTimers(t, nowUs);
  }
  const uint32_t lostBefore = t.lostBytes;
  if (t.sackOk) {
    rackDetect(t, us);
  } else if (t.dupAcks >= 3 && !t.inRecovery) {
    markLost(t, 0);  // NewReno's fast retransmit
  }
  if (t.lostBytes > lostBefore) {
    markDirty(id);
    if (!t.inRecovery) enterRecovery(t);
  }
  if (t.inRecovery && !t.rtoRecovery) prrOnAck(t, delivered);
}

// Fast recovery (RFC 6675, with RACK deciding what is lost): once per window.
void Endpoint::enterRecovery(Tcb& t) {
  t.inRecovery = true;
  t.rtoRecovery = false;
  t.recoverSeq = t.sndNxt;
  t.rtxInEpoch = t.dsackInEpoch = 0;
  t.recoverFs = t.inFlight();
  t.prrDelivered = t.prrOut = 0;
  t.cc.onCongestion(t.inFlight());
  // The first lost segment goes at once, whatever the window (RFC 5681 3.2 step 4).
  t.prrSendable = t.mss;
  t.recoveryCwnd = pipe(t) + t.mss;
  LcoreCounters::bump(counters_.tcpFastRecoveries);
}

// RFC 6937: on each ACK of the recovery, what may be sent: in proportion to what was
// delivered while more than ssthresh is in flight, then up to ssthresh (slow start
// reduction bound), at least what this ACK delivered.
void Endpoint::prrOnAck(Tcb& t, uint32_t delivered) {
  t.prrDelivered += delivered;
  const uint32_t inPipe = pipe(t);
  const uint32_t ssthresh = t.cc.ssthresh();
  int64_t sendable;
  if (inPipe > ssthresh) {
    const uint64_t due = (static_cast<uint64_t>(t.prrDelivered) * ssthresh + t.recoverFs - 1) / std::max(t.recoverFs, 1u);
    sendable = static_cast<int64_t>(due) - t.prrOut;
  } else {
    const int64_t limit = std::max<int64_t>(static_cast<int64_t>(t.prrDelivered) - t.prrOut, delivered) + t.mss;
    sendable = std::min<int64_t>(static_cast<int64_t>(ssthresh) - inPipe, limit);
  }
  t.prrSendable = std::max<uint32_t>(t.prrSendable, static_cast<uint32_t>(std::max<int64_t>(sendable, 0)));
  // As Linux sets cwnd: what was in flight plus what may go. Segments the reordering timer
  // marks lost later leave the pipe, and their retransmissions fit under it.
  t.recoveryCwnd = inPipe + t.prrSendable;
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
      if (t.outOfOrder.empty()) releaseOutOfOrder(t);
      filled = true;
    }
    raise(id, kReadable);
    if (seg.flags & kPsh) t.pushed = true;
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
      // Past the inline ranges: they move to a chunk of their own, if one is free.
      if (!t.outOfOrder.spilled() && (t.oooChunk = pool_.allocate()) != ChunkPool::kNone) {
        t.outOfOrder.spill(reinterpret_cast<SeqRange*>(pool_.data(t.oooChunk)),
                           ChunkPool::kChunkBytes / sizeof(SeqRange));
      }
      if (!t.outOfOrder.add(seq, seq + length)) counters_.drop(DropReason::kTcpOutOfOrderFull);  // sent again
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
    case State::kFinWait2: enterTimeWait(t, msOf(nowUs)); break;
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
    case State::kClosing: enterTimeWait(t, msOf(nowUs)); break;
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
  if (t.pipe) {
    markDirty(id);  // room for what its layer holds back
    return;
  }
  // A window update once the window the peer knows has at least doubled (Linux's rule):
  // a reader that drained a nearly shut window must not wait for the peer's probe.
  // The application took everything, the last of it pushed, and an ACK is being held: it
  // goes now (Linux's rule in tcp_cleanup_rbuf). A peer whose Nagle holds its next small
  // write until this ACK (a response head, then its body) is not kept waiting 40 ms.
  if (t.delackDueMs != 0 && t.pushed && t.rcvRead == t.rcvNxt) {
    t.ackNow = true;
    markDirty(id);
  }
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
  return append(tcbs_[from].receive, offset, to, n);
}

uint32_t Endpoint::unacknowledged(uint32_t id) const {
  const Tcb& t = tcbs_[id];
  // Until the SYN is acknowledged sndUna is the SYN's own number, not a byte's.
  return t.sndEnd - t.sndUna - (t.sndUna == t.iss ? 1u : 0u);
}

uint32_t Endpoint::copyUnacknowledged(uint32_t from, uint32_t to) {
  return append(tcbs_[from].send, 0, to, unacknowledged(from));
}

uint32_t Endpoint::append(StreamBuffer& source, uint32_t offset, uint32_t to, uint32_t n) {
  n = std::min(n, writable(to));
  uint32_t done = 0;
  std::span<const uint8_t> pieces[8];
  while (done < n) {
    const unsigned count = source.pieces(pool_, offset + done, n - done, pieces, 8);
    if (count == 0) break;
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
  if (t.pipe) {
    enterClosed(id, 0);
    markDirty(id);  // its layer ends the connection it stands for
    return;
  }
  if (t.state == State::kTimeWait) {
    enterClosed(id, 0);  // both sides are done: nothing to reset
    return;
  }
  if (t.state != State::kSynSent) {
    sendControl(t, t.sndNxt, kRst | kAck, false);
  } else {
    sendControl(t, t.iss + 1, kRst, false);
  }
  enterClosed(id, 0);
}

void Endpoint::abortAll() {
  for (uint32_t id = 0; id < tcbs_.size(); ++id) abort(id);
}

void Endpoint::kill(uint32_t id) {
  if (tcbs_[id].state == State::kFree) return;
  abort(id);
  raise(id, kReset);
}

void Endpoint::release(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (t.state == State::kFree) return;
  if (t.state != State::kClosed) abort(id);
  t.send.clear(pool_);
  t.receive.clear(pool_);
  t.sent.detach(pool_);
  releaseOutOfOrder(t);
  wheel_.cancel(id);
  t.state = State::kFree;
  t.user = kNone;
  free_.push_back(id);
}

uint32_t Endpoint::openPipe(const Path& path) {
  const uint32_t id = allocate();
  if (id == kNone) return kNone;
  Tcb& t = tcbs_[id];
  t.path = path;
  t.pipe = true;
  t.state = State::kEstablished;
  t.iss = 0;
  t.sndUna = t.sndNxt = t.sndEnd = 1;
  t.rcvNxt = t.rcvRead = 1;
  t.mss = localMss(path);
  return id;
}

uint32_t Endpoint::pipeRoom(uint32_t id) const {
  const Tcb& t = tcbs_[id];
  if (t.finReceived || t.state == State::kClosed || t.state == State::kFree) return 0;
  const uint32_t held = t.rcvNxt - t.rcvRead;
  return held < settings_.receiveBufferBytes ? settings_.receiveBufferBytes - held : 0;
}

uint32_t Endpoint::pipeDeliver(uint32_t id, std::span<const uint8_t> data) {
  const uint32_t n = std::min<uint32_t>(pipeRoom(id), static_cast<uint32_t>(data.size()));
  if (n == 0) return 0;
  Tcb& t = tcbs_[id];
  const uint32_t stored = t.receive.write(pool_, t.rcvNxt - t.rcvRead, data.first(n));
  if (stored < n) counters_.drop(DropReason::kTcpPoolEmpty);
  t.rcvNxt += stored;
  if (stored > 0) raise(id, kReadable);
  return stored;
}

void Endpoint::pipeDeliverFin(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (t.finReceived || t.state == State::kClosed || t.state == State::kFree) return;
  t.finReceived = true;
  raise(id, kReadable | kPeerClosed);
  if (t.state == State::kEstablished) {
    t.state = State::kCloseWait;
  } else if (t.state == State::kFinWait2) {
    enterClosed(id, kClosed);
  }
}

unsigned Endpoint::pipePeek(uint32_t id, uint32_t length, std::span<const uint8_t>* out, unsigned max) {
  return tcbs_[id].send.pieces(pool_, 0, std::min(length, pipePending(id)), out, max);
}

void Endpoint::pipeTake(uint32_t id, uint32_t n) {
  Tcb& t = tcbs_[id];
  n = std::min(n, pipePending(id));
  if (n == 0) return;
  t.send.consume(pool_, n);
  t.sndUna += n;
  t.sndNxt = t.sndUna;
  raise(id, kWritable);
}

void Endpoint::pipeFinTaken(uint32_t id) {
  Tcb& t = tcbs_[id];
  if (!pipeFinDue(id)) return;
  t.finSent = true;
  if (t.finReceived) {
    enterClosed(id, kClosed);
  } else {
    t.state = State::kFinWait2;
  }
}

void Endpoint::releaseOutOfOrder(Tcb& t) {
  if (t.oooChunk == ChunkPool::kNone) return;
  t.outOfOrder.clear();
  t.outOfOrder.unspill();
  pool_.release(t.oooChunk);
  t.oooChunk = ChunkPool::kNone;
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

// Our SACK blocks (RFC 2018): a D-SACK first when one is owed, then the out-of-order
// ranges, the freshest first.
void Endpoint::addSackBlocks(Tcb& t, SegmentSpec& s) {
  if (t.dsackPending) {
    s.sack[s.sackCount++] = {t.dsackStart, t.dsackEnd};
    t.dsackPending = false;
  }
  uint32_t used = 0;
  while (s.sackCount < 4) {
    int best = -1;
    for (unsigned i = 0; i < std::min(t.outOfOrder.size(), 32u); ++i) {
      if (used & (1u << i)) continue;
      if (best < 0 || t.outOfOrder[i].touched > t.outOfOrder[static_cast<unsigned>(best)].touched) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) break;
    used |= 1u << best;
    const SeqRange& r = t.outOfOrder[static_cast<unsigned>(best)];
    s.sack[s.sackCount++] = {r.start, r.end};
  }
}

void Endpoint::sendControl(Tcb& t, uint32_t seq, uint8_t flags, bool sack) {
  SegmentSpec s = specOf(t.path);
  s.seq = seq;
  s.ack = (flags & kAck) ? t.ackNumber() : 0;
  s.flags = flags;
  s.window = (flags & kRst) ? 0 : windowField(t);
  if (sack) addSackBlocks(t, s);
  uint32_t capacity = 0;
  uint8_t* buf = sink_->begin(capacity);
  if (buf == nullptr) return;
  sink_->commit(t.path.port, writeSegment(buf, capacity, s));
}

bool Endpoint::sendData(uint32_t id, uint32_t seq, uint32_t length, bool fin) {
  Tcb& t = tcbs_[id];
  uint32_t capacity = 0;
  uint8_t* buf = sink_->begin(capacity);
  if (buf == nullptr) return false;
  SegmentSpec s = specOf(t.path);
  s.seq = seq;
  s.ack = t.ackNumber();
  s.flags = static_cast<uint8_t>(kAck | (length > 0 ? kPsh : 0) | (fin ? kFin : 0));
  s.window = windowField(t);
  if (t.sackOk) addSackBlocks(t, s);
  std::span<const uint8_t> pieces[2];
  if (length > 0) {
    const unsigned n = t.send.pieces(pool_, seq - dataBase(t), length, pieces, 2);
    s.head = pieces[0];
    if (n > 1) s.body = pieces[1];
  }
  const uint16_t n = writeSegment(buf, capacity, s);
  sink_->commit(t.path.port, n);
  t.ackNow = false;
  t.pushed = false;
  t.unackedSegments = 0;
  t.delackDueMs = 0;
  return n != 0;
}

// The tail loss probe's timeout (RFC 8985 7.2): two round trips and a little (receivers
// stretch their ACKs over a burst), and the peer's delayed ACK on top when one segment is
// all that is out.
uint32_t Endpoint::probeTimeoutUs(const Tcb& t) const {
  uint32_t pto = 2 * t.rtt.srttUs() + 500;
  if (t.sent.size() == 1) pto += settings_.delayedAckMs * 1000;
  return pto;
}

void Endpoint::armFast(Tcb& t, uint32_t& due, uint32_t at) {
  due = at == 0 ? 1 : at;
  if (t.onFast) return;
  t.onFast = true;
  fast_.push_back(static_cast<uint32_t>(&t - tcbs_.data()));
}

void Endpoint::runFastTimers(uint64_t nowUs) {
  const auto us = static_cast<uint32_t>(nowUs);
  for (std::size_t i = 0; i < fast_.size();) {
    const uint32_t id = fast_[i];
    Tcb& t = tcbs_[id];
    const bool live = t.state != State::kFree && t.state != State::kClosed;
    if (live && t.rackDueUs != 0 && static_cast<int32_t>(us - t.rackDueUs) >= 0) {
      const uint32_t lostBefore = t.lostBytes;
      rackDetect(t, us);
      if (t.lostBytes > lostBefore) {
        markDirty(id);
        if (!t.inRecovery) enterRecovery(t);
      }
    }
    if (live && t.tlpDueUs != 0 && static_cast<int32_t>(us - t.tlpDueUs) >= 0) {
      t.tlpDueUs = 0;
      onProbeDue(id, nowUs);
    }
    if (!live || (t.rackDueUs == 0 && t.tlpDueUs == 0)) {
      t.onFast = false;
      fast_[i] = fast_.back();
      fast_.pop_back();
      continue;
    }
    ++i;
  }
}

// After sending: the retransmission timer runs while anything is out, and a tail loss
// probe comes before it. Unlike RFC 8985 (and Linux), the probe is armed in recovery too:
// on a short path the usual stall is one lost cumulative ACK at the end of a flight that
// a shrunk window cannot follow up, and a probe after two round trips ends it where the
// retransmission timer would wait 200 ms and start again from one segment.
void Endpoint::armSendTimers(Tcb& t, uint64_t nowUs) {
  const uint32_t nowMs = msOf(nowUs);
  if (t.sndNxt == t.sndUna) return;
  if (t.rtoDueMs == 0) armRto(t, nowMs);
  if (t.probes < kMaxProbes && t.rtt.measured() && t.sackOk && !t.rtoRecovery) {
    armFast(t, t.tlpDueUs, static_cast<uint32_t>(nowUs) + (probeTimeoutUs(t) << t.probes));
  }
}

void Endpoint::spendPrr(Tcb& t, uint32_t bytes) {
  t.prrOut += bytes;
  t.prrSendable = t.prrSendable > bytes ? t.prrSendable - bytes : 0;
}

void Endpoint::transmit(uint32_t id, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  const uint32_t nowMs = msOf(nowUs);
  const auto us = static_cast<uint32_t>(nowUs);
  const bool sending = t.state == State::kEstablished || t.state == State::kCloseWait ||
                       t.state == State::kFinWait1 || t.state == State::kClosing || t.state == State::kLastAck;
  bool sent = false;
  const bool prr = t.inRecovery && !t.rtoRecovery;
  for (unsigned budget = 0; sending && budget < 512; ++budget) {
    const uint32_t cwnd = t.cc.cwnd();
    const uint32_t inPipe = pipe(t);
    // In recovery PRR's allowance, or room under the window (ssthresh by then): what the
    // reordering timer marks lost leaves the pipe and may go even with no ACK arriving.
    const uint32_t window = prr ? std::max(t.recoveryCwnd, inPipe + t.prrSendable) : cwnd;
    if (inPipe + t.mss > window && inPipe > 0) break;
    if (t.lostBytes > 0) {
      // Lost segments first, oldest first; each may carry the FIN again.
      uint32_t i = t.lostHint;
      while (i < t.sent.size() && !t.sent[i].has(SentLog::kLost)) ++i;
      t.lostHint = i;
      if (i < t.sent.size()) {
        SentLog::Entry& entry = t.sent[i];
        const uint32_t start = entryStart(t, i);
        const uint32_t dataEnd = seqMin(entry.end, t.sndEnd);
        const uint32_t dataLength = seqGt(dataEnd, start) ? dataEnd - start : 0;
        const bool fin = t.finSent && entry.end == t.sndEnd + 1;
        if (!sendData(id, start, dataLength, fin)) break;
        entry.clear(SentLog::kLost);
        entry.set(SentLog::kRetransmitted);
        entry.sent(us);
        t.lostBytes -= entry.end - start;
        spendPrr(t, entry.end - start);
        ++t.rtxInEpoch;
        LcoreCounters::bump(counters_.tcpRetransmits);
        sent = true;
        continue;
      }
      t.lostBytes = 0;  // the hint ran off the end: nothing is marked lost after all
    }
    const uint32_t pending = t.finSent ? 0 : t.sndEnd - t.sndNxt;  // nothing follows a FIN
    const uint32_t peerEdge = t.sndUna + t.sndWnd;
    const uint32_t peerRoom = seqGt(peerEdge, t.sndNxt) ? peerEdge - t.sndNxt : 0;
    const uint32_t ccRoom = window > inPipe ? window - inPipe : 0;
    const bool finDue = t.finQueued && !t.finSent;
    if ((pending == 0 && !finDue) || t.sent.full() || !t.sent.attach(pool_)) break;
    uint32_t length = 0;
    if (pending > 0) {
      length = std::min({pending, static_cast<uint32_t>(t.mss), peerRoom, ccRoom});
      if (length == 0) break;
    }
    const bool fin = finDue && length == pending;
    if (!sendData(id, t.sndNxt, length, fin)) break;
    if (prr) spendPrr(t, std::max<uint32_t>(length, 1));
    t.sndNxt += length;
    if (fin) {
      ++t.sndNxt;
      t.finSent = true;
      t.state = t.state == State::kCloseWait ? State::kLastAck : State::kFinWait1;
    }
    t.sent.push(t.sndNxt, us);
    sent = true;
    if (fin) break;
  }
  if (sent) armSendTimers(t, nowUs);
  if (t.ackNow && t.state != State::kSynSent && t.state != State::kClosed) {
    sendControl(t, t.sndNxt, kAck, t.sackOk);
    t.ackNow = false;
    t.pushed = false;
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
  runFastTimers(nowUs);
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    const uint32_t id = dirty_[i];
    tcbs_[id].onDirty = false;
    if (tcbs_[id].state == State::kFree) continue;
    if (tcbs_[id].pipe) {
      markDirty(id);  // listed in its life as a connection: its layer's list now
      continue;
    }
    transmit(id, nowUs);
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
  // Everything out and not SACKed is lost (RFC 6675 5.1, RFC 8985 6.3).
  for (uint32_t i = 0; i < t.sent.size(); ++i) markLost(t, i);
  t.inRecovery = true;
  t.rtoRecovery = true;
  t.recoverSeq = t.sndNxt;
  t.rtxInEpoch = t.dsackInEpoch = 0;
  t.dupAcks = 0;
  t.tlpDueUs = t.rackDueUs = 0;
  armRto(t, nowMs);
  markDirty(id);
}

// The tail loss probe fired: one segment to draw an ACK whose SACK blocks show what was
// lost at the tail, instead of waiting for the retransmission timer (RFC 8985 7.3): new
// data if the windows allow, else the last segment again.
void Endpoint::onProbeDue(uint32_t id, uint64_t nowUs) {
  Tcb& t = tcbs_[id];
  if (t.sndNxt == t.sndUna || t.rtoRecovery || t.sent.empty()) return;
  ++t.probes;
  const uint32_t pending = t.finSent ? 0 : t.sndEnd - t.sndNxt;  // nothing follows a FIN
  const uint32_t peerEdge = t.sndUna + t.sndWnd;
  if (pending > 0 && seqGt(peerEdge, t.sndNxt) && !t.sent.full()) {
    const uint32_t length = std::min({pending, static_cast<uint32_t>(t.mss), peerEdge - t.sndNxt});
    if (!sendData(id, t.sndNxt, length, false)) return;
    t.sndNxt += length;
    t.sent.push(t.sndNxt, static_cast<uint32_t>(nowUs));
  } else {
    const uint32_t last = t.sent.size() - 1;
    SentLog::Entry& entry = t.sent[last];
    const uint32_t start = entryStart(t, last);
    const uint32_t dataEnd = seqMin(entry.end, t.sndEnd);
    if (!sendData(id, start, seqGt(dataEnd, start) ? dataEnd - start : 0, t.finSent && entry.end == t.sndEnd + 1)) {
      return;
    }
    entry.set(SentLog::kRetransmitted);
    entry.sent(static_cast<uint32_t>(nowUs));
    LcoreCounters::bump(counters_.tcpRetransmits);
  }
  LcoreCounters::bump(counters_.tcpLossProbes);
  armRto(t, msOf(nowUs));
  armSendTimers(t, nowUs);  // the next probe, if any is left
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
