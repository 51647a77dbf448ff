#pragma once

// Proxy-mode HTTP listeners: every request on a client connection is read, routed and
// answered on its own, over the workers' TCP endpoint. A request goes to the backend its
// rule chooses, on a kept-alive connection from the worker's pool for that endpoint when
// there is one; its head is rewritten (hop-by-hop fields dropped, X-Forwarded-For, -Proto,
// -Host set), bodies stream in both directions as they come (Content-Length, chunked, or
// until the close), and the response comes back with our connection options. Requests are
// taken one after another: a pipelined request waits in the client's receive buffer
// until the response before it is complete, so answers keep their order. After a 101 the
// two connections are a byte stream (WebSocket). The appliance answers itself when no
// backend can: 400 (malformed, or a length that cannot be known), 404, 408 (a head that
// never completes), 431 (a head too large), 500 (an invalid backendRef), 502 (a backend
// that breaks the exchange), 503 (no endpoint, or it refuses), 504 (no answer in time).
// An endpoint that refuses a connection or never answers its SYN is avoided for 10 s
// (EndpointHealth), and the request it refused goes to another endpoint of the same
// backendRef: nothing of it reached the first.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dataplane/http/body_framer.h"
#include "dataplane/http/endpoint_health.h"
#include "dataplane/http/framing.h"
#include "dataplane/http/proxy_settings.h"
#include "dataplane/http/upstream_pool.h"
#include "dataplane/lb/l4_path.h"
#include "dataplane/tcp/timer_wheel.h"

namespace portico::dp::l7 {
struct L7Worker;
struct RouteChoice;
struct HttpRequestHead;
struct L7Settings;
class RelayWorker;
}  // namespace portico::dp::l7

namespace portico::dp::http {

// Endpoint connection owners: an HTTP session's connections carry kSessionUser | session,
// idle pooled ones kPooledUser.
inline constexpr uint32_t kSessionUser = 0x40000000u;
inline constexpr uint32_t kPooledUser = 0x20000000u;
inline constexpr uint32_t kRetiredUser = 0x20000001u;  // an idle upstream connection closing with a FIN
// A RequestMirror's connection: kMirrorUser | session while the request's bytes are still
// copied to it, kDetachedMirror once they all were (its answer is read and dropped).
inline constexpr uint32_t kMirrorUser = 0x10000000u;
inline constexpr uint32_t kDetachedMirror = 0x1fffffffu;
inline bool ownedByProxy(uint32_t user) {
  return user != 0xffffffffu && (user & (kSessionUser | kPooledUser | kMirrorUser)) != 0;
}

class Proxy {
 public:
  Proxy(const ProxySettings& settings, uint32_t connections);

  // A client connection of a proxy-mode listener was accepted (endpoint connection
  // `client`); false when no session is free (the caller resets it).
  bool start(l7::RelayWorker& rw, uint32_t client, uint64_t hash, bool trustedPeer, const lb::L4Context& ctx);
  void onEvents(l7::RelayWorker& rw, uint32_t connection, uint8_t events, const lb::L4Context& ctx, l7::L7Worker& l7);
  void runTimers(l7::RelayWorker& rw, const lb::L4Context& ctx, l7::L7Worker& l7);
  // One of its connections is being taken away (its slot reclaimed): the session ends.
  void connectionGone(l7::RelayWorker& rw, uint32_t connection, const lb::L4Context& ctx);

  uint32_t sessionsInUse() const { return inUse_; }
  const UpstreamPool& pool() const { return pool_; }

 private:
  enum class Phase : uint8_t {
    kIdle,      // waiting for a request head
    kExchange,  // a request and its response are under way
    kAnswer,    // our own answer went out; the request's body is read and dropped
    kTunnel,    // after 101: bytes both ways
    kClosing,   // our side is shut; waiting for the client to finish
  };
  struct Session {
    uint32_t client = 0xffffffffu;
    uint32_t upstream = 0xffffffffu;
    uint32_t upstreamBackend = 0;
    uint32_t otherBackend = 0xffffffffu;  // another endpoint of the request's backendRef, if any
    uint64_t hash = 0;
    Phase phase = Phase::kIdle;
    bool inUse = false;
    bool trusted = false;
    bool closeAfter = false;      // the client connection ends after this response
    bool responseHead = false;    // the response's head went to the client
    bool headRequest = false;
    bool clientShut = false, upstreamShut = false;
    bool upstreamReused = false;  // this exchange's upstream connection carried an earlier one
    bool silenceCounted = false;  // its first request's grace ran out: it counts against its source
    uint32_t requestSeq = 0;      // where this request starts in the upstream's sequence space
    uint8_t clientMinor = 1;
    uint8_t mirrorCount = 0;
    uint16_t responseEditsLength = 0;  // this exchange's ResponseHeaderModifier, in responseEdits_
    BodyFramer request, response;
    uint32_t requests = 0;
    uint32_t requestDueMs = 0;         // timeouts.request: the whole exchange; 0: none
    uint32_t backendDueMs = 0;         // timeouts.backendRequest; 0: none
    uint32_t mirrors[4];
  };
  static constexpr uint32_t kMaxMirrors = 4;
  static constexpr uint32_t kResponseEditBytes = 1024;

  void advance(l7::RelayWorker& rw, uint32_t s, const lb::L4Context& ctx, l7::L7Worker& l7);
  bool readRequest(l7::RelayWorker& rw, uint32_t s, const lb::L4Context& ctx, l7::L7Worker& l7);
  bool exchange(l7::RelayWorker& rw, uint32_t s, const lb::L4Context& ctx);
  bool drainAnswered(l7::RelayWorker& rw, uint32_t s);
  // Streams what `framer` says belongs to the message from `from` to `to`; returns the bytes moved.
  // With `copies`, each also gets what `to` took (a mirror that cannot keep up is dropped).
  uint32_t pumpBody(l7::RelayWorker& rw, uint32_t from, uint32_t to, BodyFramer& framer, const lb::L4Context& ctx,
                    Session* copies = nullptr);
  // The route's filters of a forwarded request: mirrors opened, response edits kept, deadlines set.
  void startMirrors(l7::RelayWorker& rw, uint32_t s, const l7::RouteChoice& choice, std::span<const uint8_t> head,
                    uint8_t family, const lb::L4Context& ctx);
  void detachMirrors(l7::RelayWorker& rw, uint32_t s, const lb::L4Context& ctx);
  void mirrorEvents(l7::RelayWorker& rw, uint32_t connection, uint8_t events, const lb::L4Context& ctx);
  void armExchange(uint32_t s, uint32_t nowMs);
  bool redirect(l7::RelayWorker& rw, uint32_t s, const l7::RouteChoice& choice, const l7::HttpRequestHead& head,
                uint16_t listenerPort);
  void answer(l7::RelayWorker& rw, uint32_t s, uint16_t status, bool close);
  uint32_t upstreamFor(l7::RelayWorker& rw, uint32_t s, uint32_t backendId, const lb::L4Context& ctx);
  // `finished`: its exchange completed, so an idle connection may go back to the pool.
  void releaseUpstream(l7::RelayWorker& rw, uint32_t s, bool finished, const lb::L4Context& ctx);
  // An idle upstream connection not kept: closed with a FIN (a reset would make the backend
  // log an error for a connection that did nothing wrong).
  void retire(l7::RelayWorker& rw, uint32_t connection);
  void upstreamFailed(l7::RelayWorker& rw, uint32_t s, uint8_t events, const lb::L4Context& ctx);
  // Sends the request again on a new connection when nothing of it reached a backend: its
  // reused upstream connection ended before the backend acknowledged any of it (a backend
  // closing an idle kept-alive connection as it is reused: the same endpoint again), or
  // its connection was never accepted (another endpoint). False when it may have been
  // acted on (or cannot be sent).
  bool retry(l7::RelayWorker& rw, uint32_t s, const lb::L4Context& ctx);
  // The request's endpoint, away from one marked down when its backendRef has another,
  // and that other (session.otherBackend) for a retry.
  uint32_t healthyEndpoint(const l7::RouteChoice& choice, uint32_t s, uint32_t nowMs);
  void end(l7::RelayWorker& rw, uint32_t s, const lb::L4Context& ctx);
  void arm(uint32_t s, uint32_t nowMs, uint32_t afterMs) { timers_.schedule(s, nowMs + afterMs); }

  ProxySettings settings_;
  std::vector<Session> sessions_;
  std::vector<uint32_t> free_;
  uint32_t inUse_ = 0;
  UpstreamPool pool_;
  EndpointHealth health_;
  tcp::TimerWheel timers_;
  tcp::TimerWheel mirrorTimers_;  // detached mirrors, by connection: how long their answer may take
  std::vector<uint8_t> scratch_;  // a head copied out to parse
  std::vector<uint8_t> out_;      // a head being written
  std::vector<char> path_;        // a rewritten path
  std::vector<char> location_;    // a redirect's Location
  // kResponseEditBytes per session, touched only by sessions whose route edits responses.
  std::unique_ptr<char[]> responseEdits_;
};

}  // namespace portico::dp::http
