#include "dataplane/tls/tls_worker.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "dataplane/http/proxy.h"
#include "dataplane/l7/relay.h"
#include "dataplane/snapshot/l7_tables.h"
#include "dataplane/tls/server_context.h"

namespace portico::dp::tls {

using Session = TlsWorker::Session;
using tcp::Endpoint;

namespace {

constexpr uint32_t kNone = Endpoint::kNone;
constexpr uint32_t kRecordBytes = 16'384;  // the most plaintext one TLS record carries
// What a record adds to its plaintext (header, tag, padding of TLS 1.2 CBC suites at most).
constexpr uint32_t kRecordOverhead = 5 + 256 + 64;

// The BIO OpenSSL reads and writes: the encrypted connection's buffers in the endpoint.
int bioRead(BIO* bio, char* out, int length) {
  auto* s = static_cast<Session*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  Endpoint& e = *s->endpoint;
  const uint32_t n = std::min<uint32_t>(e.readable(s->connection), static_cast<uint32_t>(length));
  if (n == 0) {
    if (e.peerClosed(s->connection)) return 0;  // the end of the stream
    BIO_set_retry_read(bio);
    return -1;
  }
  e.read(s->connection, 0, {reinterpret_cast<uint8_t*>(out), n});
  e.consume(s->connection, n);
  return static_cast<int>(n);
}

int bioWrite(BIO* bio, const char* in, int length) {
  auto* s = static_cast<Session*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  const uint32_t n = s->endpoint->write(s->connection, {reinterpret_cast<const uint8_t*>(in), static_cast<std::size_t>(length)});
  if (n == 0) {
    BIO_set_retry_write(bio);
    return -1;
  }
  return static_cast<int>(n);
}

long bioControl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

BIO_METHOD* endpointBio() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "portico endpoint");
    BIO_meth_set_read(m, bioRead);
    BIO_meth_set_write(m, bioWrite);
    BIO_meth_set_ctrl(m, bioControl);
    BIO_meth_set_create(m, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

}  // namespace

TlsWorker::TlsWorker(Endpoint& endpoint, uint32_t connections, uint32_t sessions, uint32_t handshakeTimeoutMs,
                     uint32_t handshakeBudgetUs)
    : endpoint_(endpoint),
      sessions_(sessions),
      sessionOfPipe_(connections, kNone),
      handshakeTimeoutMs_(handshakeTimeoutMs),
      budgetNs_(uint64_t{handshakeBudgetUs} * 1000),
      timers_(sessions),
      scratch_(kRecordBytes) {
  free_.reserve(sessions);
  for (uint32_t i = sessions; i-- > 0;) free_.push_back(i);
  for (Session& s : sessions_) s.endpoint = &endpoint_;
  endpointBio();  // made once, before any worker needs it
}

TlsWorker::~TlsWorker() {
  for (Session& s : sessions_) SSL_free(s.ssl);
}

bool TlsWorker::start(l7::RelayWorker& rw, uint32_t connection, const snapshot::L7Listener& listener,
                      const Onward& onward, uint64_t hash, bool trusted, const lb::L4Context& ctx) {
  if (free_.empty() || !listener.tls) {
    ctx.counters.drop(DropReason::kL7ConnectionsFull);
    return false;
  }
  SSL* ssl = SSL_new(listener.tls->get());
  BIO* bio = ssl ? BIO_new(endpointBio()) : nullptr;
  if (bio == nullptr) {
    SSL_free(ssl);
    ERR_clear_error();
    ctx.counters.drop(DropReason::kTlsHandshakeFailed);
    return false;
  }
  const uint32_t t = free_.back();
  free_.pop_back();
  ++inUse_;
  Session& s = sessions_[t];  // as finish() or the constructor left it
  s.connection = connection;
  s.ssl = ssl;
  s.hash = hash;
  s.listener = listener.identity;
  s.onward = onward;
  s.trusted = trusted;
  s.inUse = true;
  BIO_set_data(bio, &s);
  SSL_set_bio(ssl, bio, bio);
  SSL_set_accept_state(ssl);
  rw.endpoint.setUser(connection, kTlsUser | t);
  s.startedMs = ctx.nowMs;
  timers_.schedule(t, ctx.nowMs + std::min(l7::kSilenceGraceMs, handshakeTimeoutMs_));
  progress(rw, t, ctx);
  return true;
}

void TlsWorker::finish(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx) {
  Session& s = sessions_[t];
  if (!s.inUse) return;
  timers_.cancel(t);
  stopWaiting(t);
  const uint32_t connection = s.connection;
  if (s.pipe != kNone) sessionOfPipe_[s.pipe] = kNone;
  SSL_free(s.ssl);
  s = Session{};
  s.endpoint = &endpoint_;
  free_.push_back(t);
  --inUse_;
  l7::closeSide(rw, connection, ctx);
}

namespace {
uint64_t monotonicNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}
}  // namespace

void TlsWorker::wait(uint32_t t) {
  Session& s = sessions_[t];
  if (s.waiting) return;
  s.waiting = true;
  s.prevWaiting = lastWaiting_;
  s.nextWaiting = kNoSession;
  (lastWaiting_ == kNoSession ? firstWaiting_ : sessions_[lastWaiting_].nextWaiting) = t;
  lastWaiting_ = t;
}

void TlsWorker::stopWaiting(uint32_t t) {
  Session& s = sessions_[t];
  if (!s.waiting) return;
  (s.prevWaiting == kNoSession ? firstWaiting_ : sessions_[s.prevWaiting].nextWaiting) = s.nextWaiting;
  (s.nextWaiting == kNoSession ? lastWaiting_ : sessions_[s.nextWaiting].prevWaiting) = s.prevWaiting;
  s.waiting = false;
  s.prevWaiting = s.nextWaiting = kNoSession;
}

void TlsWorker::beginPass(l7::RelayWorker& rw, const lb::L4Context& ctx) {
  spentNs_ = 0;
  while (firstWaiting_ != kNoSession && spentNs_ < budgetNs_) {
    const uint32_t t = firstWaiting_;
    stopWaiting(t);
    progress(rw, t, ctx);
  }
}

bool TlsWorker::handshake(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx) {
  Session& s = sessions_[t];
  if (spentNs_ >= budgetNs_) {
    if (!s.waiting) LcoreCounters::bump(ctx.counters.tlsHandshakesWaited);
    wait(t);
    return false;
  }
  stopWaiting(t);
  ERR_clear_error();
  const uint64_t startNs = monotonicNs();
  const int r = SSL_do_handshake(s.ssl);
  spentNs_ += monotonicNs() - startNs;
  if (r != 1) {
    const int error = SSL_get_error(s.ssl, r);
    if ((error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) && !endpoint_.peerClosed(s.connection)) {
      return false;
    }
    // OpenSSL wrote its alert (if any) to the connection: it goes out before the FIN, and
    // the session ends when the connection has closed, or at the handshake deadline.
    ERR_clear_error();
    ctx.counters.drop(DropReason::kTlsHandshakeFailed);
    s.failed = true;
    endpoint_.shutdown(s.connection);
    return false;
  }
  s.open = true;
  timers_.cancel(t);
  l7::headArrived(rw, s.connection);
  LcoreCounters::bump(ctx.counters.tlsHandshakes);
  if (SSL_session_reused(s.ssl)) LcoreCounters::bump(ctx.counters.tlsResumed);
  const uint32_t pipe = endpoint_.openPipe(endpoint_.tcb(s.connection).path);
  if (pipe == kNone) {
    ctx.counters.drop(DropReason::kL7ConnectionsFull);
    finish(rw, t, ctx);
    return false;
  }
  // The pipe is the client as the proxy sees it: the same flow (addresses, listener port).
  rw.flowOf[pipe] = rw.flowOf[s.connection];
  sessionOfPipe_[pipe] = t;
  s.pipe = pipe;
  const bool started = s.onward.toProxy() ? rw.http->start(rw, pipe, s.hash, s.trusted, ctx)
                                          : l7::relayStream(rw, pipe, s.onward, ctx);
  if (!started) {
    rw.flowOf[pipe] = kNone;
    sessionOfPipe_[pipe] = kNone;
    s.pipe = kNone;
    endpoint_.release(pipe);
    ctx.counters.drop(DropReason::kL7ConnectionsFull);
    finish(rw, t, ctx);
    return false;
  }
  return true;
}

void TlsWorker::progress(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx) {
  Session& s = sessions_[t];
  if (s.failed) {
    endpoint_.consume(s.connection, endpoint_.readable(s.connection));
    return;
  }
  if (!s.open && !handshake(rw, t, ctx)) return;
  readIn(t, ctx);
  if (sessions_[t].inUse) writeOut(t, ctx);
}

void TlsWorker::readIn(uint32_t t, const lb::L4Context& ctx) {
  Session& s = sessions_[t];
  if (s.pipe == kNone) {
    // The proxy is done: what still comes is read and dropped so the connection can close.
    endpoint_.consume(s.connection, endpoint_.readable(s.connection));
    return;
  }
  for (;;) {
    const uint32_t room = endpoint_.pipeRoom(s.pipe);
    if (room == 0) return;
    std::size_t got = 0;
    ERR_clear_error();
    if (SSL_read_ex(s.ssl, scratch_.data(), std::min<uint32_t>(room, kRecordBytes), &got) == 1) {
      if (endpoint_.pipeDeliver(s.pipe, {scratch_.data(), got}) < got) {
        endpoint_.kill(s.pipe);  // the buffer pool ran dry (counted): a stream with a hole is no stream
        return;
      }
      continue;
    }
    const int error = SSL_get_error(s.ssl, 0);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return;
    if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && endpoint_.peerClosed(s.connection))) {
      endpoint_.pipeDeliverFin(s.pipe);  // close_notify, or the FIN without one
      return;
    }
    // A record that does not decrypt, or a protocol error: nothing after it can be trusted.
    ERR_clear_error();
    ctx.counters.drop(DropReason::kTlsBadRecord);
    endpoint_.kill(s.pipe);
    return;
  }
}

void TlsWorker::writeOut(uint32_t t, const lb::L4Context& ctx) {
  Session& s = sessions_[t];
  if (s.pipe == kNone || !s.open) return;
  for (;;) {
    const uint32_t pending = endpoint_.pipePending(s.pipe);
    if (pending == 0) break;
    const uint32_t room = endpoint_.writable(s.connection);
    if (room <= kRecordOverhead) return;  // kWritable brings us back
    const uint32_t n = std::min({pending, kRecordBytes, room - kRecordOverhead});
    std::span<const uint8_t> pieces[4];
    const unsigned count = endpoint_.pipePeek(s.pipe, n, pieces, 4);
    uint32_t copied = 0;
    for (unsigned i = 0; i < count && copied < n; ++i) {
      const auto take = std::min<uint32_t>(static_cast<uint32_t>(pieces[i].size()), n - copied);
      std::memcpy(scratch_.data() + copied, pieces[i].data(), take);
      copied += take;
    }
    std::size_t written = 0;
    ERR_clear_error();
    if (SSL_write_ex(s.ssl, scratch_.data(), copied, &written) != 1) {
      const int error = SSL_get_error(s.ssl, 0);
      if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) return;
      ERR_clear_error();
      ctx.counters.drop(DropReason::kTlsBadRecord);
      endpoint_.kill(s.pipe);
      return;
    }
    endpoint_.pipeTake(s.pipe, static_cast<uint32_t>(written));
  }
  if (endpoint_.pipeFinDue(s.pipe)) {
    ERR_clear_error();
    SSL_shutdown(s.ssl);  // close_notify; the client's is not waited for
    ERR_clear_error();
    endpoint_.shutdown(s.connection);
    endpoint_.pipeFinTaken(s.pipe);
  }
}

void TlsWorker::onEvents(l7::RelayWorker& rw, uint32_t connection, uint8_t events, const lb::L4Context& ctx) {
  const uint32_t t = endpoint_.user(connection) & ~kTlsUser;
  if (t >= sessions_.size() || !sessions_[t].inUse || sessions_[t].connection != connection) {
    l7::closeSide(rw, connection, ctx);
    return;
  }
  Session& s = sessions_[t];
  if (events & (tcp::kReset | tcp::kTimedOut)) {
    if (s.pipe != kNone) {
      endpoint_.kill(s.pipe);  // the proxy ends its session and lets the pipe go: pipeReleased()
    } else {
      finish(rw, t, ctx);
    }
    return;
  }
  if (events & tcp::kClosed) {
    if (s.pipe == kNone) {
      finish(rw, t, ctx);
    } else {
      endpoint_.pipeDeliverFin(s.pipe);
    }
    return;
  }
  progress(rw, t, ctx);
}

void TlsWorker::onPipe(uint32_t pipe, const lb::L4Context& ctx) {
  if (pipe >= sessionOfPipe_.size() || sessionOfPipe_[pipe] == kNone) return;
  const uint32_t t = sessionOfPipe_[pipe];
  if (endpoint_.state(pipe) == tcp::State::kClosed && !endpoint_.tcb(pipe).finSent) return;  // aborted: pipeReleased() follows
  readIn(t, ctx);
  if (sessions_[t].inUse) writeOut(t, ctx);
}

void TlsWorker::pipeReleased(l7::RelayWorker& rw, uint32_t pipe, const lb::L4Context& ctx) {
  if (pipe >= sessionOfPipe_.size() || sessionOfPipe_[pipe] == kNone) return;
  const uint32_t t = sessionOfPipe_[pipe];
  sessionOfPipe_[pipe] = kNone;
  Session& s = sessions_[t];
  s.pipe = kNone;
  const tcp::Tcb& p = endpoint_.tcb(pipe);
  const bool clean = p.state == tcp::State::kClosed && p.finSent && p.finReceived;
  if (!clean || endpoint_.state(s.connection) == tcp::State::kClosed) {
    finish(rw, t, ctx);  // a reset when it ended any other way
  }
  // Otherwise both close_notify and FIN went: the connection closes on its own (kClosed).
}

void TlsWorker::connectionGone(l7::RelayWorker& rw, uint32_t connection, const lb::L4Context& ctx) {
  const uint32_t t = endpoint_.user(connection) & ~kTlsUser;
  if (t >= sessions_.size() || !sessions_[t].inUse) {
    l7::closeSide(rw, connection, ctx);
    return;
  }
  if (sessions_[t].pipe != kNone) {
    l7::pipeGone(rw, sessions_[t].pipe, ctx);  // ... and pipeReleased() ends this one
    if (!sessions_[t].inUse) return;
  }
  finish(rw, t, ctx);
}

void TlsWorker::runTimers(l7::RelayWorker& rw, const lb::L4Context& ctx) {
  timers_.advance(ctx.nowMs, [&](uint32_t t) {
    Session& s = sessions_[t];
    if (!s.inUse || s.open) return;
    const uint32_t deadline = s.startedMs + handshakeTimeoutMs_;
    if (s.failed && static_cast<int32_t>(ctx.nowMs - deadline) < 0) {
      timers_.schedule(t, deadline);  // its alert and FIN get until the deadline to go out
      return;
    }
    if (!s.failed && static_cast<int32_t>(ctx.nowMs - deadline) < 0) {
      // Past the grace and still not done. Waiting for our own budget is not the client's
      // doing: look again later. Otherwise the client is slow: count it against its source
      // (which may reset that source's oldest slow head, this one included).
      if (s.waiting) {
        const uint32_t again = ctx.nowMs + l7::kSilenceGraceMs;
        timers_.schedule(t, static_cast<int32_t>(deadline - again) < 0 ? deadline : again);
        return;
      }
      timers_.schedule(t, deadline);
      if (!s.counted) {
        s.counted = true;
        l7::admitHead(rw, s.connection, ctx);
      }
      return;
    }
    if (!s.failed) ctx.counters.drop(DropReason::kTlsHandshakeTimeout);
    finish(rw, t, ctx);
  });
}

uint64_t TlsWorker::listenerOf(uint32_t pipe) const {
  if (pipe >= sessionOfPipe_.size() || sessionOfPipe_[pipe] == kNone) return 0;
  return sessions_[sessionOfPipe_[pipe]].listener;
}

}  // namespace portico::dp::tls
