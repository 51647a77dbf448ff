#include "dataplane/l7/relay.h"

#include <algorithm>
#include <array>

#include "dataplane/l7/answer.h"
#include "dataplane/l7/client_hello.h"
#include "dataplane/l7/http_request_head.h"
#include "dataplane/l7/l7_path.h"
#include "dataplane/l7/proxy_protocol.h"
#include "dataplane/l7/route_select.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/tcp/segment_in.h"

namespace portico::dp::l7 {

using namespace pkt;
using lb::FlowRecord;
using lb::L4Context;
using tcp::Endpoint;

namespace {

constexpr uint32_t kNone = Endpoint::kNone;

tcp::Settings tcpSettings(const L7Settings& s) { return s.tcp; }

http::ProxySettings proxySettings(const L7Settings& s) {
  http::ProxySettings p = s.http;
  p.sessions = s.relayConnections;
  p.headTimeoutMs = s.headTimeoutMs;
  p.maxHeadBytes = s.bufferBytes;
  return p;
}

tcp::SegmentIn segmentIn(uint8_t* frame, const ParsedPacket& p) {
  return tcp::readSegment(frame + p.l4Offset, frame + p.payloadOffset, static_cast<uint32_t>(p.l3End - p.payloadOffset));
}

uint32_t connectionOf(const FlowRecord& r) { return r.l7 & ~kRelayFlow; }

void endSession(RelayWorker& rw, uint32_t s, const L4Context& ctx) {
  RelaySession& session = rw.sessions[s];
  if (!session.inUse) return;
  closeSide(rw, session.client, ctx);
  closeSide(rw, session.backend, ctx);
  session = RelaySession{};
  rw.freeSessions.push_back(s);
}

// A side that closed cleanly (both FINs acknowledged) is freed; the session ends when both
// are.
void sideClosed(RelayWorker& rw, uint32_t s, uint32_t id, const L4Context& ctx) {
  RelaySession& session = rw.sessions[s];
  closeSide(rw, id, ctx);
  if (id == session.client) session.client = kNone;
  if (id == session.backend) session.backend = kNone;
  if (session.client == kNone && session.backend == kNone) {
    session = RelaySession{};
    rw.freeSessions.push_back(s);
  } else if (session.client == kNone && session.backend != kNone && rw.endpoint.state(session.backend) ==
                                                                          tcp::State::kSynSent) {
    endSession(rw, s, ctx);  // the client is gone before the backend even answered
  }
}

// Its owner lets connection `id` go as if it had closed: the session it belongs to ends
// with it.
void letGo(RelayWorker& rw, uint32_t id, const L4Context& ctx) {
  const uint32_t user = rw.endpoint.user(id);
  if (http::ownedByProxy(user)) {
    rw.http->connectionGone(rw, id, ctx);
  } else if (tls::ownedByTls(user)) {
    rw.tls->connectionGone(rw, id, ctx);
  } else if (user < rw.sessions.size() && rw.sessions[user].inUse) {
    sideClosed(rw, user, id, ctx);
  } else {
    closeSide(rw, id, ctx);
  }
}

// The appliance's own answer (HTTP) or a reset (TLS) for a connection no backend takes.
void answer(RelayWorker& rw, uint32_t s, AnswerStatus status, const L4Context& ctx) {
  RelaySession& session = rw.sessions[s];
  headArrived(rw, session.client);
  if (session.tls) {
    endSession(rw, s, ctx);
    return;
  }
  std::array<uint8_t, 512> text;
  const uint32_t n = writeAnswer(status, text);
  rw.endpoint.write(session.client, {text.data(), n});
  rw.endpoint.shutdown(session.client);
  session.answered = true;
  LcoreCounters::bump(rw.counters.l7Answers);
}

// A relay session (one must be free) for client connection `client`.
uint32_t newSession(RelayWorker& rw, uint32_t client, bool tls) {
  const uint32_t s = rw.freeSessions.back();
  rw.freeSessions.pop_back();
  RelaySession& session = rw.sessions[s];
  session = RelaySession{};
  session.inUse = true;
  session.client = client;
  session.tls = tls;
  rw.endpoint.setUser(client, s);
  return s;
}

// Opens the backend side from a SNAT port that steers its replies to this worker.
bool connect(RelayWorker& rw, uint32_t s, const RouteChoice& choice, const L4Context& ctx) {
  RelaySession& session = rw.sessions[s];
  const FlowRecord& client = ctx.flows.record(rw.flowOf[session.client]);
  const uint32_t id = openUpstream(rw, choice.backendId, client.forward.family, s, ctx);
  if (id == kNone) return false;
  session.backend = id;
  if (choice.proxyProtocol) {
    std::array<uint8_t, kProxyV2MaxLength> header{};
    const uint32_t n = writeProxyV2(client.forward, header);
    rw.endpoint.write(id, {header.data(), n});
  }
  return true;
}

// A ClientHello that chose a listener terminating TLS: the connection becomes a TLS
// session's (the ClientHello still unread); what it decrypts goes to `onward`.
void terminate(RelayWorker& rw, uint32_t s, const snapshot::L7Listener& listener, const tls::Onward& onward,
               const L4Context& ctx) {
  const uint32_t client = rw.sessions[s].client;
  headArrived(rw, client);
  rw.sessions[s] = RelaySession{};
  rw.freeSessions.push_back(s);
  const lb::FlowKey& key = ctx.flows.record(rw.flowOf[client]).forward;
  const bool trusted = rw.heads.sourceOf(key.src) == HeadGuard::kTrusted;
  if (!rw.tls->start(rw, client, listener, onward, key.hash(), trusted, ctx)) closeSide(rw, client, ctx);
}

// The client's first bytes, once complete, choose the backend.
void route(RelayWorker& rw, uint32_t s, const L4Context& ctx, L7Worker& l7) {
  RelaySession& session = rw.sessions[s];
  Endpoint& e = rw.endpoint;
  const uint32_t have = std::min<uint32_t>(e.readable(session.client), static_cast<uint32_t>(rw.head.size()));
  const bool closed = e.peerClosed(session.client);
  if (have == 0) {
    if (closed) answer(rw, s, AnswerStatus::kBadRequest, ctx);
    return;
  }
  e.read(session.client, 0, {rw.head.data(), have});
  const std::span<uint8_t> held{rw.head.data(), have};
  const snapshot::L7Port* port = nullptr;
  const FlowRecord& r = ctx.flows.record(rw.flowOf[session.client]);
  port = ctx.snap.findL7Port(r.forward.dst, r.forward.dstPort);
  if (port == nullptr) {
    answer(rw, s, AnswerStatus::kNotFound, ctx);
    return;
  }
  hs_scratch* scratch = ctx.snap.scratch ? ctx.snap.scratch->forWorker(l7.worker) : nullptr;
  RouteChoice choice;
  ParseOutcome o;
  if (port->protocol == snapshot::ListenerProtocol::kHttp) {
    HttpRequestHead head;
    o = parseRequestHead(held, l7.settings.bufferBytes, head);
    if (o.status == ParseStatus::kComplete) {
      choice = routeHttp(*port, head, scratch, r.forward.hash());
      if (refuseFilters(choice)) ctx.counters.drop(DropReason::kL7FiltersNeedProxy);
    }
  } else {
    ClientHello hello;
    o = parseClientHello(held, l7.settings.bufferBytes, l7.scratch, hello);
    if (o.status == ParseStatus::kComplete) {
      const uint32_t li = listenerIndex(*port, hello.serverName());
      if (li != HostMatcher::kNoMatch && terminatesTls(port->listeners[li].protocol)) {
        tls::Onward onward;  // HTTPS: the proxy, request by request
        if (port->listeners[li].protocol == snapshot::ListenerProtocol::kTlsTerminate) {
          choice = routeTls(*port, hello.serverName(), r.forward.hash());
          if (choice.outcome != Outcome::kForward) {  // a TLSRoute's backend, chosen now
            if (choice.outcome == Outcome::kNotFound) ctx.counters.drop(DropReason::kL7NoRoute);
            answer(rw, s, AnswerStatus::kNotFound, ctx);  // TLS: a reset
            return;
          }
          onward = {choice.backendId, choice.proxyProtocol};
        }
        terminate(rw, s, port->listeners[li], onward, ctx);
        return;
      }
      choice = routeTls(*port, hello.serverName(), r.forward.hash());
    }
  }
  if (o.status == ParseStatus::kIncomplete) {
    if (closed) {
      ctx.counters.drop(DropReason::kL7ClosedEarly);
      answer(rw, s, AnswerStatus::kBadRequest, ctx);
    } else if (!rw.heads.holds(session.client)) {
      admitHead(rw, session.client, ctx);  // a head that did not come whole counts against its source
    }
    return;
  }
  headArrived(rw, session.client);
  if (o.status == ParseStatus::kFailed) {
    ctx.counters.drop(o.reason);
    answer(rw, s, AnswerStatus::kBadRequest, ctx);
    return;
  }
  session.proxyProtocol = choice.proxyProtocol;
  if (choice.outcome != Outcome::kForward) {
    if (choice.outcome == Outcome::kNotFound) ctx.counters.drop(DropReason::kL7NoRoute);
    answer(rw, s, choice.outcome == Outcome::kNotFound        ? AnswerStatus::kNotFound
                  : choice.outcome == Outcome::kUnavailable ? AnswerStatus::kUnavailable
                                                            : AnswerStatus::kInternalError,
           ctx);
    return;
  }
  if (!connect(rw, s, choice, ctx)) answer(rw, s, AnswerStatus::kUnavailable, ctx);
}

void onEvents(RelayWorker& rw, uint32_t id, uint8_t events, const L4Context& ctx, L7Worker& l7) {
  const uint32_t s = rw.endpoint.user(id);
  if (http::ownedByProxy(s)) {
    rw.http->onEvents(rw, id, events, ctx, l7);
    return;
  }
  if (tls::ownedByTls(s)) {
    rw.tls->onEvents(rw, id, events, ctx);
    return;
  }
  if (s >= rw.sessions.size() || !rw.sessions[s].inUse) {
    closeSide(rw, id, ctx);
    return;
  }
  RelaySession& session = rw.sessions[s];
  if (events & (tcp::kReset | tcp::kTimedOut)) {
    if (id == session.backend && (events & tcp::kReset) && session.client != kNone &&
        rw.endpoint.state(id) == tcp::State::kClosed && !session.answered &&
        rw.endpoint.tcb(id).sndUna == rw.endpoint.tcb(id).iss) {
      // Refused before it ever answered: the client gets a 503 rather than a reset.
      closeSide(rw, id, ctx);
      session.backend = kNone;
      ctx.counters.drop(DropReason::kL7BackendTimeout);
      answer(rw, s, AnswerStatus::kUnavailable, ctx);
      return;
    }
    endSession(rw, s, ctx);  // one side is gone: so is the other
    return;
  }
  if (events & tcp::kClosed) {
    // A pipe's last bytes, its FIN and its close come in one batch (a TCP connection's
    // come apart): pass them on before the side goes. What cannot be passed on would
    // leave the other side a stream with its end cut off: reset it rather.
    const uint32_t other = id == session.client ? session.backend : session.client;
    if (other != kNone) {
      pump(rw, id, other, id == session.client ? session.clientShut : session.backendShut);
      if (rw.endpoint.readable(id) > 0) {
        endSession(rw, s, ctx);
        return;
      }
    }
    sideClosed(rw, s, id, ctx);
    return;
  }
  if (session.answered) {
    // Nothing more is read from a client that got the appliance's answer.
    if (id == session.client) rw.endpoint.consume(id, rw.endpoint.readable(id));
    return;
  }
  if (session.backend == kNone) {
    if (id == session.client) route(rw, s, ctx, l7);
    return;
  }
  pump(rw, session.client, session.backend, session.clientShut);
  pump(rw, session.backend, session.client, session.backendShut);
}

bool awaitingHead(const RelaySession& session) { return session.inUse && session.backend == kNone && !session.answered; }

// Heads that took too long: 408 (HTTP) or a reset (TLS); connections silent past their
// grace (kSilenceGraceMs) counted against their source.
void expireHeads(RelayWorker& rw, const L4Context& ctx) {
  const auto size = static_cast<uint32_t>(rw.headQueue.size());
  while (rw.silenceChecked < rw.headCount) {
    const RelaySession& session = rw.sessions[rw.headQueue[(rw.headFirst + rw.silenceChecked) % size]];
    if (awaitingHead(session) && static_cast<int32_t>(ctx.nowMs - (session.acceptedMs + kSilenceGraceMs)) < 0) break;
    ++rw.silenceChecked;
    if (awaitingHead(session) && rw.endpoint.readable(session.client) == 0 && !rw.heads.holds(session.client)) {
      admitHead(rw, session.client, ctx);
    }
  }
  while (rw.headCount > 0) {
    const uint32_t s = rw.headQueue[rw.headFirst];
    RelaySession& session = rw.sessions[s];
    if (awaitingHead(session) && static_cast<int32_t>(ctx.nowMs - session.headDueMs) < 0) {
      return;  // the oldest waiting head is still in time
    }
    rw.headFirst = (rw.headFirst + 1) % size;
    --rw.headCount;
    if (rw.silenceChecked > 0) --rw.silenceChecked;
    if (awaitingHead(session)) {
      ctx.counters.drop(DropReason::kL7HeadTimeout);
      answer(rw, s, AnswerStatus::kRequestTimeout, ctx);
    }
  }
}

uint32_t acceptClient(const tcp::SegmentIn& seg, uint8_t* frame, const lb::KeyedPacket& k,
                      const snapshot::L7Port& port, const L4Context& ctx, L7Worker& l7, DropReason& why) {
  RelayWorker& rw = *l7.relay;
  const auto options = l7.cookies.check(k.key, seg.seq - 1, seg.ack - 1, ctx.nowMs);
  if (!options) {
    why = DropReason::kL7BadCookie;
    return kNone;
  }
  const bool proxied = port.mode == snapshot::L7Mode::kProxy;
  if (!proxied && rw.freeSessions.empty()) {
    why = DropReason::kL7ConnectionsFull;
    return kNone;
  }
  tcp::Path path;
  path.localMac = ctx.ports[ctx.rxPort].mac;
  path.remoteMac = headerAt<EthHdr>(frame, 0)->src;
  path.local = k.key.dst;
  path.remote = k.key.src;
  path.localPortBe = k.key.dstPort;
  path.remotePortBe = k.key.srcPort;
  path.family = k.key.family;
  path.port = ctx.rxPort;
  path.mssClamp = ctx.ports[ctx.rxPort].mss;
  const tcp::SynOptions peer{options->mss, options->windowScale, options->sackPermitted};
  makeRoom(rw, ctx);
  const uint32_t id = rw.endpoint.accept(path, seg.ack - 1, seg.seq - 1, peer, seg.window);
  if (id == kNone) {
    why = DropReason::kL7ConnectionsFull;
    return kNone;
  }
  const uint32_t rec = ctx.flows.insertForward(k.key, k.hash, ctx.nowMs);
  FlowRecord& r = ctx.flows.record(rec);
  r.clientNextHop = path.remoteMac;
  r.clientPort = ctx.rxPort;
  r.state = lb::FlowState::kEstablished;
  r.backendId = 0xffffffffu;
  r.l7 = kRelayFlow | id;
  r.vipSlot = ctx.snap.vips.slotOfMapped(k.key.dst);
  rw.flowOf[id] = rec;
  LcoreCounters::bump(ctx.counters.l7Connections);
  ctx.counters.vipConnected(r.vipSlot);
  if (proxied) {
    const bool trusted = rw.heads.sourceOf(k.key.src) == HeadGuard::kTrusted;
    if (!rw.http->start(rw, id, k.hash, trusted, ctx)) {
      closeSide(rw, id, ctx);
      why = DropReason::kL7ConnectionsFull;
      return kNone;
    }
    return id;  // counted against its source if it stays silent (Proxy::runTimers)
  }
  const uint32_t s = newSession(rw, id, port.protocol == snapshot::ListenerProtocol::kTls);
  RelaySession& session = rw.sessions[s];
  session.headDueMs = ctx.nowMs + l7.settings.headTimeoutMs;
  session.acceptedMs = ctx.nowMs;
  rw.headQueue[(rw.headFirst + rw.headCount) % rw.headQueue.size()] = s;
  ++rw.headCount;
  return id;  // counted against its source if it stays silent (expireHeads)
}

}  // namespace

void pipeGone(RelayWorker& rw, uint32_t pipe, const L4Context& ctx) {
  const uint32_t user = rw.endpoint.user(pipe);
  if (http::ownedByProxy(user)) {
    rw.http->connectionGone(rw, pipe, ctx);
  } else if (user < rw.sessions.size() && rw.sessions[user].inUse && rw.sessions[user].client == pipe) {
    endSession(rw, user, ctx);  // the stream's client is gone: so is its backend side
  } else {
    closeSide(rw, pipe, ctx);
  }
}

bool relayStream(RelayWorker& rw, uint32_t pipe, const tls::Onward& onward, const L4Context& ctx) {
  if (rw.freeSessions.empty()) return false;
  const uint32_t s = newSession(rw, pipe, true);  // TLS: no HTTP answer, a failure resets
  RelaySession& session = rw.sessions[s];
  session.proxyProtocol = onward.proxyProtocol;
  RouteChoice choice;
  choice.outcome = Outcome::kForward;
  choice.backendId = onward.backendId;
  choice.proxyProtocol = onward.proxyProtocol;
  if (connect(rw, s, choice, ctx)) return true;
  session = RelaySession{};
  rw.freeSessions.push_back(s);
  rw.endpoint.setUser(pipe, Endpoint::kNone);
  return false;
}

void closeSide(RelayWorker& rw, uint32_t id, const L4Context& ctx) {
  if (id == kNone) return;
  rw.heads.leave(id);
  const uint32_t flow = rw.flowOf[id];
  rw.flowOf[id] = kNone;  // so the removal hook leaves this one to us
  if (rw.endpoint.isPipe(id)) {
    rw.tls->pipeReleased(rw, id, ctx);  // the flow is its encrypted connection's
    rw.endpoint.release(id);
    return;
  }
  rw.endpoint.release(id);
  if (flow != kNone) ctx.flows.remove(flow);
}

// With every connection slot taken, the one longest in TIME_WAIT makes room.
void makeRoom(RelayWorker& rw, const L4Context& ctx) {
  if (!rw.endpoint.full()) return;
  const uint32_t id = rw.endpoint.oldestTimeWait();
  if (id == kNone) return;
  LcoreCounters::bump(ctx.counters.tcpTimeWaitReclaimed);
  letGo(rw, id, ctx);
}

void admitHead(RelayWorker& rw, uint32_t id, const L4Context& ctx) {
  if (rw.flowOf[id] == kNone) return;  // its flow is gone; its reset event is on its way
  const uint32_t source = rw.heads.sourceOf(ctx.flows.record(rw.flowOf[id]).forward.src);
  const uint32_t victim = rw.heads.victimFor(source, rw.heads.heads() >= rw.headLimit);
  if (victim != HeadGuard::kNone && victim != id) {
    LcoreCounters::bump(ctx.counters.l7HeadsEvicted);
    letGo(rw, victim, ctx);  // still open, so its client is reset
  }
  rw.heads.enter(id, id, source);
}

void pump(RelayWorker& rw, uint32_t from, uint32_t to, bool& shut) {
  if (from == kNone || to == kNone) return;
  Endpoint& e = rw.endpoint;
  const uint32_t n = std::min(e.readable(from), e.writable(to));
  if (n > 0) e.consume(from, e.relay(from, 0, to, n));
  if (!shut && e.peerClosed(from) && e.readable(from) == 0) {
    e.shutdown(to);
    shut = true;
  }
}

uint32_t openUpstream(RelayWorker& rw, uint32_t backendId, uint8_t family, uint32_t user, const L4Context& ctx) {
  const snapshot::BackendEntry* be = ctx.snap.backend(backendId);
  if (be == nullptr) return kNone;
  lb::FlowKey reply;
  const DropReason why = lb::snatReply(*be, family, kProtoTcp, ctx, reply);
  if (why != DropReason::kCount) {
    ctx.counters.drop(why);
    return kNone;
  }
  tcp::Path path;
  if (!ctx.neighbors.copyMac(be->neighborSlot, path.remoteMac.data())) {
    ctx.counters.drop(DropReason::kNeighborUnresolved);
    return kNone;
  }
  path.localMac = ctx.ports[be->egressPort].mac;
  path.local = reply.dst;
  path.remote = reply.src;
  path.localPortBe = reply.dstPort;
  path.remotePortBe = reply.srcPort;
  path.family = reply.family;
  path.port = be->egressPort;
  path.mssClamp = ctx.ports[be->egressPort].mss;
  // RFC 6528: an ISN no one outside can guess, from the 4-tuple and the clock.
  const uint64_t nowUs = nowUsOf(ctx);
  const auto iss = static_cast<uint32_t>(reply.hash() ^ (reply.hash() >> 32)) + static_cast<uint32_t>(nowUs / 4);
  makeRoom(rw, ctx);
  const uint32_t id = rw.endpoint.connect(path, iss, nowUs);
  if (id == kNone) {
    ctx.counters.drop(DropReason::kL7ConnectionsFull);
    return kNone;
  }
  const uint32_t rec = ctx.flows.insertForward(reply, reply.hash(), ctx.nowMs);
  FlowRecord& r = ctx.flows.record(rec);
  r.state = lb::FlowState::kEstablished;
  r.backendId = backendId;
  r.backendPort = be->egressPort;
  r.l7 = kRelayFlow | id;
  rw.flowOf[id] = rec;
  rw.endpoint.setUser(id, user);
  LcoreCounters::bump(ctx.counters.flowsCreated);
  return id;
}

RelayWorker::RelayWorker(const L7Settings& settings, LcoreCounters& c, uint64_t seed)
    : pool(static_cast<uint32_t>(static_cast<uint64_t>(settings.relayBufferMb) * 1024 * 1024 / tcp::ChunkPool::kChunkBytes)),
      endpoint(tcpSettings(settings), settings.relayConnections, pool, nullptr, c),
      sessions(settings.relayConnections),
      flowOf(settings.relayConnections, kNone),
      headQueue(settings.relayConnections),
      head(settings.bufferBytes),
      counters(c),
      heads(settings.relayConnections, settings.sourceShare(), settings.trustedPeers, seed),
      headLimit(settings.buffers),
      http(std::make_unique<http::Proxy>(proxySettings(settings), settings.relayConnections)),
      tls(std::make_unique<tls::TlsWorker>(endpoint, settings.relayConnections, settings.relayConnections,
                                           settings.headTimeoutMs, settings.tls.handshakeBudgetUs)) {
  freeSessions.reserve(settings.relayConnections);
  for (uint32_t i = settings.relayConnections; i-- > 0;) freeSessions.push_back(i);
}

Verdict relayToListener(uint8_t* frame, const ParsedPacket& p, const lb::KeyedPacket& k, lb::FlowTable::Hit hit,
                        const snapshot::L7Port& port, const L4Context& ctx, L7Worker& l7) {
  RelayWorker& rw = *l7.relay;
  const tcp::SegmentIn seg = segmentIn(frame, p);
  if (hit) {
    FlowRecord& r = ctx.flows.record(hit->record);
    r.lastSeenMs = ctx.nowMs;
    rw.endpoint.input(connectionOf(r), seg, nowUsOf(ctx));
    return Verdict::consumed();
  }
  if ((seg.flags & (lb::kTcpSyn | lb::kTcpRst | lb::kTcpAck)) != lb::kTcpAck) return Verdict::drop(DropReason::kNoFlow);
  DropReason why = DropReason::kCount;
  const uint32_t id = acceptClient(seg, frame, k, port, ctx, l7, why);
  if (id == kNone) return Verdict::drop(why);
  if (seg.length > 0 || (seg.flags & lb::kTcpFin)) rw.endpoint.input(id, seg, nowUsOf(ctx));
  return Verdict::consumed();
}

Verdict relayInput(uint8_t* frame, const ParsedPacket& p, uint32_t record, const L4Context& ctx, L7Worker& l7) {
  FlowRecord& r = ctx.flows.record(record);
  r.lastSeenMs = ctx.nowMs;
  l7.relay->endpoint.input(connectionOf(r), segmentIn(frame, p), nowUsOf(ctx));
  return Verdict::consumed();
}

bool relayFinished(L7Worker& l7, uint32_t flowL7) {
  const tcp::State s = l7.relay->endpoint.state(flowL7 & ~kRelayFlow);
  return s == tcp::State::kTimeWait || s == tcp::State::kClosed || s == tcp::State::kFree;
}

void serviceRelay(const L4Context& ctx, L7Worker& l7, bool timers) {
  RelayWorker& rw = *l7.relay;
  const uint64_t nowUs = nowUsOf(ctx);
  if (timers) {
    rw.endpoint.runTimers(nowUs);
    expireHeads(rw, ctx);
    rw.http->runTimers(rw, ctx, l7);
    rw.tls->runTimers(rw, ctx);
  }
  rw.tls->beginPass(rw, ctx);
  // TLS sessions and the proxy hand each other bytes through pipes: each round's events
  // may give the other side something to do. A few rounds settle what one pass brought;
  // anything left waits for the next pass.
  for (int round = 0; round < 4; ++round) {
    rw.endpoint.drainEvents([&](uint32_t id, uint8_t events) { onEvents(rw, id, events, ctx, l7); });
    if (!rw.endpoint.pipesDue()) break;
    rw.endpoint.drainPipes([&](uint32_t pipe) { rw.tls->onPipe(pipe, ctx); });
  }
  rw.endpoint.flush(nowUs);
}

void relayFlowGone(L7Worker& l7, uint32_t connection) {
  RelayWorker& rw = *l7.relay;
  if (rw.flowOf[connection] == kNone) return;  // we are removing it ourselves
  rw.flowOf[connection] = kNone;
  // Not from here (the flow table is mid-operation): the reset event ends the session in
  // serviceRelay.
  rw.endpoint.kill(connection);
}

}  // namespace portico::dp::l7
