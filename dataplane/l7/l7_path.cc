#include "dataplane/l7/l7_path.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "dataplane/l7/answer.h"
#include "dataplane/l7/client_hello.h"
#include "dataplane/l7/health.h"
#include "dataplane/l7/http_request_head.h"
#include "dataplane/l7/proxy_protocol.h"
#include "dataplane/l7/route_select.h"
#include "dataplane/lb/nat.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/pkt/checksum.h"
#include "dataplane/tcp/segment_writer.h"
#include "dataplane/tcp/tcp_options.h"

namespace portico::dp::l7 {

using namespace pkt;
using lb::FlowRecord;
using lb::L4Context;
using snapshot::ListenerProtocol;
using tcp::parseSynOptions;
using tcp::SegmentSpec;
using tcp::shiftSackBlocks;
using tcp::SynOptions;
using tcp::writeSegment;

namespace {

constexpr uint8_t kFin = lb::kTcpFin, kSyn = lb::kTcpSyn, kRst = lb::kTcpRst, kAck = lb::kTcpAck, kPsh = 0x08;

bool seqBefore(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

struct Segment {
  TcpHdr* tcp;
  uint8_t flags;
  uint32_t seq;
  uint32_t ack;
  const uint8_t* payload;
  uint32_t payloadLength;
};

Segment segmentOf(uint8_t* frame, const ParsedPacket& p) {
  auto* tcp = headerAt<TcpHdr>(frame, p.l4Offset);
  return {tcp, tcp->flags, ntoh32(tcp->seq), ntoh32(tcp->ack), frame + p.payloadOffset,
          static_cast<uint32_t>(p.l3End - p.payloadOffset)};
}

uint16_t localMss(uint8_t family) { return family == 4 ? 1460 : 1440; }

// Addresses and ports for a segment against the direction of `k` (a reply to it).
void replyTo(const lb::FlowKey& k, SegmentSpec& s) {
  s.family = k.family;
  s.src = k.dst;
  s.dst = k.src;
  s.srcPortBe = k.dstPort;
  s.dstPortBe = k.srcPort;
}

// A segment towards the client of a flow, from the VIP.
SegmentSpec toClientSpec(const FlowRecord& r, const L4Context& ctx) {
  SegmentSpec s;
  s.srcMac = ctx.ports[r.clientPort].mac;
  s.dstMac = r.clientNextHop;
  replyTo(r.forward, s);
  return s;
}

// A segment towards the backend of a flow, from the SNAT address; false when the next
// hop's address is not known yet.
bool toBackendSpec(const FlowRecord& r, const L4Context& ctx, SegmentSpec& s) {
  const snapshot::BackendEntry* be = ctx.snap.backend(r.backendId);
  if (be == nullptr || !ctx.neighbors.copyMac(be->neighborSlot, s.dstMac.data())) return false;
  s.srcMac = ctx.ports[be->egressPort].mac;
  replyTo(r.reverse, s);
  return true;
}

void emit(L7Worker& l7, uint8_t port, const SegmentSpec& s) {
  uint32_t capacity = 0;
  uint8_t* buf = l7.sink->begin(capacity);
  if (buf == nullptr) return;
  l7.sink->commit(port, writeSegment(buf, capacity, s));
}

Verdict replyInPlace(uint8_t* frame, uint32_t capacity, const SegmentSpec& s) {
  const uint16_t n = writeSegment(frame, capacity, s);
  return n == 0 ? Verdict::drop(DropReason::kReplyTooLarge) : Verdict::reply(n);
}

// The window offered to the client while bytes are held: the buffer's free space.
uint16_t receiveWindow(const Connection& c, uint32_t bufferBytes) {
  const uint32_t room = bufferBytes - c.held;
  return static_cast<uint16_t>(c.clientScale == kNoWindowScale ? std::min<uint32_t>(room, 0xffff)
                                                               : std::min<uint32_t>(room >> kLocalWindowScale, 0xffff));
}

Verdict ackClient(uint8_t* frame, uint32_t capacity, const Connection& c, const FlowRecord& r, const L4Context& ctx,
                  const L7Worker& l7) {
  SegmentSpec s = toClientSpec(r, ctx);
  s.seq = c.localIsn + 1;
  s.ack = c.clientIsn + 1 + c.held;
  s.flags = kAck;
  s.window = receiveWindow(c, l7.settings.bufferBytes);
  return replyInPlace(frame, capacity, s);
}

// The answer segment (with FIN) to the client.
SegmentSpec answerSpec(const Connection& c, const FlowRecord& r, const L4Context& ctx, L7Worker& l7) {
  SegmentSpec s = toClientSpec(r, ctx);
  s.seq = c.localIsn + 1;
  s.ack = c.clientIsn + 1 + c.held;
  s.flags = kAck | kPsh | kFin;
  s.window = receiveWindow(c, l7.settings.bufferBytes);
  s.body = {l7.conns.buffer(c.buffer), c.answerLength};
  return s;
}

// A reset of the client's side of a connection that is not spliced yet.
SegmentSpec clientResetSpec(const Connection& c, const FlowRecord& r, const L4Context& ctx) {
  SegmentSpec s = toClientSpec(r, ctx);
  s.seq = c.localIsn + 1;
  s.ack = c.clientIsn + 1 + c.held;
  s.flags = kRst | kAck;
  return s;
}

// Ends the connection with the appliance's own answer (HTTP) or a reset (TLS). `frame`
// is rewritten into that segment; it leaves through the client's port.
Verdict fail(uint8_t* frame, uint32_t capacity, uint32_t id, AnswerStatus status, const L4Context& ctx, L7Worker& l7) {
  Connection& c = l7.conns[id];
  const uint32_t rec = c.flow;
  FlowRecord& r = ctx.flows.record(rec);
  if (c.tls || (c.buffer == kNoSlot && (c.buffer = l7.conns.allocateBuffer()) == kNoSlot)) {
    const SegmentSpec s = clientResetSpec(c, r, ctx);
    ctx.flows.remove(rec);
    const uint16_t n = writeSegment(frame, capacity, s);
    return n == 0 ? Verdict::drop(DropReason::kReplyTooLarge) : Verdict::forward(r.clientPort, n);
  }
  l7.heads.leave(c.buffer);
  c.answerLength = writeAnswer(status, {l7.conns.buffer(c.buffer), l7.conns.bufferBytes()});
  c.phase = Phase::kAnswering;
  c.retries = 0;
  l7.conns.arm(id, ctx.nowMs + l7.settings.initialRtoMs, l7.settings.initialRtoMs);
  LcoreCounters::bump(ctx.counters.l7Answers);
  const uint16_t n = writeSegment(frame, capacity, answerSpec(c, r, ctx, l7));
  return n == 0 ? Verdict::drop(DropReason::kReplyTooLarge) : Verdict::forward(r.clientPort, n);
}

// The backend SYN: the client's own options, so what the client was promised holds.
void sendBackendSyn(const Connection& c, const FlowRecord& r, const L4Context& ctx, L7Worker& l7) {
  SegmentSpec s;
  if (!toBackendSpec(r, ctx, s)) return;  // the retransmission timer tries again
  s.seq = c.backendSideIsn();
  s.flags = kSyn;
  const uint32_t window = c.clientScale == kNoWindowScale ? c.clientWindow : static_cast<uint32_t>(c.clientWindow) << c.clientScale;
  s.window = static_cast<uint16_t>(std::min<uint32_t>(window, 0xffff));
  const uint8_t egress = ctx.snap.backend(r.backendId)->egressPort;
  s.mss = tcp::tighterMss(c.clientMss, ctx.ports[egress].mss);
  s.windowScale = c.clientScale;
  s.sackPermitted = c.sackPermitted;
  emit(l7, egress, s);
}

// The held bytes (after the PROXY header, if any) to the backend, as far as its window
// allows, in segments of its MSS.
void flushHeld(const Connection& c, const FlowRecord& r, const L4Context& ctx, L7Worker& l7) {
  SegmentSpec base;
  if (!toBackendSpec(r, ctx, base)) return;
  if (c.buffer == kNoSlot) {
    // The backend acknowledged everything already: only our ACK of its SYN is missing.
    base.seq = c.backendSideIsn() + 1 + c.proxyLength + c.held;
    base.ack = c.backendIsn + 1;
    base.flags = kAck;
    base.window = c.clientWindow;
    emit(l7, ctx.snap.backend(r.backendId)->egressPort, base);
    return;
  }
  std::array<uint8_t, kProxyV2MaxLength> proxy{};
  if (c.proxyLength != 0) writeProxyV2(r.forward, proxy);
  const uint8_t* held = l7.conns.buffer(c.buffer);
  const uint32_t total = c.proxyLength + c.held;
  const uint32_t limit = std::max<uint32_t>(std::min(total, c.backendWindow), 1);
  const uint8_t port = ctx.snap.backend(r.backendId)->egressPort;
  for (uint32_t off = 0; off < limit;) {
    const uint32_t n = std::min<uint32_t>(c.backendMss, limit - off);
    SegmentSpec s = base;
    s.seq = c.backendSideIsn() + 1 + off;
    s.ack = c.backendIsn + 1;
    s.flags = off + n == total ? kAck | kPsh : kAck;
    s.window = c.clientWindow;
    if (off < c.proxyLength) {
      const uint32_t fromProxy = std::min<uint32_t>(n, c.proxyLength - off);
      s.head = {proxy.data() + off, fromProxy};
      s.body = {held, n - fromProxy};
    } else {
      s.body = {held + (off - c.proxyLength), n};
    }
    emit(l7, port, s);
    off += n;
  }
}

// fail() with a frame of its own, for a connection no received frame stands for.
void failFromTimer(uint32_t id, AnswerStatus status, const L4Context& ctx, L7Worker& l7) {
  const uint8_t port = ctx.flows.record(l7.conns[id].flow).clientPort;
  uint32_t capacity = 0;
  uint8_t* buf = l7.sink->begin(capacity);
  if (buf == nullptr) return;
  const Verdict v = fail(buf, capacity, id, status, ctx, l7);
  l7.sink->commit(port, v.isDrop() ? 0 : v.length());
}

// A head that gives its buffer up to a newer one: the client is reset.
void evictHead(uint32_t id, const L4Context& ctx, L7Worker& l7) {
  const Connection& c = l7.conns[id];
  const FlowRecord& r = ctx.flows.record(c.flow);
  emit(l7, r.clientPort, clientResetSpec(c, r, ctx));
  LcoreCounters::bump(ctx.counters.l7HeadsEvicted);
  ctx.flows.remove(c.flow);  // frees its buffer
}

// A buffer for a head that starts arriving. A source at its share, or an empty pool, first
// takes the buffer of the head that has been arriving longest (that source's, or anyone's);
// the whole head then has headTimeoutMs to arrive.
bool takeHeadBuffer(uint32_t id, const L4Context& ctx, L7Worker& l7) {
  Connection& c = l7.conns[id];
  const uint32_t source = l7.heads.sourceOf(ctx.flows.record(c.flow).forward.src);
  const uint32_t victim = l7.heads.victimFor(source, !l7.conns.buffersLeft());
  if (victim != HeadGuard::kNone) evictHead(victim, ctx, l7);
  c.buffer = l7.conns.allocateBuffer();
  if (c.buffer == kNoSlot) return false;
  l7.heads.enter(c.buffer, id, source);
  l7.conns.arm(id, ctx.nowMs + l7.settings.headTimeoutMs, l7.settings.initialRtoMs);
  return true;
}

// Copies a client segment's payload into the held bytes; false (with the reason) when
// it cannot be taken now.
bool absorb(uint32_t id, const Segment& seg, const L4Context& ctx, L7Worker& l7, DropReason& why) {
  if (seg.payloadLength == 0) return true;
  Connection& c = l7.conns[id];
  if (c.buffer == kNoSlot && !takeHeadBuffer(id, ctx, l7)) {
    why = DropReason::kL7BuffersFull;
    return false;
  }
  const uint32_t offset = seg.seq - (c.clientIsn + 1);
  const uint32_t size = l7.conns.bufferBytes();
  if (seqBefore(seg.seq, c.clientIsn + 1) || offset >= size) {
    // Bytes already held are acknowledged again; anything else is outside what can be held.
    if (!seqBefore(c.clientIsn + 1 + c.held, seg.seq + seg.payloadLength)) return true;
    why = DropReason::kL7OutOfWindow;
    return false;
  }
  const uint32_t n = std::min(seg.payloadLength, size - offset);
  if (!c.reassembly.add(offset, n)) {
    why = DropReason::kL7TooManyGaps;
    return false;
  }
  std::memcpy(l7.conns.buffer(c.buffer) + offset, seg.payload, n);
  c.held = c.reassembly.contiguous();
  return true;
}

AnswerStatus statusOf(Outcome o) {
  switch (o) {
    case Outcome::kNotFound: return AnswerStatus::kNotFound;
    case Outcome::kInvalidBackend:
    case Outcome::kRedirect: return AnswerStatus::kInternalError;
    case Outcome::kUnavailable: return AnswerStatus::kUnavailable;
    case Outcome::kForward: break;
  }
  return AnswerStatus::kInternalError;
}

// Picks the SNAT port and opens the backend side.
bool connect(uint32_t id, const RouteChoice& choice, const L4Context& ctx, L7Worker& l7) {
  Connection& c = l7.conns[id];
  FlowRecord& r = ctx.flows.record(c.flow);
  const snapshot::BackendEntry* be = ctx.snap.backend(choice.backendId);
  if (be == nullptr) return false;
  lb::FlowKey reply;
  const DropReason why = lb::snatReply(*be, r.forward.family, kProtoTcp, ctx, reply);
  if (why != DropReason::kCount) {
    ctx.counters.drop(why);
    return false;
  }
  ctx.flows.linkReverse(c.flow, reply, reply.hash(), ctx.nowMs);
  r.backendId = choice.backendId;
  r.backendPort = be->egressPort;
  std::array<uint8_t, kProxyV2MaxLength> proxy{};
  c.proxyLength = choice.proxyProtocol ? writeProxyV2(r.forward, proxy) : 0;
  l7.heads.leave(c.buffer);
  c.phase = Phase::kConnecting;
  c.retries = 0;
  sendBackendSyn(c, r, ctx, l7);
  l7.conns.arm(id, ctx.nowMs + l7.settings.initialRtoMs, l7.settings.initialRtoMs);
  LcoreCounters::bump(ctx.counters.flowsCreated);
  return true;
}

// Receiving: hold, acknowledge, and once the head is complete, route.
Verdict receive(uint8_t* frame, uint32_t capacity, const Segment& seg, uint32_t id, const snapshot::L7Port& port,
                const L4Context& ctx, L7Worker& l7) {
  Connection& c = l7.conns[id];
  FlowRecord& r = ctx.flows.record(c.flow);
  const uint32_t before = c.held;
  DropReason why = DropReason::kCount;
  if (!absorb(id, seg, ctx, l7, why)) {
    ctx.counters.drop(why);
    return Verdict::consumed();
  }
  // Only while the request is incomplete: once the backend is being opened, a FIN stays
  // unacknowledged, so the client sends it again and it reaches the backend spliced.
  if ((seg.flags & kFin) && c.phase == Phase::kReceiving && seg.seq + seg.payloadLength == c.clientIsn + 1 + c.held) {
    // The client closed before its request was complete.
    ctx.counters.drop(DropReason::kL7ClosedEarly);
    return fail(frame, capacity, id, AnswerStatus::kBadRequest, ctx, l7);
  }
  if (c.held == before || c.phase != Phase::kReceiving) return ackClient(frame, capacity, c, r, ctx, l7);

  RouteChoice choice;
  const std::span<uint8_t> held{l7.conns.buffer(c.buffer), c.held};
  hs_scratch* scratch = ctx.snap.scratch ? ctx.snap.scratch->forWorker(l7.worker) : nullptr;
  const uint64_t hash = r.forward.hash();
  if (port.protocol == ListenerProtocol::kHttp) {
    HttpRequestHead head;
    const ParseOutcome o = parseRequestHead(held, l7.settings.bufferBytes, head);
    if (o.status == ParseStatus::kIncomplete) return ackClient(frame, capacity, c, r, ctx, l7);
    if (o.status == ParseStatus::kFailed) {
      ctx.counters.drop(o.reason);
      return fail(frame, capacity, id, AnswerStatus::kBadRequest, ctx, l7);
    }
    if (port.health) {
      const bool drained = l7.draining != nullptr && l7.draining->load(std::memory_order_relaxed);
      return fail(frame, capacity, id, healthAnswer(ctx.snap, port, head.path, l7.settings.healthPath, drained), ctx, l7);
    }
    choice = routeHttp(port, head, scratch, hash);
    if (refuseFilters(choice)) ctx.counters.drop(DropReason::kL7FiltersNeedProxy);
  } else {
    ClientHello hello;
    const ParseOutcome o = parseClientHello(held, l7.settings.bufferBytes, l7.scratch, hello);
    if (o.status == ParseStatus::kIncomplete) return ackClient(frame, capacity, c, r, ctx, l7);
    if (o.status == ParseStatus::kFailed) {
      ctx.counters.drop(o.reason);
      return fail(frame, capacity, id, AnswerStatus::kBadRequest, ctx, l7);
    }
    choice = routeTls(port, hello.serverName(), hash);
  }
  if (choice.outcome != Outcome::kForward) {
    if (choice.outcome == Outcome::kNotFound) ctx.counters.drop(DropReason::kL7NoRoute);
    return fail(frame, capacity, id, statusOf(choice.outcome), ctx, l7);
  }
  if (!connect(id, choice, ctx, l7)) return fail(frame, capacity, id, AnswerStatus::kUnavailable, ctx, l7);
  return ackClient(frame, capacity, c, r, ctx, l7);
}

// Spliced, client -> backend: the backend's numbers in the acknowledgement and SACK
// blocks; everything else passes.
Verdict spliceToBackend(uint8_t* frame, uint32_t len, const ParsedPacket& p, const Segment& seg, Connection& c,
                        FlowRecord& r, const L4Context& ctx) {
  const snapshot::BackendEntry* be = ctx.snap.backend(r.backendId);
  if (be == nullptr || be->state == snapshot::BackendState::kRemoved) {
    ctx.flows.remove(c.flow);
    return Verdict::drop(DropReason::kBackendRemoved);
  }
  if (!ctx.neighbors.copyMac(be->neighborSlot, headerAt<EthHdr>(frame, 0)->dst.data())) {
    return Verdict::drop(DropReason::kNeighborUnresolved);
  }
  if (seg.flags & kAck) {
    const uint32_t oldAck = seg.tcp->ack;
    const uint32_t newAck = hton32(seg.ack - c.seqDelta());
    seg.tcp->checksum = replaceNative(seg.tcp->checksum, sumNative(&oldAck, 4), sumNative(&newAck, 4));
    seg.tcp->ack = newAck;
    shiftSackBlocks(reinterpret_cast<uint8_t*>(seg.tcp), 0u - c.seqDelta());
  }
  r.state = lb::nextTcpState(r.state, seg.flags, false);
  r.lastSeenMs = ctx.nowMs;
  if (!lb::decrementHopLimit(frame, p)) return Verdict::drop(DropReason::kTtlExpired);
  lb::rewriteFlow(frame, p, r.reverse.dst, r.reverse.src, r.reverse.dstPort, r.reverse.srcPort);
  headerAt<EthHdr>(frame, 0)->src = ctx.ports[be->egressPort].mac;
  LcoreCounters::bump(ctx.counters.toBackend);
  return Verdict::forward(be->egressPort, static_cast<uint16_t>(len));
}

// Spliced, backend -> client: the sequence number into the client's view, the window
// into the scale the client was told.
Verdict spliceToClient(uint8_t* frame, uint32_t len, const ParsedPacket& p, const Segment& seg, Connection& c,
                       FlowRecord& r, const L4Context& ctx, L7Worker& l7) {
  if (c.buffer != kNoSlot && (seg.flags & kAck) && !seqBefore(seg.ack, c.clientIsn + 1 + c.held)) {
    // The backend has every held byte: they need not be kept any longer.
    l7.conns.releaseBuffer(c);
    l7.conns.disarm(r.l7);
  }
  const uint32_t oldSeq = seg.tcp->seq;
  const uint32_t newSeq = hton32(seg.seq + c.seqDelta());
  uint64_t before = sumNative(&oldSeq, 4), after = sumNative(&newSeq, 4);
  seg.tcp->seq = newSeq;
  if (c.clientScale != kNoWindowScale) {
    const uint16_t oldWindow = seg.tcp->window;
    const uint64_t bytes = static_cast<uint64_t>(ntoh16(oldWindow)) << c.backendScale;
    const uint16_t newWindow = hton16(static_cast<uint16_t>(std::min<uint64_t>(bytes >> kLocalWindowScale, 0xffff)));
    before += oldWindow;
    after += newWindow;
    seg.tcp->window = newWindow;
  }
  seg.tcp->checksum = replaceNative(seg.tcp->checksum, before, after);
  r.state = lb::nextTcpState(r.state, seg.flags, true);
  r.lastSeenMs = ctx.nowMs;
  if (!lb::decrementHopLimit(frame, p)) return Verdict::drop(DropReason::kTtlExpired);
  lb::rewriteFlow(frame, p, r.forward.dst, r.forward.src, r.forward.dstPort, r.forward.srcPort);
  auto* eth = headerAt<EthHdr>(frame, 0);
  eth->dst = r.clientNextHop;
  eth->src = ctx.ports[r.clientPort].mac;
  LcoreCounters::bump(ctx.counters.toClient);
  ctx.counters.vipSent(r.vipSlot, len);
  return Verdict::forward(r.clientPort, static_cast<uint16_t>(len));
}

// Answering: wait for the client to acknowledge the answer and close.
Verdict answering(uint8_t* frame, uint32_t capacity, const Segment& seg, uint32_t id, const L4Context& ctx,
                  L7Worker& l7) {
  Connection& c = l7.conns[id];
  FlowRecord& r = ctx.flows.record(c.flow);
  if (seg.flags & kRst) {
    ctx.flows.remove(c.flow);
    return Verdict::consumed();
  }
  const uint32_t end = c.localIsn + 1 + c.answerLength + 1;  // the answer and its FIN
  if ((seg.flags & kAck) && !seqBefore(seg.ack, end)) {
    c.answerAcked = true;
    l7.conns.disarm(id);
    l7.conns.releaseBuffer(c);
  }
  if (!(seg.flags & kFin)) return Verdict::consumed();
  // The client's FIN, after ours: acknowledge it; the flow then idles out as closed.
  r.state = lb::FlowState::kClosed;
  SegmentSpec s = toClientSpec(r, ctx);
  s.seq = end;
  s.ack = seg.seq + seg.payloadLength + 1;
  s.flags = kAck;
  s.window = receiveWindow(c, l7.settings.bufferBytes);
  return replyInPlace(frame, capacity, s);
}

// A client's SYN: the SYN-ACK carries the cookie and promises only what the cookie
// records.
Verdict answerSyn(uint8_t* frame, uint32_t capacity, const Segment& seg,
                  const lb::KeyedPacket& k, const L4Context& ctx, L7Worker& l7) {
  SynOptions offered = parseSynOptions(reinterpret_cast<uint8_t*>(seg.tcp));
  // The client port's clamp holds both ways: the SYN-ACK asks for no more, and the
  // cookie records no more for what we (or a spliced backend) send.
  offered.mss = tcp::tighterMss(offered.mss, ctx.ports[ctx.rxPort].mss);
  const CookieOptions options{offered.mss, offered.windowScale, offered.sackPermitted};
  SegmentSpec s;
  const auto* eth = headerAt<EthHdr>(frame, 0);
  s.srcMac = ctx.ports[ctx.rxPort].mac;
  s.dstMac = eth->src;
  replyTo(k.key, s);
  s.seq = l7.cookies.make(k.key, seg.seq, options, ctx.nowMs);
  s.ack = seg.seq + 1;
  s.flags = kSyn | kAck;
  s.window = static_cast<uint16_t>(std::min<uint32_t>(l7.settings.bufferBytes, 0xffff));
  s.mss = std::min(offered.mss, localMss(k.key.family));
  s.windowScale = offered.windowScale == kNoWindowScale ? kNoWindowScale : kLocalWindowScale;
  s.sackPermitted = offered.sackPermitted;
  LcoreCounters::bump(ctx.counters.l7SynCookies);
  return replyInPlace(frame, capacity, s);
}

// The client's ACK of a SYN-ACK (or its first data, if that ACK was lost): the cookie
// proves the handshake, and only now is there state.
uint32_t acceptCookie(uint8_t* frame, const Segment& seg, const lb::KeyedPacket& k, const snapshot::L7Port& port,
                      const L4Context& ctx, L7Worker& l7, DropReason& why) {
  const auto options = l7.cookies.check(k.key, seg.seq - 1, seg.ack - 1, ctx.nowMs);
  if (!options) {
    why = DropReason::kL7BadCookie;
    return kNoSlot;
  }
  const uint32_t id = l7.conns.allocate();
  if (id == kNoSlot) {
    why = DropReason::kL7ConnectionsFull;
    return kNoSlot;
  }
  const uint32_t rec = ctx.flows.insertForward(k.key, k.hash, ctx.nowMs);
  FlowRecord& r = ctx.flows.record(rec);
  r.clientNextHop = headerAt<EthHdr>(frame, 0)->src;
  r.clientPort = ctx.rxPort;
  // Until spliced, the short handshake timeout bounds how long a silent client holds state.
  r.state = lb::FlowState::kSynSeen;
  r.backendId = 0xffffffffu;
  r.l7 = id;
  r.vipSlot = ctx.snap.vips.slotOfMapped(k.key.dst);
  ctx.counters.vipConnected(r.vipSlot);
  Connection& c = l7.conns[id];
  c.flow = rec;
  c.tls = port.protocol == ListenerProtocol::kTls;
  c.clientIsn = seg.seq - 1;
  c.localIsn = seg.ack - 1;
  c.clientMss = options->mss;
  c.clientScale = options->windowScale;
  c.sackPermitted = options->sackPermitted;
  c.clientWindow = ntoh16(seg.tcp->window);
  LcoreCounters::bump(ctx.counters.l7Connections);
  return id;
}

// A segment with an ACK for a connection that is not here (the cookie does not check
// out): most often one this dataplane held before it restarted. RFC 9293 answers it with
// <SEQ=SEG.ACK><CTL=RST>, so the client gives up the connection now instead of
// retransmitting into silence for minutes. Within the worker's budget; past it, dropped.
Verdict resetStray(uint8_t* frame, uint32_t capacity, const Segment& seg, const lb::KeyedPacket& k,
                   const L4Context& ctx) {
  if (ctx.strayResets == nullptr || !ctx.strayResets->admit(nowUsOf(ctx))) return Verdict::drop(DropReason::kL7BadCookie);
  SegmentSpec s;
  s.srcMac = ctx.ports[ctx.rxPort].mac;
  s.dstMac = headerAt<EthHdr>(frame, 0)->src;
  replyTo(k.key, s);
  s.seq = seg.ack;
  s.ack = 0;
  s.flags = kRst;
  s.window = 0;
  LcoreCounters::bump(ctx.counters.l7StrayResets);
  return replyInPlace(frame, capacity, s);
}

}  // namespace

Verdict toListener(uint8_t* frame, uint32_t len, uint32_t capacity, const ParsedPacket& p, const lb::KeyedPacket& k,
                   const snapshot::L7Port& port, const L4Context& ctx, L7Worker& l7) {
  const Segment seg = segmentOf(frame, p);
  const auto hit = ctx.flows.lookup(k.key, k.hash, ctx.nowMs);
  uint32_t id;
  if (hit && !hit->reverse && ctx.flows.record(hit->record).l7 == lb::FlowTable::kNone) {
    return lb::toBackend(frame, len, p, k, ctx);  // an L4 flow from before the port became L7
  }
  const bool synOnly = (seg.flags & (kSyn | kAck | kRst)) == kSyn;
  const bool relayed = hit && isRelayFlow(ctx.flows.record(hit->record).l7);
  if (hit && synOnly) {
    // A new SYN on a finished connection's 4-tuple starts a new one; on a live one it
    // is a retransmission the cookie answers the same way.
    const FlowRecord& old = ctx.flows.record(hit->record);
    if (relayed ? relayFinished(l7, old.l7) : lb::finSeen(old.state) || old.state == lb::FlowState::kReset) {
      ctx.flows.remove(hit->record);
    }
    return answerSyn(frame, capacity, seg, k, ctx, l7);
  }
  if (relayed || (!hit && !synOnly && port.mode != snapshot::L7Mode::kSplice)) {
    const Verdict v = relayToListener(frame, p, k, hit, port, ctx, l7);
    return v.isDrop() && v.reason() == DropReason::kL7BadCookie ? resetStray(frame, capacity, seg, k, ctx) : v;
  }
  if (!hit) {
    if (synOnly) return answerSyn(frame, capacity, seg, k, ctx, l7);
    if ((seg.flags & (kSyn | kRst | kAck)) != kAck) return Verdict::drop(DropReason::kNoFlow);
    DropReason why = DropReason::kCount;
    id = acceptCookie(frame, seg, k, port, ctx, l7, why);
    if (id == kNoSlot) {
      return why == DropReason::kL7BadCookie ? resetStray(frame, capacity, seg, k, ctx) : Verdict::drop(why);
    }
  } else {
    id = ctx.flows.record(hit->record).l7;
  }
  Connection& c = l7.conns[id];
  FlowRecord& r = ctx.flows.record(c.flow);
  r.lastSeenMs = ctx.nowMs;
  if (!(seg.flags & kRst)) c.clientWindow = ntoh16(seg.tcp->window);
  switch (c.phase) {
    case Phase::kReceiving:
    case Phase::kConnecting:
      if (seg.flags & kRst) {
        ctx.flows.remove(c.flow);
        return Verdict::consumed();
      }
      if (seg.payloadLength == 0 && (!(seg.flags & kFin) || c.phase == Phase::kConnecting)) return Verdict::consumed();
      return receive(frame, capacity, seg, id, port, ctx, l7);
    case Phase::kSpliced:
      return spliceToBackend(frame, len, p, seg, c, r, ctx);
    case Phase::kAnswering:
      return answering(frame, capacity, seg, id, ctx, l7);
  }
  return Verdict::consumed();
}

Verdict fromBackend(uint8_t* frame, uint32_t len, uint32_t capacity, const ParsedPacket& p, uint32_t record,
                    const L4Context& ctx, L7Worker& l7) {
  FlowRecord& r = ctx.flows.record(record);
  const uint32_t id = r.l7;
  Connection& c = l7.conns[id];
  const Segment seg = segmentOf(frame, p);
  if (c.phase == Phase::kSpliced) {
    if ((seg.flags & (kSyn | kAck)) == (kSyn | kAck)) {
      // Our ACK of its SYN-ACK was lost: it says so by resending; so do we.
      flushHeld(c, r, ctx, l7);
      return Verdict::consumed();
    }
    return spliceToClient(frame, len, p, seg, c, r, ctx, l7);
  }
  if (c.phase != Phase::kConnecting) return Verdict::drop(DropReason::kNoFlow);
  if (seg.flags & kRst) {
    if (seg.ack != c.backendSideIsn() + 1) return Verdict::drop(DropReason::kNoFlow);
    return fail(frame, capacity, id, AnswerStatus::kUnavailable, ctx, l7);  // the backend refused
  }
  if ((seg.flags & (kSyn | kAck)) == kAck && seg.ack != c.backendSideIsn() + 1) {
    // The backend still holds the SNAT port's previous connection in TIME_WAIT and our
    // SYN's sequence number was below what it expects: it answers with an ACK. As a TCP
    // client in SYN-SENT does (RFC 9293 3.10.7.3), reset that old connection with
    // seq = its ACK, then ask again at once instead of after a timeout.
    // Both go through the sink so the reset leaves first.
    SegmentSpec s;
    if (!toBackendSpec(r, ctx, s)) return Verdict::drop(DropReason::kNeighborUnresolved);
    s.seq = seg.ack;
    s.flags = kRst;
    emit(l7, ctx.snap.backend(r.backendId)->egressPort, s);
    sendBackendSyn(c, r, ctx, l7);
    LcoreCounters::bump(ctx.counters.l7TimeWaitResets);
    return Verdict::consumed();
  }
  if ((seg.flags & (kSyn | kAck)) != (kSyn | kAck) || seg.ack != c.backendSideIsn() + 1) {
    return Verdict::drop(DropReason::kNoFlow);
  }
  const SynOptions offered = parseSynOptions(reinterpret_cast<uint8_t*>(seg.tcp));
  c.backendIsn = seg.seq;
  c.backendMss = offered.mss;
  c.backendWindow = ntoh16(seg.tcp->window);
  c.backendScale = c.clientScale != kNoWindowScale && offered.windowScale != kNoWindowScale ? offered.windowScale : 0;
  c.phase = Phase::kSpliced;
  c.retries = 0;
  r.state = lb::FlowState::kEstablished;
  flushHeld(c, r, ctx, l7);
  l7.conns.arm(id, ctx.nowMs + l7.settings.initialRtoMs, l7.settings.initialRtoMs);
  return Verdict::consumed();
}

void runTimers(const L4Context& ctx, L7Worker& l7) {
  l7.conns.expireTimers(ctx.nowMs, [&](uint32_t id) {
    Connection& c = l7.conns[id];
    FlowRecord& r = ctx.flows.record(c.flow);
    if (c.phase == Phase::kReceiving) {
      // The head's deadline: it is still incomplete.
      l7.conns.disarm(id);
      ctx.counters.drop(DropReason::kL7HeadTimeout);
      failFromTimer(id, AnswerStatus::kRequestTimeout, ctx, l7);
      return;
    }
    if (++c.retries > l7.settings.maxRetries) {
      l7.conns.disarm(id);
      if (c.phase == Phase::kConnecting) {
        // The backend never answered: the client gets a 503 (or a reset) instead.
        ctx.counters.drop(DropReason::kL7BackendTimeout);
        failFromTimer(id, AnswerStatus::kUnavailable, ctx, l7);
        return;
      }
      ctx.counters.drop(c.phase == Phase::kAnswering ? DropReason::kL7AnswerTimeout : DropReason::kL7BackendTimeout);
      ctx.flows.remove(c.flow);
      return;
    }
    switch (c.phase) {
      case Phase::kConnecting: sendBackendSyn(c, r, ctx, l7); break;
      case Phase::kSpliced: flushHeld(c, r, ctx, l7); break;
      case Phase::kAnswering: emit(l7, r.clientPort, answerSpec(c, r, ctx, l7)); break;
      case Phase::kReceiving: break;  // handled above
    }
    const uint16_t rto = static_cast<uint16_t>(std::min<uint32_t>(c.rtoMs * 2u, 10'000));
    l7.conns.arm(id, ctx.nowMs + rto, rto);
  });
}

void releaseConnection(void* l7Worker, uint32_t connection) {
  auto& l7 = *static_cast<L7Worker*>(l7Worker);
  if (isRelayFlow(connection)) {
    relayFlowGone(l7, connection & ~kRelayFlow);
    return;
  }
  const uint32_t buffer = l7.conns[connection].buffer;
  if (buffer != kNoSlot) l7.heads.leave(buffer);
  l7.conns.release(connection);
}

}  // namespace portico::dp::l7
