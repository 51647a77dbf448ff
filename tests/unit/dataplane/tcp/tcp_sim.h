#pragma once

// Two TCP endpoints joined by a simulated link with a bottleneck rate, a drop-tail queue,
// delay, and a seeded impairment (loss, reordering, duplication), on a simulated clock:
// transfers of many megabytes under any impairment run in well under a second, the same
// way every time. Host "a" opens connections to host "b"; b's side answers the SYN the
// way the worker does (a SYN-ACK of its own, then Endpoint::accept on the ACK).

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include "dataplane/lb/flow_key.h"
#include "dataplane/lb/tcp_state.h"
#include "dataplane/pkt/ip_address.h"
#include "dataplane/pkt/parser.h"
#include "dataplane/stats/counters.h"
#include "dataplane/tcp/endpoint.h"
#include "dataplane/tcp/segment_writer.h"

namespace portico::dp::tcp::sim {

using Frame = std::vector<uint8_t>;

// Frames the endpoint sends, kept in order.
class CaptureSink : public FrameSink {
 public:
  uint8_t* begin(uint32_t& capacity) override {
    pending_.assign(2048, 0);
    capacity = 2048;
    return pending_.data();
  }
  void commit(uint8_t, uint16_t length) override {
    if (length == 0) return;
    pending_.resize(length);
    frames.push_back(std::move(pending_));
  }
  std::deque<Frame> frames;

 private:
  Frame pending_;
};

struct Impairment {
  double loss = 0;        // share of frames dropped
  double reorder = 0;     // share of frames held back by reorderDelayUs
  uint32_t reorderDelayUs = 0;
  double duplicate = 0;   // share of frames sent twice
  uint32_t delayUs = 50;  // one way
  uint64_t bitsPerSecond = 1'000'000'000;
  uint32_t queueFrames = 2'000;  // drop-tail bottleneck queue
};

// One direction of the link.
class Link {
 public:
  Link(const Impairment& imp, uint32_t seed) : imp_(imp), rng_(seed) {}

  void send(Frame f, uint64_t nowUs) {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(rng_) < imp_.loss) {
      ++dropped;
      return;
    }
    // Serialization at the bottleneck: a frame waits for the ones before it.
    const uint64_t start = std::max(nowUs, busyUntil_);
    if ((start - nowUs) * imp_.bitsPerSecond / 8 / 1'000'000 > imp_.queueFrames * 1514ull) {
      ++dropped;  // the queue is full
      return;
    }
    busyUntil_ = start + (f.size() * 8 * 1'000'000) / imp_.bitsPerSecond + 1;
    uint64_t at = busyUntil_ + imp_.delayUs;
    if (u(rng_) < imp_.reorder) at += imp_.reorderDelayUs;
    if (u(rng_) < imp_.duplicate) queue_.push({at + 1, seq_++, f});
    queue_.push({at, seq_++, std::move(f)});
  }

  // The next frame due at or before nowUs.
  bool due(uint64_t nowUs, Frame& out) {
    if (queue_.empty() || queue_.top().at > nowUs) return false;
    out = queue_.top().frame;
    queue_.pop();
    return true;
  }
  uint64_t nextAt() const { return queue_.empty() ? UINT64_MAX : queue_.top().at; }

  uint64_t dropped = 0;

 private:
  struct InFlight {
    uint64_t at;
    uint64_t order;
    Frame frame;
    bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  Impairment imp_;
  std::mt19937_64 rng_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<>> queue_;
  uint64_t busyUntil_ = 0;
  uint64_t seq_ = 0;
};

inline uint8_t patternByte(uint64_t i) { return static_cast<uint8_t>((i * 2654435761u) >> 13); }

// One host: an endpoint, its sink, its pool; connections keyed by the local port.
struct Host {
  Host(const Settings& s, uint32_t chunks, const char* mac, const char* ip)
      : pool(chunks), endpoint(s, 256, pool, &sink, counters) {
    for (int i = 0; i < 6; ++i) macAddr[i] = static_cast<uint8_t>(mac[i]);
    address = lb::v4Mapped(pkt::IpAddress::parse(ip)->v4);
  }
  ChunkPool pool;
  CaptureSink sink;
  LcoreCounters counters;
  Endpoint endpoint;
  pkt::MacAddr macAddr{};
  pkt::Ipv6Addr address{};
  std::map<uint16_t, uint32_t> byLocalPort;  // host-order local port -> connection
};

// What an application does with one connection: send `toSend` bytes of the pattern then
// shut its side; read everything and check it against the pattern; shut its side once the
// peer did (unless `holdOpen`).
struct App {
  uint64_t toSend = 0;
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t mismatches = 0;
  bool reading = true;
  bool holdOpen = false;
  bool shutAfterSend = false;
  bool connected = false, peerClosed = false, closed = false, reset = false, timedOut = false;
  uint64_t closedAtUs = 0;
};

class Sim {
 public:
  Sim(const Settings& a, const Settings& b, const Impairment& ab, const Impairment& ba, uint32_t seed = 1,
      uint32_t chunks = 2048)
      : a_(a, chunks, "\x02\x00\x00\x00\x00\x0a", "192.0.2.1"),
        b_(b, chunks, "\x02\x00\x00\x00\x00\x0b", "198.51.100.11"),
        ab_(ab, seed),
        ba_(ba, seed * 7919 + 1) {}

  Host& a() { return a_; }
  Host& b() { return b_; }
  uint64_t now() const { return now_; }
  Link& linkAb() { return ab_; }
  Link& linkBa() { return ba_; }

  // What b's listener offers in its SYN-ACK.
  SynOptions listenerOptions{1460, 7, true};
  uint16_t connectorMssClamp = 0;  // a's port's MSS clamp

  // Opens a connection from a (local port `port`) to b:80 with `app` on a's side.
  uint32_t open(uint16_t port, App* app, App* peerApp) {
    Path p = pathOf(a_, b_, port, 80);
    p.mssClamp = connectorMssClamp;
    const uint32_t id = a_.endpoint.connect(p, 1'000'000u * port, now_);
    a_.byLocalPort[port] = id;
    apps_[{0, id}] = app;
    pendingPeerApps_[port] = peerApp;
    return id;
  }

  // Runs until `done` is true or the simulated time passes `untilUs`.
  template <typename Done>
  bool run(uint64_t untilUs, Done&& done) {
    while (now_ < untilUs) {
      step();
      if (done()) return true;
      const uint64_t next = std::min({ab_.nextAt(), ba_.nextAt(), now_ + 1000});
      now_ = std::max(now_ + 1, next);
    }
    return false;
  }

  // What an application does when it looks at its connection (on events, or when a test
  // says it would look now).
  void drive(int h, uint32_t id) {
    App* app = appOf(h, id);
    Endpoint& e = (h == 0 ? a_ : b_).endpoint;
    if (app == nullptr || e.state(id) == State::kFree) return;
    if (app->reading) {
      const uint32_t n = e.readable(id);
      if (n > 0) {
        std::vector<uint8_t> buf(n);
        e.read(id, 0, buf);
        for (uint32_t i = 0; i < n; ++i) {
          if (buf[i] != patternByte(app->received + i)) ++app->mismatches;
        }
        app->received += n;
        e.consume(id, n);
      }
    }
    while (app->sent < app->toSend) {
      const uint32_t room = e.writable(id);
      if (room == 0) break;
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>({room, app->toSend - app->sent, 65536}));
      std::vector<uint8_t> buf(n);
      for (uint32_t i = 0; i < n; ++i) buf[i] = patternByte(app->sent + i);
      const uint32_t w = e.write(id, buf);
      app->sent += w;
      if (w < n) break;
    }
    if (app->sent == app->toSend && app->shutAfterSend) e.shutdown(id);
    if (e.peerClosed(id)) app->peerClosed = true;
    if (app->peerClosed && !app->holdOpen && app->sent == app->toSend) e.shutdown(id);
  }

  // The most payload any delivered segment carried, either way.
  uint32_t largestPayload() const { return largestPayload_; }

  App* appOf(int host, uint32_t id) {
    auto it = apps_.find({host, id});
    return it == apps_.end() ? nullptr : it->second;
  }

 private:
  uint32_t largestPayload_ = 0;

  static Path pathOf(const Host& self, const Host& peer, uint16_t localPort, uint16_t remotePort) {
    Path p;
    p.localMac = self.macAddr;
    p.remoteMac = peer.macAddr;
    p.local = self.address;
    p.remote = peer.address;
    p.localPortBe = pkt::hton16(localPort);
    p.remotePortBe = pkt::hton16(remotePort);
    p.family = 4;
    return p;
  }

  void step() {
    Frame f;
    while (ab_.due(now_, f)) deliver(b_, 1, f);
    while (ba_.due(now_, f)) deliver(a_, 0, f);
    for (int pass = 0; pass < 2; ++pass) {
      for (int h = 0; h < 2; ++h) {
        Host& host = h == 0 ? a_ : b_;
        host.endpoint.runTimers(now_);
        host.endpoint.drainEvents([&](uint32_t id, uint8_t ev) { onEvents(h, id, ev); });
        host.endpoint.flush(now_);
      }
    }
    while (!a_.sink.frames.empty()) {
      ab_.send(std::move(a_.sink.frames.front()), now_);
      a_.sink.frames.pop_front();
    }
    while (!b_.sink.frames.empty()) {
      ba_.send(std::move(b_.sink.frames.front()), now_);
      b_.sink.frames.pop_front();
    }
  }

  void deliver(Host& host, int h, Frame& f) {
    pkt::ParsedPacket p;
    if (!pkt::parseFrame(f.data(), static_cast<uint32_t>(f.size()), p).ok || p.l4Proto != pkt::kProtoTcp) return;
    uint8_t* tcp = f.data() + p.l4Offset;
    const SegmentIn seg = readSegment(tcp, f.data() + p.payloadOffset, static_cast<uint32_t>(p.l3End - p.payloadOffset));
    largestPayload_ = std::max<uint32_t>(largestPayload_, static_cast<uint32_t>(p.l3End - p.payloadOffset));
    const uint16_t dport = pkt::ntoh16(reinterpret_cast<pkt::TcpHdr*>(tcp)->dstPort);
    const uint16_t sport = pkt::ntoh16(reinterpret_cast<pkt::TcpHdr*>(tcp)->srcPort);
    if (h == 1) {
      // b listens on 80; connections are keyed by the client's port there.
      auto it = host.byLocalPort.find(sport);
      if (it == host.byLocalPort.end() || host.endpoint.state(it->second) == State::kFree) {
        listen(seg, sport);
        return;
      }
      host.endpoint.input(it->second, seg, now_);
      return;
    }
    auto it = host.byLocalPort.find(dport);
    if (it != host.byLocalPort.end()) host.endpoint.input(it->second, seg, now_);
  }

  // b's listener: a SYN gets a SYN-ACK; the ACK that completes it is an accept().
  void listen(const SegmentIn& seg, uint16_t clientPort) {
    const uint32_t iss = 5'000'000u + clientPort;
    if ((seg.flags & (lb::kTcpSyn | lb::kTcpAck)) == lb::kTcpSyn) {
      synOptions_[clientPort] = seg.syn;
      clientIsn_[clientPort] = seg.seq;
      SegmentSpec s;
      s.srcMac = b_.macAddr;
      s.dstMac = a_.macAddr;
      s.src = b_.address;
      s.dst = a_.address;
      s.srcPortBe = pkt::hton16(80);
      s.dstPortBe = pkt::hton16(clientPort);
      s.seq = iss;
      s.ack = seg.seq + 1;
      s.flags = lb::kTcpSyn | lb::kTcpAck;
      s.window = 0xffff;
      s.mss = listenerOptions.mss;
      s.windowScale = seg.syn.windowScale == kNoWindowScale ? kNoWindowScale : listenerOptions.windowScale;
      s.sackPermitted = listenerOptions.sackPermitted && seg.syn.sackPermitted;
      uint32_t cap = 0;
      uint8_t* buf = b_.sink.begin(cap);
      b_.sink.commit(0, writeSegment(buf, cap, s));
      return;
    }
    // As a SYN cookie proves it: the ACK must answer our SYN-ACK and follow the client's ISN.
    if ((seg.flags & (lb::kTcpSyn | lb::kTcpAck | lb::kTcpRst)) != lb::kTcpAck || seg.ack != iss + 1 ||
        !clientIsn_.count(clientPort) || seg.seq != clientIsn_[clientPort] + 1) {
      return;
    }
    SynOptions peer = synOptions_[clientPort];
    if (listenerOptions.windowScale == kNoWindowScale) peer.windowScale = kNoWindowScale;
    peer.sackPermitted = peer.sackPermitted && listenerOptions.sackPermitted;
    peer.mss = std::min(peer.mss, listenerOptions.mss);
    const uint32_t id = b_.endpoint.accept(pathOf(b_, a_, 80, clientPort), iss, seg.seq - 1, peer, seg.window);
    if (id == Endpoint::kNone) return;
    b_.byLocalPort[clientPort] = id;
    apps_[{1, id}] = pendingPeerApps_[clientPort];
    if (seg.length > 0 || (seg.flags & lb::kTcpFin)) b_.endpoint.input(id, seg, now_);
    drive(1, id);
  }

  void onEvents(int h, uint32_t id, uint8_t ev) {
    App* app = appOf(h, id);
    if (app == nullptr) return;
    Endpoint& e = (h == 0 ? a_ : b_).endpoint;
    if (ev & kConnected) app->connected = true;
    if (ev & kReset) app->reset = true;
    if (ev & kTimedOut) app->timedOut = true;
    if (ev & (kReset | kTimedOut | kClosed)) {
      app->closed = true;
      app->closedAtUs = now_;
      e.release(id);
      return;
    }
    drive(h, id);
  }

  Host a_, b_;
  Link ab_, ba_;
  uint64_t now_ = 1'000'000;
  std::map<std::pair<int, uint32_t>, App*> apps_;
  std::map<uint16_t, App*> pendingPeerApps_;
  std::map<uint16_t, SynOptions> synOptions_;
  std::map<uint16_t, uint32_t> clientIsn_;
};

}  // namespace portico::dp::tcp::sim
