#pragma once

// L7 listener ports in the worker: delayed binding. The client's handshake is completed
// with a SYN cookie; its first bytes are held and acknowledged until the request head
// (HTTP) or ClientHello (TLS) is complete; the route is chosen; the backend side is
// opened from the SNAT address with the options the client offered; the held bytes are
// sent (after a PROXY v2 header if the listener asks) and kept until the backend
// acknowledges them; from then on both halves are spliced in place, shifting only the
// backend's sequence numbers (the backend side starts at the client's ISN, so the
// client's numbers pass unchanged). Requests no backend can take get the appliance's own
// answer (HTTP) or a reset (TLS).

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/l7/connection.h"
#include "dataplane/l7/head_guard.h"
#include "dataplane/l7/relay.h"
#include "dataplane/l7/l7_settings.h"
#include "dataplane/l7/syn_cookie.h"
#include "dataplane/lb/l4_path.h"
#include "dataplane/pkt/verdict.h"
#include "dataplane/snapshot/snapshot.h"
#include "dataplane/tcp/frame_sink.h"

namespace portico::dp::l7 {

using tcp::FrameSink;

// The window scale the appliance announces to clients.
inline constexpr uint8_t kLocalWindowScale = 7;

// One worker's L7 state.
struct L7Worker {
  L7Worker(const L7Settings& s, const SipKey& cookieKey, unsigned workerIndex, LcoreCounters& counters)
      : settings(s),
        conns(s.connections, s.buffers, s.bufferBytes),
        heads(s.buffers, s.sourceShare(), s.trustedPeers, cookieKey.k0 ^ cookieKey.k1),
        cookies(cookieKey),
        scratch(s.bufferBytes),
        worker(workerIndex),
        relay(std::make_unique<RelayWorker>(s, counters, cookieKey.k0 ^ cookieKey.k1)) {}

  void setSink(FrameSink* s) {
    sink = s;
    relay->endpoint.setSink(s);
  }

  L7Settings settings;
  Connections conns;
  HeadGuard heads;  // what arriving heads may hold of the buffers
  SynCookies cookies;
  std::vector<uint8_t> scratch;  // a ClientHello split over records is joined here
  unsigned worker;
  FrameSink* sink = nullptr;
  const std::atomic<bool>* draining = nullptr;  // the runtime's: the health endpoint says DRAINING
  std::unique_ptr<RelayWorker> relay;  // relay-mode listeners' connections
};

// A TCP segment from a client to an L7 listener port (VIP:port).
pkt::Verdict toListener(uint8_t* frame, uint32_t len, uint32_t capacity, const pkt::ParsedPacket& p,
                        const lb::KeyedPacket& k, const snapshot::L7Port& port, const lb::L4Context& ctx,
                        L7Worker& l7);

// A TCP segment from a backend to the SNAT address of an L7 flow.
pkt::Verdict fromBackend(uint8_t* frame, uint32_t len, uint32_t capacity, const pkt::ParsedPacket& p, uint32_t record,
                         const lb::L4Context& ctx, L7Worker& l7);

// Retransmissions that are due (backend SYNs, held bytes, answers), and heads that took
// too long.
void runTimers(const lb::L4Context& ctx, L7Worker& l7);

// Frees a connection's state when its flow goes (FlowTable's removal hook).
void releaseConnection(void* l7Worker, uint32_t connection);

}  // namespace portico::dp::l7
