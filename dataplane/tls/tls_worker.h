#pragma once

// TLS termination on a worker (HTTPS listeners). A relay-mode connection whose ClientHello
// chose an HTTPS listener becomes a TLS session: OpenSSL reads and writes the connection's
// buffers in the workers' TCP endpoint directly (a BIO over them: no kernel socket, no
// copy of the ciphertext), and once the handshake is done the plaintext runs through a
// pipe of the endpoint (tcp::Endpoint::openPipe) that the HTTP proxy serves as it serves
// a port-80 client connection. The encrypted connection carries kTlsUser | session; the
// pipe belongs to the proxy.
//
// Closing: the proxy's FIN on the pipe becomes close_notify and a FIN; the client's
// close_notify (or its FIN without one: many clients skip it, and HTTP framing tells
// whether a message was whole) becomes the pipe's FIN. A reset either way resets the
// other. The session lasts until the encrypted connection has closed.
//
// A handshake must finish within the head timeout (l7.head_timeout_ms). OpenSSL allocates
// per handshake and per connection: the one place a worker allocates, bounded by the
// session count.

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
// Proxy users (http/proxy.h) use higher bits; relay sessions are plain indices below this.
inline bool ownedByTls(uint32_t user) { return user != 0xffffffffu && (user & 0x78000000u) == kTlsUser; }

class TlsWorker {
 public:
  // `connections`: the endpoint's; `sessions`: how many handshakes and TLS connections at once.
  TlsWorker(tcp::Endpoint& endpoint, uint32_t connections, uint32_t sessions, uint32_t handshakeTimeoutMs);
  ~TlsWorker();
  TlsWorker(const TlsWorker&) = delete;
  TlsWorker& operator=(const TlsWorker&) = delete;

  // Client connection `connection` (its ClientHello unread in its receive buffer) chose
  // HTTPS listener `listener` (index `listenerIndex` of its port). False when no session
  // is free; the caller resets it.
  bool start(l7::RelayWorker& rw, uint32_t connection, const snapshot::L7Listener& listener, uint32_t listenerIndex,
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

  // The listener the SNI of pipe `pipe`'s handshake chose (its index in the port).
  uint32_t listenerOf(uint32_t pipe) const;
  uint32_t sessionsInUse() const { return inUse_; }

  struct Session {
    tcp::Endpoint* endpoint = nullptr;
    uint32_t connection = tcp::Endpoint::kNone;  // encrypted
    uint32_t pipe = tcp::Endpoint::kNone;        // plaintext, the proxy's
    ssl_st* ssl = nullptr;
    uint64_t hash = 0;
    uint32_t listener = 0;
    bool inUse = false;
    bool open = false;    // the handshake is done
    bool failed = false;  // the handshake failed: its alert goes out, then the connection closes
    bool trusted = false;
  };

 private:
  void progress(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx);
  bool handshake(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx);
  void readIn(uint32_t t, const lb::L4Context& ctx);
  void writeOut(uint32_t t, const lb::L4Context& ctx);
  void finish(l7::RelayWorker& rw, uint32_t t, const lb::L4Context& ctx);

  tcp::Endpoint& endpoint_;
  std::vector<Session> sessions_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> sessionOfPipe_;  // by endpoint connection id
  uint32_t inUse_ = 0;
  uint32_t handshakeTimeoutMs_;
  tcp::TimerWheel timers_;       // handshake deadlines
  std::vector<uint8_t> scratch_;  // one record's plaintext
};

}  // namespace portico::dp::tls
