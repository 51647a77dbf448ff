#pragma once

// Per-lcore state of L7 connections, in fixed pools sized at start: one small record per
// connection for its whole life (found from the flow record's `l7` index), and, while
// the first bytes are held (from the client's first data until the backend acknowledges
// them, or until an answer is acknowledged), one buffer. No allocation after start.

#include <cstdint>
#include <vector>

#include "dataplane/l7/reassembly.h"
#include "dataplane/l7/syn_cookie.h"

namespace portico::dp::l7 {

inline constexpr uint32_t kNoSlot = 0xffffffffu;

enum class Phase : uint8_t {
  kReceiving,   // handshake done by cookie; collecting the first request or ClientHello
  kConnecting,  // backend SYN sent
  kSpliced,     // both halves joined; the held bytes go until the backend has them all
  kAnswering,   // the appliance's own answer is on its way; then the connection ends
};

struct Connection {
  uint32_t flow = kNoSlot;    // flow record
  uint32_t buffer = kNoSlot;  // buffer slot while bytes are held
  Phase phase = Phase::kReceiving;
  bool timed = false;         // a retransmission is due at timerMs
  bool listed = false;        // on the timer list (it may stay there a pass after disarming)
  bool sackPermitted = false;
  bool answerAcked = false;
  bool tls = false;           // a TLS listener: failures reset instead of answering
  uint8_t clientScale = kNoWindowScale;  // the client's window shift (also told to the backend)
  uint8_t backendScale = 0;
  uint8_t retries = 0;
  uint8_t clientFin = 0;
  uint16_t clientMss = 536;
  uint16_t backendMss = 536;
  uint16_t proxyLength = 0;   // PROXY header bytes before the client's stream
  uint16_t clientWindow = 0;  // latest raw window field from the client
  uint32_t clientIsn = 0;
  uint32_t localIsn = 0;      // the cookie: our ISN towards the client
  uint32_t backendIsn = 0;    // the backend's ISN, from its SYN-ACK
  uint32_t backendWindow = 0; // bytes, from its SYN-ACK
  uint32_t held = 0;          // client bytes held and acknowledged to the client
  uint32_t answerLength = 0;  // kAnswering: bytes of the answer in the buffer
  uint32_t timerMs = 0;       // when the next retransmission is due
  uint16_t rtoMs = 0;
  Reassembly reassembly;

  // Backend -> client sequence numbers move by this much (client -> backend ones do
  // not: the backend side starts at clientIsn - proxyLength).
  uint32_t seqDelta() const { return localIsn - backendIsn; }
  uint32_t backendSideIsn() const { return clientIsn - proxyLength; }
};

class Connections {
 public:
  Connections(uint32_t connections, uint32_t buffers, uint32_t bufferBytes);

  uint32_t allocate();  // kNoSlot when full
  void release(uint32_t id);
  uint32_t allocateBuffer();  // kNoSlot when none is free
  bool buffersLeft() const { return !freeBuffers_.empty(); }
  void releaseBuffer(Connection& c);
  Connection& operator[](uint32_t id) { return conns_[id]; }
  uint8_t* buffer(uint32_t slot) { return storage_.data() + static_cast<std::size_t>(slot) * bufferBytes_; }
  uint32_t bufferBytes() const { return bufferBytes_; }
  uint32_t buffersInUse() const { return static_cast<uint32_t>(storage_.size() / bufferBytes_ - freeBuffers_.size()); }

  // Connections waiting on a retransmission timer.
  void arm(uint32_t id, uint32_t dueMs, uint16_t rtoMs);
  void disarm(uint32_t id) { conns_[id].timed = false; }
  // Calls fn(id) for each armed connection whose time has come; a connection leaves the
  // list when it is disarmed (by fn, or earlier).
  template <typename Fn>
  void expireTimers(uint32_t nowMs, Fn&& fn) {
    for (std::size_t i = 0; i < timed_.size();) {
      const uint32_t id = timed_[i];
      if (conns_[id].timed && static_cast<int32_t>(nowMs - conns_[id].timerMs) >= 0) fn(id);
      if (!conns_[id].timed) {
        conns_[id].listed = false;
        timed_[i] = timed_.back();
        timed_.pop_back();
        continue;
      }
      ++i;
    }
  }

 private:
  std::vector<Connection> conns_;
  std::vector<uint32_t> freeConns_;
  std::vector<uint8_t> storage_;
  std::vector<uint32_t> freeBuffers_;
  uint32_t bufferBytes_;
  std::vector<uint32_t> timed_;  // capacity reserved for every connection
};

}  // namespace portico::dp::l7
