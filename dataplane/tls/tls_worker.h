#pragma once

// TLS termination on a worker (HTTPS listeners, and TLS listeners in Terminate mode). A
// relay-mode connection whose ClientHello chose such a listener becomes a TLS session: OpenSSL reads and writes the connection's
// buffers in the workers' TCP endpoint directly (a BIO over them: no kernel socket, no
// copy of the ciphertext), and once the handshake is done the plaintext runs through a
// pipe of the endpoint (tcp::Endpoint::openPipe) that the HTTP proxy serves as it serves
// a port-80 client connection (HTTPS), or that the relay joins to the TLSRoute's backend
// as it joins a passthrough connection (Terminate). The encrypted connection carries kTlsUser | session; the
// pipe belongs to the proxy.
//
// Closing: the proxy's FIN on the pipe becomes close_notify and a FIN; the client's
// close_notify (or its FIN without one: many clients skip it, and HTTP framing tells
// whether a message was whole) becomes the pipe's FIN. A reset either way resets the
// other. The session lasts until the encrypted connection has closed.
//
// A handshake must finish within the head timeout (l7.head_timeout_ms). One the client
// has not finished kSilenceGraceMs after its ClientHello counts against its source as a
// head that is still arriving (l7::HeadGuard), so that one address cannot hold the
// worker's sessions with handshakes it never completes. OpenSSL allocates per handshake
// and per connection: the one place a worker allocates, bounded by the session count.
//
// Handshakes are the one costly thing a worker does for a connection (about 285 us for
// a TLS 1.3 handshake with ECDSA P-256 and 540 us with RSA-2048 on the lab machine:
// `tls.handshake_us.*` in scripts/bench.sh). A worker spends at most l7.tls.handshake_budget_us on them per pass over its
// queues; the handshakes past it wait, oldest first, for the next pass. So a burst of
// new HTTPS connections delays the worker's other traffic by at most the budget and one
// handshake, while handshakes still get all the time the rest of the traffic leaves.

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/lb/l4_path.h"
#include "dataplane/tcp/endpoint.h"
#include "dataplane/tcp/timer_wheel.h"

struct ssl_st;

namespace portico::dp::l7 {
class RelayWorker;
}
namespace portico::dp::snapshot {
struct L7Listener;
}

namespace portico::dp::tls {

inline constexpr uint32_t kTlsUser = 0x08000000u;

// Where a session's decrypted stream goes: the HTTP proxy (an HTTPS listener), or as it is
// to a backend (a TLS listener in Terminate mode: its TLSRoute's choice).
struct Onward {
  uint32_t backendId = tcp::Endpoint::kNone;
  bool proxyProtocol = false;
  bool toProxy() const { return backendId == tcp::Endpoint::kNone; }
};
// Proxy users (http/proxy.h) use higher bits; relay sessions are plain indices below this.
inline bool ownedByTls(uint32_t user) { return user != 0xffffffffu && (user & 0x78000000u) == kTlsUser; }

class TlsWorker {
 public:
  // `connections`: the endpoint's; `sessions`: how many handshakes and TLS connections at once.
  TlsWorker(tcp::Endpoint& endpoint, uint32_t connections, uint32_t sessions, uint32_t handshakeTimeoutMs,
            uint32_t handshakeBudgetUs);
  ~TlsWorker();
  TlsWorker(const TlsWorker&) = delete;
  TlsWorker& operator=(const TlsWorker&) = delete;

  // Client connection `connection` (its ClientHello unread in its receive buffer) chose
  // listener `listener`, which terminates TLS. False when no session is free; the caller
  // resets it.
  bool start(l7::RelayWorker& rw, uint32_t connection, const snapshot::L7Listener& listener, const Onward& onward,
             uint64_t hash, bool trusted, const lb::L4Context& ctx);
  // Events of an encrypted connection.
  void onEvents(l7::RelayWorker& rw, uint32_t connection, uint8_t events, const lb::L4Context& ctx);
  // A pipe written, shut, read from or aborted by the proxy (Endpoint::drainPipes).
  void onPipe(uint32_t pipe, const lb::L4Context& ctx);
  // The proxy is done with a pipe (before the endpoint releases it).
  void pipeReleased(l7::RelayWorker& rw, uint32_t pipe, const lb::L4Context& ctx);
  // An encrypted connection is taken away (its slot reclaimed): its session ends.
  void connectionGone(l7::RelayWorker& rw, uint32_t connection, const lb::L4Context& ctx);
  void runTimers(l7::RelayWorker& rw, const lb::L4Context& ctx);
  // A new pass over the worker's queues: a fresh handshake budget, spent first on the
  // handshakes the last pass left waiting.
  void beginPass(l7::RelayWorker& rw, const lb::L4Context& ctx);

  // The listener the SNI of pipe `pipe`'s handshake chose (its L7Listener::identity,
  // which a push that reorders or rebuilds the port's listeners keeps); 0 for none.
  uint64_t listenerOf(uint32_t pipe) const;
  uint32_t sessionsInUse() const { return inUse_; }

  static constexpr uint32_t kNoSession = 0xffffffffu;
  struct Session {
    tcp::Endpoint* endpoint = nullptr;
    uint32_t connection = tcp::Endpoint::kNone;  // encrypted
    uint32_t pipe = tcp::Endpoint::kNone;        // plaintext, the proxy's
    ssl_st* ssl = nullptr;
    uint64_t hash = 0;
    uint64_t listener = 0;  // L7Listener::identity
    Onward onward;
    bool inUse = false;
    bool open = false;    // the handshake is done
    bool failed = false;  // the handshake failed: its alert goes out, then the connection closes
    bool trusted = false;
    bool waiting = false;  // on the list of handshakes past the budget
    bool counted = false;  // counted against its source by the head guard
    uint32_t startedMs = 0;
    uint32_t prevWaiting = kNoSession, nextWaiting = kNoSession;
  };

 private:
  void progress(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx);
  bool handshake(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx);
  void readIn(uint32_t t, const lb::L4Context& ctx);
  void writeOut(uint32_t t, const lb::L4Context& ctx);
  void finish(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx);
  void wait(uint32_t t);
  void stopWaiting(uint32_t t);

  tcp::Endpoint& endpoint_;
  std::vector<Session> sessions_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> sessionOfPipe_;  // by endpoint connection id
  uint32_t inUse_ = 0;
  uint32_t handshakeTimeoutMs_;
  uint64_t budgetNs_;
  uint64_t spentNs_ = 0;  // this pass
  uint32_t firstWaiting_ = kNoSession, lastWaiting_ = kNoSession;
  tcp::TimerWheel timers_;       // handshake deadlines
  std::vector<uint8_t> scratch_;  // one record's plaintext
};

}  // namespace portico::dp::tls
