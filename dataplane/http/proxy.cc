#include "dataplane/http/proxy.h"

#include <algorithm>
#include <cstring>

#include "dataplane/http/head_writer.h"
#include "dataplane/http/url_rewrite.h"
#include "dataplane/l7/head_guard.h"
#include "dataplane/l7/l7_path.h"
#include "dataplane/l7/relay.h"
#include "dataplane/l7/route_select.h"
#include "dataplane/pkt/ip_address.h"

namespace portico::dp::http {

using l7::RelayWorker;
using lb::L4Context;
using tcp::Endpoint;

namespace {

constexpr uint32_t kNone = Endpoint::kNone;

uint32_t sessionOf(uint32_t user) { return user & ~kSessionUser; }

// An upstream connection that can carry another request: open both ways, nothing unread.
bool reusable(const Endpoint& e, uint32_t c) {
  return e.state(c) == tcp::State::kEstablished && !e.peerClosed(c) && e.readable(c) == 0;
}

// The client's address as X-Forwarded-For names it.
std::string_view clientText(const lb::FlowKey& k, char (&buf)[INET6_ADDRSTRLEN]) {
  if (k.family == 4) {
    inet_ntop(AF_INET, k.src.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, k.src.data(), buf, sizeof buf);
  }
  return buf;
}

}  // namespace

Proxy::Proxy(const ProxySettings& settings, uint32_t connections)
    : settings_(settings),
      sessions_(settings.sessions),
      pool_(connections, settings.pooledPerEndpoint),
      timers_(settings.sessions),
      mirrorTimers_(connections),
      scratch_(settings.maxHeadBytes),
      out_(settings.maxHeadBytes + 1024),
      path_(settings.maxHeadBytes + 256),
      location_(settings.maxHeadBytes + 1024),
      responseEdits_(new char[static_cast<std::size_t>(settings.sessions) * kResponseEditBytes]) {
  free_.reserve(settings.sessions);
  for (uint32_t i = settings.sessions; i-- > 0;) free_.push_back(i);
}

bool Proxy::start(RelayWorker& rw, uint32_t client, uint64_t hash, bool trustedPeer, const L4Context& ctx) {
  if (free_.empty()) return false;
  const uint32_t s = free_.back();
  free_.pop_back();
  ++inUse_;
  Session& session = sessions_[s];
  session = Session{};
  session.inUse = true;
  session.client = client;
  session.hash = hash;
  session.trusted = trustedPeer;
  rw.endpoint.setUser(client, kSessionUser | s);
  arm(s, ctx.nowMs, std::min(l7::kSilenceGraceMs, settings_.headTimeoutMs));
  return true;
}

void Proxy::end(RelayWorker& rw, uint32_t s, const L4Context& ctx) {
  Session& session = sessions_[s];
  if (!session.inUse) return;
  l7::closeSide(rw, session.client, ctx);
  l7::closeSide(rw, session.upstream, ctx);
  for (uint32_t i = 0; i < session.mirrorCount; ++i) l7::closeSide(rw, session.mirrors[i], ctx);
  timers_.cancel(s);
  session = Session{};
  free_.push_back(s);
  --inUse_;
}

void Proxy::answer(RelayWorker& rw, uint32_t s, uint16_t status, bool close) {
  Session& session = sessions_[s];
  l7::headArrived(rw, session.client);
  static constexpr std::string_view kText[] = {"malformed request", "no route matches this host and path",
                                               "the request head took too long", "the request head is too large",
                                               "the route's backend reference is invalid",
                                               "the backend broke the exchange", "no ready endpoint for this route",
                                               "the backend did not answer in time",
                                               "this host is not served on the connection's TLS name"};
  std::string_view body = "error";
  switch (status) {
    case 400: body = kText[0]; break;
    case 404: body = kText[1]; break;
    case 408: body = kText[2]; break;
    case 431: body = kText[3]; break;
    case 500: body = kText[4]; break;
    case 502: body = kText[5]; break;
    case 503: body = kText[6]; break;
    case 504: body = kText[7]; break;
    case 421: body = kText[8]; break;
    default: break;
  }
  const uint32_t n = writeOwnAnswer(status, body, close, out_);
  rw.endpoint.write(session.client, {out_.data(), n});
  LcoreCounters::bump(rw.counters.l7Answers);
  session.closeAfter = session.closeAfter || close;
  session.phase = Phase::kAnswer;
}

uint32_t Proxy::upstreamFor(RelayWorker& rw, uint32_t s, uint32_t backendId, const L4Context& ctx) {
  Session& session = sessions_[s];
  // The session's own connection, if it goes where this request goes and is still open.
  if (session.upstream != kNone) {
    if (session.upstreamBackend == backendId && reusable(rw.endpoint, session.upstream)) {
      session.upstreamReused = true;
      return session.upstream;
    }
    releaseUpstream(rw, s, session.responseHead, ctx);
  }
  for (uint32_t c = pool_.take(backendId); c != kNone; c = pool_.take(backendId)) {
    if (reusable(rw.endpoint, c)) {
      rw.endpoint.setUser(c, kSessionUser | s);
      session.upstream = c;
      session.upstreamBackend = backendId;
      session.upstreamReused = true;
      LcoreCounters::bump(rw.counters.httpPoolReuses);
      return c;
    }
    l7::closeSide(rw, c, ctx);
  }
  const lb::FlowRecord& client = ctx.flows.record(rw.flowOf[session.client]);
  const uint32_t c = l7::openUpstream(rw, backendId, client.forward.family, kSessionUser | s, ctx);
  if (c == kNone) return kNone;
  session.upstream = c;
  session.upstreamBackend = backendId;
  session.upstreamReused = false;
  return c;
}

void Proxy::releaseUpstream(RelayWorker& rw, uint32_t s, bool finished, const L4Context& ctx) {
  Session& session = sessions_[s];
  const uint32_t c = session.upstream;
  if (c == kNone) return;
  session.upstream = kNone;
  const bool idle = finished && reusable(rw.endpoint, c);
  if (idle && pool_.put(session.upstreamBackend, c)) {
    rw.endpoint.setUser(c, kPooledUser);
    return;
  }
  if (idle) {
    retire(rw, c);
    return;
  }
  l7::closeSide(rw, c, ctx);
}

void Proxy::retire(RelayWorker& rw, uint32_t connection) {
  rw.endpoint.setUser(connection, kRetiredUser);
  rw.endpoint.shutdown(connection);
}

uint32_t Proxy::pumpBody(RelayWorker& rw, uint32_t from, uint32_t to, BodyFramer& framer, const L4Context& ctx,
                         Session* copies) {
  Endpoint& e = rw.endpoint;
  uint32_t moved = 0;
  std::span<const uint8_t> pieces[8];
  while (!framer.done() && !framer.failed()) {
    const uint32_t avail = std::min(e.readable(from), e.writable(to));
    if (avail == 0) break;
    const unsigned count = e.peek(from, 0, avail, pieces, 8);
    uint32_t take = 0;
    for (unsigned i = 0; i < count && !framer.done(); ++i) {
      const auto n = static_cast<uint32_t>(framer.feed(pieces[i]));
      take += n;
      if (n < pieces[i].size()) break;
    }
    if (take == 0) break;
    const uint32_t w = e.relay(from, 0, to, take);
    if (copies != nullptr) {
      for (uint32_t i = 0; i < copies->mirrorCount; ++i) {
        const uint32_t m = copies->mirrors[i];
        if (e.writable(m) >= w) {
          e.relay(from, 0, m, w);
        } else {
          // A mirror never slows the real request down: one that cannot keep up is let go.
          l7::closeSide(rw, m, ctx);
          copies->mirrors[i--] = copies->mirrors[--copies->mirrorCount];
        }
      }
    }
    e.consume(from, w);
    moved += w;
    if (w < take) break;
  }
  return moved;
}

// A request head from the client: parse, route, and send it on.
bool Proxy::readRequest(RelayWorker& rw, uint32_t s, const L4Context& ctx, l7::L7Worker& l7) {
  Session& session = sessions_[s];
  Endpoint& e = rw.endpoint;
  const uint32_t have = std::min<uint32_t>(e.readable(session.client), static_cast<uint32_t>(scratch_.size()));
  if (have == 0) {
    if (e.peerClosed(session.client) && !session.clientShut) {
      e.shutdown(session.client);  // the client is done: so are we
      session.clientShut = true;
      session.phase = Phase::kClosing;
    }
    return false;
  }
  e.read(session.client, 0, {scratch_.data(), have});
  l7::HttpRequestHead head;
  const l7::ParseOutcome o = l7::parseRequestHead({scratch_.data(), have}, scratch_.size(), head);
  if (o.status == l7::ParseStatus::kIncomplete) {
    if (e.peerClosed(session.client)) {
      ctx.counters.drop(DropReason::kL7ClosedEarly);
      answer(rw, s, 400, true);
      return true;
    }
    if (!rw.heads.holds(session.client)) {
      // A head started and did not come whole: it has the head deadline from its first
      // byte (not from each one: a trickle must not keep it alive), and the head guard
      // counts it against its source.
      arm(s, ctx.nowMs, settings_.headTimeoutMs);
      l7::admitHead(rw, session.client, ctx);
    }
    return false;
  }
  l7::headArrived(rw, session.client);
  if (o.status == l7::ParseStatus::kFailed) {
    ctx.counters.drop(o.reason);
    answer(rw, s, o.reason == DropReason::kL7HeadTooLarge ? 431 : 400, true);
    return true;
  }
  const Framing framing = requestFraming(head);
  ++session.requests;
  session.clientMinor = head.versionMinor;
  session.closeAfter = framing.close;
  session.headRequest = head.method == "HEAD";
  session.responseHead = false;
  session.clientShut = session.upstreamShut = false;
  if (framing.invalid) {
    ctx.counters.drop(DropReason::kHttpBadFraming);
    e.consume(session.client, head.length);
    answer(rw, s, 400, true);
    return true;
  }
  LcoreCounters::bump(ctx.counters.httpRequests);
  const lb::FlowRecord& client = ctx.flows.record(rw.flowOf[session.client]);
  const snapshot::L7Port* port = ctx.snap.findL7Port(client.forward.dst, client.forward.dstPort);
  hs_scratch* scratch = ctx.snap.scratch ? ctx.snap.scratch->forWorker(l7.worker) : nullptr;
  const bool https = e.isPipe(session.client);
  // RFC 9110 7.4: a request for a host whose listener is not the one the TLS handshake's
  // SNI chose (its certificate may not even cover it) is answered 421, so that the client
  // opens a connection of its own for that host. Listeners are compared by identity: a
  // push may have rebuilt the port since the handshake.
  const uint32_t li = https && port != nullptr ? l7::listenerIndex(*port, head.host()) : 0;
  const bool misdirected = https && port != nullptr &&
                           (li == l7::HostMatcher::kNoMatch ||
                            port->listeners[li].identity != rw.tls->listenerOf(session.client));
  const l7::RouteChoice choice =
      port && !misdirected ? l7::routeHttp(*port, head, scratch, session.hash) : l7::RouteChoice{};
  e.consume(session.client, head.length);
  session.request.start(framing.body, framing.length);
  if (misdirected) {
    answer(rw, s, 421, session.closeAfter || framing.upgrade);
    return true;
  }
  if (choice.outcome == l7::Outcome::kRedirect) return redirect(rw, s, choice, head, pkt::ntoh16(client.forward.dstPort));
  if (choice.outcome != l7::Outcome::kForward) {
    if (choice.outcome == l7::Outcome::kNotFound) ctx.counters.drop(DropReason::kL7NoRoute);
    const uint16_t status = choice.outcome == l7::Outcome::kNotFound      ? 404
                            : choice.outcome == l7::Outcome::kUnavailable ? 503
                                                                          : 500;
    answer(rw, s, status, session.closeAfter || framing.upgrade);
    return true;
  }
  const uint32_t up = upstreamFor(rw, s, healthyEndpoint(choice, s, ctx.nowMs), ctx);
  if (up == kNone) {
    answer(rw, s, 503, session.closeAfter);
    return true;
  }
  char addr[INET6_ADDRSTRLEN];
  Forwarding fwd;
  fwd.clientAddress = clientText(client.forward, addr);
  fwd.trustedPeer = session.trusted;
  if (https) fwd.proto = "https";
  RequestEdits edits;
  const snapshot::RouteFilters* f = choice.filters;
  if (f != nullptr) edits.rule = HeaderEdits(f->requestEdits);
  if (choice.backendFilters != nullptr) edits.backend = HeaderEdits(choice.backendFilters->requestEdits);
  if (f != nullptr && f->rewrite) {
    edits.host = f->rewrite->hostname;
    if (f->rewrite->pathType != snapshot::PathRewrite::kNone) {
      edits.path = rewritePath(head.path, f->rewrite->pathType, f->rewrite->path, choice.route->match.path, path_);
    }
  }
  const uint32_t n = writeUpstreamRequest(head, framing, fwd, out_, edits);
  if (n == 0) {
    answer(rw, s, 431, true);
    return true;
  }
  session.requestSeq = e.tcb(up).sndEnd;
  e.write(up, {out_.data(), n});
  // What the response will need once this snapshot may be gone: its header edits, copied.
  session.responseEditsLength = 0;
  char* keep = responseEdits_.get() + static_cast<std::size_t>(s) * kResponseEditBytes;
  for (const snapshot::RouteFilters* rf : {f, choice.backendFilters}) {
    if (rf == nullptr || rf->responseEdits.empty()) continue;
    const std::size_t take = std::min<std::size_t>(rf->responseEdits.size(), kResponseEditBytes - session.responseEditsLength);
    std::memcpy(keep + session.responseEditsLength, rf->responseEdits.data(), take);
    session.responseEditsLength = static_cast<uint16_t>(session.responseEditsLength + take);
  }
  session.requestDueMs = f != nullptr && f->requestTimeoutMs != 0 ? ctx.nowMs + f->requestTimeoutMs : 0;
  session.backendDueMs = f != nullptr && f->backendTimeoutMs != 0 ? ctx.nowMs + f->backendTimeoutMs : 0;
  if (f != nullptr && !f->mirrorSets.empty()) startMirrors(rw, s, choice, {out_.data(), n}, client.forward.family, ctx);
  if (session.request.done()) detachMirrors(rw, s, ctx);
  session.phase = Phase::kExchange;
  armExchange(s, ctx.nowMs);
  return true;
}

uint32_t Proxy::healthyEndpoint(const l7::RouteChoice& choice, uint32_t s, uint32_t nowMs) {
  Session& session = sessions_[s];
  session.otherBackend = kNone;
  if (choice.vhost == nullptr || choice.set == snapshot::kInvalidBackendRef) return choice.backendId;
  const snapshot::BackendSet& set = choice.vhost->backendSets[choice.set];
  if (set.backendIds.size() < 2) return choice.backendId;
  uint32_t id = choice.backendId;
  if (health_.isDown(id, nowMs)) {
    const uint32_t instead = health_.anotherEndpoint(set.slots, id, session.hash, nowMs);
    if (instead != kNone) id = instead;
  }
  session.otherBackend = health_.anotherEndpoint(set.slots, id, session.hash, nowMs);
  return id;
}

// The earliest of the exchange's deadlines: the backend's silence, the backend request's
// and the whole request's timeouts.
void Proxy::armExchange(uint32_t s, uint32_t nowMs) {
  const Session& session = sessions_[s];
  uint32_t due = nowMs + settings_.responseTimeoutMs;
  for (const uint32_t d : {session.requestDueMs, session.backendDueMs}) {
    if (d != 0 && static_cast<int32_t>(d - due) < 0) due = d;
  }
  timers_.schedule(s, due);
}

bool Proxy::redirect(RelayWorker& rw, uint32_t s, const l7::RouteChoice& choice, const l7::HttpRequestHead& head,
                     uint16_t listenerPort) {
  Session& session = sessions_[s];
  const snapshot::RedirectSpec& r = *choice.filters->redirect;
  const std::string_view path = rewritePath(head.path, r.pathType, r.path, choice.route->match.path, path_);
  const std::string_view scheme = rw.endpoint.isPipe(session.client) ? "https" : "http";
  const uint32_t n = writeLocation(r, scheme, head.host(), listenerPort, path, head.query, location_);
  if (n == 0) {
    answer(rw, s, 431, true);
    return true;
  }
  const uint32_t w = writeRedirect(r.statusCode, {location_.data(), n}, session.closeAfter, out_);
  rw.endpoint.write(session.client, {out_.data(), w});
  LcoreCounters::bump(rw.counters.l7Answers);
  session.phase = Phase::kAnswer;
  return true;
}

void Proxy::startMirrors(RelayWorker& rw, uint32_t s, const l7::RouteChoice& choice, std::span<const uint8_t> head,
                         uint8_t family, const L4Context& ctx) {
  Session& session = sessions_[s];
  for (const uint32_t set : choice.filters->mirrorSets) {
    if (session.mirrorCount == kMaxMirrors) break;
    const uint32_t backendId = choice.vhost->backendSets[set].pick(static_cast<uint32_t>(session.hash));
    if (backendId == snapshot::kNoBackendId) continue;
    const uint32_t m = l7::openUpstream(rw, backendId, family, kMirrorUser | s, ctx);
    if (m == kNone) continue;
    rw.endpoint.write(m, head);
    session.mirrors[session.mirrorCount++] = m;
    LcoreCounters::bump(rw.counters.httpMirrored);
  }
}

// The whole request went to the mirrors: each sends its FIN after it, and its answer
// (read and dropped) has the backend timeout to come.
void Proxy::detachMirrors(RelayWorker& rw, uint32_t s, const L4Context& ctx) {
  Session& session = sessions_[s];
  for (uint32_t i = 0; i < session.mirrorCount; ++i) {
    const uint32_t m = session.mirrors[i];
    rw.endpoint.shutdown(m);
    rw.endpoint.setUser(m, kDetachedMirror);
    mirrorTimers_.schedule(m, ctx.nowMs + settings_.responseTimeoutMs);
  }
  session.mirrorCount = 0;
}

void Proxy::mirrorEvents(RelayWorker& rw, uint32_t connection, uint8_t events, const L4Context& ctx) {
  const uint32_t user = rw.endpoint.user(connection);
  rw.endpoint.consume(connection, rw.endpoint.readable(connection));
  if ((events & (tcp::kReset | tcp::kTimedOut | tcp::kClosed)) == 0 && !rw.endpoint.peerClosed(connection)) return;
  if (user != kDetachedMirror) {
    Session& session = sessions_[user & ~kMirrorUser];
    for (uint32_t i = 0; i < session.mirrorCount; ++i) {
      if (session.mirrors[i] == connection) session.mirrors[i--] = session.mirrors[--session.mirrorCount];
    }
  }
  mirrorTimers_.cancel(connection);
  l7::closeSide(rw, connection, ctx);
}

bool Proxy::exchange(RelayWorker& rw, uint32_t s, const L4Context& ctx) {
  Session& session = sessions_[s];
  Endpoint& e = rw.endpoint;
  bool progress = false;
  if (!session.request.done()) {
    if (pumpBody(rw, session.client, session.upstream, session.request, ctx, &session) > 0) progress = true;
    if (session.request.failed()) {
      ctx.counters.drop(DropReason::kHttpBadFraming);
      end(rw, s, ctx);
      return false;
    }
    if (session.request.done()) detachMirrors(rw, s, ctx);
  }
  if (!session.responseHead) {
    const uint32_t have = std::min<uint32_t>(e.readable(session.upstream), static_cast<uint32_t>(scratch_.size()));
    if (have == 0) {
      if (e.peerClosed(session.upstream)) {
        if (retry(rw, s, ctx)) return true;
        releaseUpstream(rw, s, false, ctx);
        answer(rw, s, 502, true);
        return true;
      }
      return progress;
    }
    e.read(session.upstream, 0, {scratch_.data(), have});
    ResponseHead head;
    const l7::ParseOutcome o = parseResponseHead({scratch_.data(), have}, scratch_.size(), head);
    if (o.status == l7::ParseStatus::kIncomplete) {
      if (!e.peerClosed(session.upstream)) return progress;
      ctx.counters.drop(DropReason::kHttpBadResponse);
      releaseUpstream(rw, s, false, ctx);
      answer(rw, s, 502, true);
      return true;
    }
    if (o.status == l7::ParseStatus::kFailed || (head.status == 101 && session.closeAfter)) {
      ctx.counters.drop(DropReason::kHttpBadResponse);
      releaseUpstream(rw, s, false, ctx);
      answer(rw, s, 502, true);
      return true;
    }
    const Framing framing = responseFraming(head, session.headRequest ? "HEAD" : "GET");
    if (framing.invalid) {
      ctx.counters.drop(DropReason::kHttpBadResponse);
      releaseUpstream(rw, s, false, ctx);
      answer(rw, s, 502, true);
      return true;
    }
    const bool interim = head.status >= 100 && head.status < 200 && head.status != 101;
    if (!interim) session.closeAfter = session.closeAfter || (framing.close && framing.body == BodyFramer::Kind::kUntilClose);
    const HeaderEdits edits({responseEdits_.get() + static_cast<std::size_t>(s) * kResponseEditBytes,
                             session.responseEditsLength});
    const uint32_t n = writeClientResponse(head, session.closeAfter, session.clientMinor, out_, interim ? HeaderEdits{} : edits);
    if (n == 0 || e.writable(session.client) < n) {
      if (n == 0) {
        ctx.counters.drop(DropReason::kHttpBadResponse);
        releaseUpstream(rw, s, false, ctx);
        answer(rw, s, 502, true);
        return true;
      }
      return progress;  // the client's buffer first has to make room for it
    }
    e.write(session.client, {out_.data(), n});
    e.consume(session.upstream, head.length);
    if (interim) return true;  // 100 Continue and kin: the real response follows
    if (head.status == 101) {
      session.phase = Phase::kTunnel;
      arm(s, ctx.nowMs, settings_.tunnelIdleMs);
      return true;
    }
    session.responseHead = true;
    session.response.start(framing.body, framing.length);
    // A response that ends with the backend's close, or says it will close: that
    // connection is not kept.
    if (framing.close) session.upstreamShut = true;
    progress = true;
  }
  if (!session.response.done()) {
    if (pumpBody(rw, session.upstream, session.client, session.response, ctx) > 0) progress = true;
    if (e.peerClosed(session.upstream) && e.readable(session.upstream) == 0) {
      session.response.closed();
      if (!session.response.done()) {
        // The backend stopped in the middle of a framed body: the client cannot be told
        // in HTTP/1.1 but by ending its connection.
        ctx.counters.drop(DropReason::kHttpBadResponse);
        end(rw, s, ctx);
        return false;
      }
    }
    if (session.response.failed()) {
      ctx.counters.drop(DropReason::kHttpBadResponse);
      end(rw, s, ctx);
      return false;
    }
  }
  if (session.response.done() && session.request.done()) {
    // The exchange is over: the upstream connection goes back to the pool if it can carry
    // another request, and the client's next request is read.
    releaseUpstream(rw, s, !session.upstreamShut, ctx);
    if (session.closeAfter) {
      e.shutdown(session.client);
      session.clientShut = true;
      session.phase = Phase::kClosing;
    } else {
      session.phase = Phase::kIdle;
      arm(s, ctx.nowMs, settings_.idleTimeoutMs);
    }
    return true;
  }
  if (progress) armExchange(s, ctx.nowMs);
  return progress;
}

// After our own answer: the request's body (if any) is read and dropped, then the next
// request, or the close.
bool Proxy::drainAnswered(RelayWorker& rw, uint32_t s) {
  Session& session = sessions_[s];
  Endpoint& e = rw.endpoint;
  bool progress = false;
  std::span<const uint8_t> pieces[8];
  while (!session.closeAfter && !session.request.done() && !session.request.failed() && e.readable(session.client) > 0) {
    const unsigned count = e.peek(session.client, 0, e.readable(session.client), pieces, 8);
    uint32_t take = 0;
    for (unsigned i = 0; i < count && !session.request.done(); ++i) take += static_cast<uint32_t>(session.request.feed(pieces[i]));
    if (take == 0) break;
    e.consume(session.client, take);
    progress = true;
  }
  if (session.closeAfter || session.request.failed()) {
    if (!session.clientShut) {
      e.shutdown(session.client);
      session.clientShut = true;
    }
    session.phase = Phase::kClosing;
    return true;
  }
  if (session.request.done()) {
    session.phase = Phase::kIdle;
    return true;
  }
  return progress;
}

void Proxy::advance(RelayWorker& rw, uint32_t s, const L4Context& ctx, l7::L7Worker& l7) {
  for (int step = 0; step < 16; ++step) {
    Session& session = sessions_[s];
    if (!session.inUse) return;
    bool progress = false;
    switch (session.phase) {
      case Phase::kIdle: progress = readRequest(rw, s, ctx, l7); break;
      case Phase::kExchange: progress = exchange(rw, s, ctx); break;
      case Phase::kAnswer: progress = drainAnswered(rw, s); break;
      case Phase::kTunnel: {
        l7::pump(rw, session.client, session.upstream, session.clientShut);
        l7::pump(rw, session.upstream, session.client, session.upstreamShut);
        arm(s, ctx.nowMs, settings_.tunnelIdleMs);
        return;
      }
      case Phase::kClosing:
        // Whatever the client still sends is dropped; its close ends the session.
        rw.endpoint.consume(session.client, rw.endpoint.readable(session.client));
        return;
    }
    if (!progress) return;
  }
}

bool Proxy::retry(RelayWorker& rw, uint32_t s, const L4Context& ctx) {
  Session& session = sessions_[s];
  Endpoint& e = rw.endpoint;
  const uint32_t old = session.upstream;
  if (old == kNone || session.responseHead || session.phase != Phase::kExchange) return false;
  // Anything the backend acknowledged it may have acted on; anything it answered it did.
  const tcp::Tcb& t = e.tcb(old);
  uint32_t target;
  if (t.sndUna == t.iss) {
    target = session.otherBackend;  // never accepted: nothing reached it
  } else if (session.upstreamReused && t.sndUna == session.requestSeq && e.readable(old) == 0) {
    // Its endpoint, unless that has just been found down (a killed backend's kernel
    // resets the kept-alive connections the proxy still pools).
    target = health_.isDown(session.upstreamBackend, ctx.nowMs) ? session.otherBackend : session.upstreamBackend;
  } else {
    return false;
  }
  if (target == kNone || health_.isDown(target, ctx.nowMs)) return false;
  const lb::FlowRecord& client = ctx.flows.record(rw.flowOf[session.client]);
  const uint32_t fresh = l7::openUpstream(rw, target, client.forward.family, kSessionUser | s, ctx);
  if (fresh == kNone) return false;
  // The request so far (head, and body as far as it was read) is still in the old
  // connection's send buffer, since none of it was acknowledged; the rest of a body
  // follows on the new connection.
  if (e.copyUnacknowledged(old, fresh) != e.unacknowledged(old)) {
    l7::closeSide(rw, fresh, ctx);
    return false;
  }
  l7::closeSide(rw, old, ctx);
  session.upstream = fresh;
  session.upstreamBackend = target;
  session.upstreamReused = false;  // once: a new connection that fails is the backend's failure
  session.otherBackend = kNone;
  LcoreCounters::bump(rw.counters.httpRetries);
  return true;
}

void Proxy::upstreamFailed(RelayWorker& rw, uint32_t s, uint8_t events, const L4Context& ctx) {
  Session& session = sessions_[s];
  const bool neverAnswered = !session.responseHead && session.phase == Phase::kExchange;
  const bool refused = rw.endpoint.tcb(session.upstream).sndUna == rw.endpoint.tcb(session.upstream).iss;
  if (refused) {
    health_.markDown(session.upstreamBackend, ctx.nowMs);
    LcoreCounters::bump(rw.counters.httpEndpointsDown);
  }
  if (neverAnswered && retry(rw, s, ctx)) return;
  l7::closeSide(rw, session.upstream, ctx);
  session.upstream = kNone;
  if (!neverAnswered) {
    // A tunnel, or a response cut in its body: the client can only be told by ending its
    // connection (without this the session went on pumping from no connection at all:
    // found by the frames fuzz target).
    if (session.phase == Phase::kTunnel || (session.phase == Phase::kExchange && !session.response.done())) {
      end(rw, s, ctx);
    }
    return;
  }
  // Nothing of the response came: the client gets the appliance's answer, not a reset,
  // and keeps its connection (the rest of the request's body is read and dropped).
  ctx.counters.drop(refused || (events & tcp::kTimedOut) ? DropReason::kL7BackendTimeout : DropReason::kHttpBadResponse);
  answer(rw, s, refused ? 503 : 502, session.closeAfter);
}

void Proxy::onEvents(RelayWorker& rw, uint32_t connection, uint8_t events, const L4Context& ctx, l7::L7Worker& l7) {
  const uint32_t user = rw.endpoint.user(connection);
  if ((user & kMirrorUser) != 0 && (user & (kSessionUser | kPooledUser)) == 0) {
    mirrorEvents(rw, connection, events, ctx);
    return;
  }
  if (user == kRetiredUser) {
    if (events & (tcp::kReset | tcp::kTimedOut | tcp::kClosed)) {
      l7::closeSide(rw, connection, ctx);
    } else {
      rw.endpoint.consume(connection, rw.endpoint.readable(connection));
    }
    return;
  }
  if (user == kPooledUser) {
    // An idle pooled connection the backend closed, reset, or (wrongly) sent bytes on is
    // let go; ACKs of what it last sent change nothing.
    const bool broken = (events & (tcp::kReset | tcp::kTimedOut | tcp::kClosed)) != 0 ||
                        rw.endpoint.peerClosed(connection) || rw.endpoint.readable(connection) > 0;
    if (broken) {
      pool_.remove(connection);
      l7::closeSide(rw, connection, ctx);
    }
    return;
  }
  const uint32_t s = sessionOf(user);
  if (s >= sessions_.size() || !sessions_[s].inUse) {
    l7::closeSide(rw, connection, ctx);
    return;
  }
  Session& session = sessions_[s];
  if (connection == session.client) {
    if (events & (tcp::kReset | tcp::kTimedOut | tcp::kClosed)) {
      end(rw, s, ctx);
      return;
    }
  } else if (connection == session.upstream) {
    if (events & (tcp::kReset | tcp::kTimedOut)) {
      upstreamFailed(rw, s, events, ctx);
    } else if (events & tcp::kClosed) {
      if (session.phase == Phase::kTunnel || (session.phase == Phase::kExchange && !session.response.done())) {
        upstreamFailed(rw, s, events, ctx);
      } else {
        l7::closeSide(rw, connection, ctx);
        session.upstream = kNone;
      }
    }
  } else {
    l7::closeSide(rw, connection, ctx);  // a connection this session let go of
    return;
  }
  if (sessions_[s].inUse) advance(rw, s, ctx, l7);
}

void Proxy::connectionGone(RelayWorker& rw, uint32_t connection, const L4Context& ctx) {
  const uint32_t user = rw.endpoint.user(connection);
  if ((user & kMirrorUser) != 0 && (user & (kSessionUser | kPooledUser)) == 0) {
    mirrorEvents(rw, connection, tcp::kReset, ctx);
    return;
  }
  if ((user & kSessionUser) != 0 && sessionOf(user) < sessions_.size() && sessions_[sessionOf(user)].inUse) {
    Session& session = sessions_[sessionOf(user)];
    if (connection == session.upstream) {
      l7::closeSide(rw, connection, ctx);
      session.upstream = kNone;
      return;
    }
    end(rw, sessionOf(user), ctx);
    return;
  }
  pool_.remove(connection);
  l7::closeSide(rw, connection, ctx);
}

void Proxy::runTimers(RelayWorker& rw, const L4Context& ctx, l7::L7Worker& l7) {
  mirrorTimers_.advance(ctx.nowMs, [&](uint32_t m) {
    if (rw.endpoint.user(m) == kDetachedMirror) l7::closeSide(rw, m, ctx);
  });
  timers_.advance(ctx.nowMs, [&](uint32_t s) {
    Session& session = sessions_[s];
    if (!session.inUse) return;
    switch (session.phase) {
      case Phase::kIdle:
        if (session.requests == 0 && !session.silenceCounted && rw.endpoint.readable(session.client) == 0 &&
            settings_.headTimeoutMs > l7::kSilenceGraceMs) {
          session.silenceCounted = true;
          // Nothing unread, so no part of a head is counted yet; admitting it resets
          // another connection of its source if any, never this one.
          l7::admitHead(rw, session.client, ctx);
          arm(s, ctx.nowMs, settings_.headTimeoutMs - l7::kSilenceGraceMs);
          return;
        }
        if (rw.endpoint.readable(session.client) > 0) {
          ctx.counters.drop(DropReason::kL7HeadTimeout);
          answer(rw, s, 408, true);
          advance(rw, s, ctx, l7);
        } else {
          end(rw, s, ctx);  // a kept-alive connection idle too long: closed quietly
        }
        return;
      case Phase::kExchange: {
        const bool requestDue = (session.requestDueMs != 0 && static_cast<int32_t>(ctx.nowMs - session.requestDueMs) >= 0) ||
                                (session.backendDueMs != 0 && static_cast<int32_t>(ctx.nowMs - session.backendDueMs) >= 0);
        if (!session.responseHead) {
          ctx.counters.drop(requestDue ? DropReason::kHttpRequestTimeout : DropReason::kHttpResponseTimeout);
          l7::closeSide(rw, session.upstream, ctx);
          session.upstream = kNone;
          answer(rw, s, 504, true);
          advance(rw, s, ctx, l7);
          return;
        }
        if (requestDue) ctx.counters.drop(DropReason::kHttpRequestTimeout);
        end(rw, s, ctx);  // a response that stalled mid-body, or took longer than its timeout
        return;
      }
      case Phase::kTunnel:
      case Phase::kAnswer:
      case Phase::kClosing: end(rw, s, ctx); return;
    }
  });
}

}  // namespace portico::dp::http
