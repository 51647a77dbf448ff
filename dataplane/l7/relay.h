#pragma once

// Relay- and proxy-mode L7 listeners, and what they share. Relay mode: the client's handshake is completed with a SYN cookie as in
// splice mode, but then the connection belongs to the workers' own TCP endpoint (tcp/):
// the first bytes (HTTP request head or TLS ClientHello) are read from its receive buffer,
// the route is chosen as for a splice, a connection of the endpoint's own is opened to the
// backend from the SNAT address, and the bytes are relayed between the two, each side
// with its own round trip, window and congestion control. A request no backend can take
// gets the appliance's answer (HTTP) or a reset (TLS).
//
// Flow records of relay connections carry kRelayFlow | the endpoint's connection id in
// FlowRecord::l7, one record per side (a backend side is its own flow, keyed by the
// reply's 4-tuple). Proxy mode (HTTP) accepts the same way and hands the connection to
// http::Proxy, which opens and pools backend connections through openUpstream().

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/http/proxy.h"
#include "dataplane/l7/head_guard.h"
#include "dataplane/l7/l7_settings.h"
#include "dataplane/lb/l4_path.h"
#include "dataplane/pkt/verdict.h"
#include "dataplane/snapshot/snapshot.h"
#include "dataplane/stats/counters.h"
#include "dataplane/tcp/endpoint.h"
#include "dataplane/tls/tls_worker.h"

namespace portico::dp::l7 {

struct L7Worker;

inline constexpr uint32_t kRelayFlow = 0x80000000u;
inline bool isRelayFlow(uint32_t flowL7) { return flowL7 != 0xffffffffu && (flowL7 & kRelayFlow) != 0; }

struct RelaySession {
  uint32_t client = tcp::Endpoint::kNone;  // endpoint connection ids
  uint32_t backend = tcp::Endpoint::kNone;
  uint32_t headDueMs = 0;   // the whole head must be here by then
  uint32_t acceptedMs = 0;
  bool inUse = false;
  bool tls = false;
  bool answered = false;    // the appliance's own answer went out: no backend
  bool clientShut = false;  // the client's FIN was passed to the backend
  bool backendShut = false;
  bool proxyProtocol = false;
};

class RelayWorker {
 public:
  // `seed` keys the source hash of the head guard.
  RelayWorker(const L7Settings& settings, LcoreCounters& counters, uint64_t seed);

  tcp::ChunkPool pool;
  tcp::Endpoint endpoint;
  std::vector<RelaySession> sessions;
  std::vector<uint32_t> freeSessions;
  std::vector<uint32_t> flowOf;       // by endpoint connection: its flow record, or kNone
  std::vector<uint32_t> headQueue;    // sessions awaiting their head, oldest first (a ring)
  uint32_t headFirst = 0, headCount = 0;
  uint32_t silenceChecked = 0;        // of the queue from headFirst: past their silence grace
  std::vector<uint8_t> head;          // a head copied out of the receive buffer to parse
  LcoreCounters& counters;
  // What connections whose head is still arriving may hold, by endpoint connection id: at
  // most L7Settings::buffers at once, and each source its share, as in splice mode.
  HeadGuard heads;
  uint32_t headLimit;
  std::unique_ptr<http::Proxy> http;  // proxy-mode listeners' sessions
  std::unique_ptr<tls::TlsWorker> tls;  // HTTPS listeners' TLS sessions (their requests: `http`)
};

// Opens a connection of the endpoint to backend `backendId` from a SNAT port that steers
// its replies to this worker, owned by `user`; kNone (the drop counted) when it cannot.
uint32_t openUpstream(RelayWorker& rw, uint32_t backendId, uint8_t family, uint32_t user, const lb::L4Context& ctx);
// With every connection slot taken, frees the one longest in TIME_WAIT.
void makeRoom(RelayWorker& rw, const lb::L4Context& ctx);
// Client connection `id` starts receiving a head: when its source is at its share, or
// every head allowance is taken, the head arriving longest (that source's, or anyone's)
// is reset first. headArrived() when the head is whole, failed or answered.
void admitHead(RelayWorker& rw, uint32_t id, const lb::L4Context& ctx);
using lb::nowUsOf;
inline void headArrived(RelayWorker& rw, uint32_t id) { rw.heads.leave(id); }
// A TLS listener in Terminate mode: the decrypted stream of `pipe` relayed as it is to
// `onward`'s backend, as a passthrough connection is. False when no session or
// connection is free (nothing changed).
bool relayStream(RelayWorker& rw, uint32_t pipe, const tls::Onward& onward, const lb::L4Context& ctx);
// The encrypted connection of pipe `pipe` is taken away: whoever reads the pipe (the
// proxy, or a relay session to a TLSRoute's backend) lets it go.
void pipeGone(RelayWorker& rw, uint32_t pipe, const lb::L4Context& ctx);
// Ends one side: reset if still open, its connection and flow record freed.
void closeSide(RelayWorker& rw, uint32_t id, const lb::L4Context& ctx);
// Moves what `from` received and `to` can take; passes the FIN on (once, `shut`) when
// everything before it went.
void pump(RelayWorker& rw, uint32_t from, uint32_t to, bool& shut);

// A TCP segment from a client to a relay-mode listener port, or on a relay flow.
pkt::Verdict relayToListener(uint8_t* frame, const pkt::ParsedPacket& p, const lb::KeyedPacket& k,
                             lb::FlowTable::Hit hit, const snapshot::L7Port& port, const lb::L4Context& ctx,
                             L7Worker& l7);
// Whether a relay flow's connection is over (a new SYN on its 4-tuple starts afresh).
bool relayFinished(L7Worker& l7, uint32_t flowL7);
// A segment on a relay flow found by the reply key (a backend's side).
pkt::Verdict relayInput(uint8_t* frame, const pkt::ParsedPacket& p, uint32_t record, const lb::L4Context& ctx,
                        L7Worker& l7);
// Once per loop pass, after the frames: what the endpoint has to tell the relay, then what
// it owes the wire; with `timers`, its timers and the head deadlines first.
void serviceRelay(const lb::L4Context& ctx, L7Worker& l7, bool timers);
// The flow of relay connection `connection` is gone (expired or evicted): the session ends.
void relayFlowGone(L7Worker& l7, uint32_t connection);

}  // namespace portico::dp::l7
