#pragma once

// One worker's frame decisions without EAL: a snapshot with each kind of service, fresh
// per-worker tables, and frames in and out through dispatchFrame, the L7 timers and the
// relay service, as the poll loop runs them. Frames the appliance makes up are captured.
// Used by the frames fuzz target and by tests that play both peers of a conversation.

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "dataplane/l7/l7_path.h"
#include "dataplane/l7/relay.h"
#include "dataplane/pkt/checksum.h"
#include "dataplane/pkt/parser.h"
#include "dataplane/snapshot/compiler.h"
#include "dataplane/worker/dispatch.h"
#include "dataplane/worker/lcore_context.h"
#include "tests/common/tls_peer.h"

namespace portico::test {

namespace rig {

using namespace portico::dp;

inline constexpr uint32_t kCapacity = 2048;
inline constexpr uint8_t kClientSide = 0;
inline constexpr uint8_t kBackendSide = 1;
inline const pkt::MacAddr kClientPortMac{0x02, 0, 0x5e, 0, 0x53, 0x02};
inline const pkt::MacAddr kBackendPortMac{0x02, 0, 0x5e, 0, 0x53, 0x12};
inline const pkt::MacAddr kBackendMac{0x02, 0xbe, 0, 0, 0, 0x11};

inline pkt::IpAddress ip(const char* text) { return *pkt::IpAddress::parse(text); }

inline snapshot::L7BackendSpec backend(const char* name, uint16_t port) {
  snapshot::L7BackendSpec b;
  b.name = name;
  b.endpoints.push_back({ip("198.51.100.11"), port, 1, snapshot::BackendState::kActive});
  return b;
}

inline snapshot::L7RouteSpec route(const char* name, const char* prefix) {
  snapshot::L7RouteSpec r;
  r.name = name;
  r.match.path = prefix;
  r.backends.push_back(backend("rig/web:80", 8080));
  return r;
}

// VIPs 192.0.2.100 and 2001:db8::100 (ARP/NDP/echo); L4 TCP :81 and UDP :53; an HTTP
// proxy on :80 (a.example.com with every filter and a split, *.example.com to port 8080
// alone); TLS relayed on :443 with PROXY v2, and terminated there for secure.example.com
// (HTTPS) and stream.example.com (a TLSRoute); HTTP spliced on :8080. Every backend is
// 198.51.100.11.
inline snapshot::DesiredState everyService() {
  snapshot::DesiredState d;
  d.vips = {ip("192.0.2.100"), ip("2001:db8::100")};
  d.services.push_back({"rig-tcp", ip("192.0.2.100"), 81, 6, {{ip("198.51.100.11"), 9000, 1, {}}}});
  d.services.push_back({"rig-udp", ip("192.0.2.100"), 53, 17, {{ip("198.51.100.11"), 5353, 1, {}}}});

  snapshot::ListenerSpec http{"rig/gw/http", "", snapshot::ListenerProtocol::kHttp, false, {}, snapshot::L7Mode::kProxy};
  snapshot::L7RouteSpec edit = route("HTTPRoute rig/edit", "/edit");
  edit.filters.requestHeaders.set = {{"X-Set", "1"}};
  edit.filters.requestHeaders.add = {{"X-Add", "2"}};
  edit.filters.requestHeaders.remove = {"X-Remove"};
  edit.filters.responseHeaders.add = {{"X-Response", "3"}};
  edit.filters.rewrite = snapshot::RewriteSpec{"rewritten.example.com", snapshot::PathRewrite::kPrefix, "/new"};
  edit.filters.mirrors.push_back(backend("rig/mirror:80", 8081));
  edit.filters.requestTimeoutMs = 2000;
  edit.filters.backendTimeoutMs = 1000;
  snapshot::L7RouteSpec redirect = route("HTTPRoute rig/redirect", "/old");
  redirect.filters.redirect = snapshot::RedirectSpec{"https", "", 0, snapshot::PathRewrite::kFull, "/new", 301};
  snapshot::L7RouteSpec split = route("HTTPRoute rig/split", "/");
  split.backends.push_back(backend("rig/other:80", 8082));
  split.backends.back().filters.requestHeaders.set = {{"X-Backend", "other"}};
  http.hosts.push_back({"a.example.com", {edit, redirect, split}});
  http.hosts.push_back({"*.example.com", {route("HTTPRoute rig/wild", "/")}});
  d.l7Ports.push_back({ip("192.0.2.100"), 80, {http}});

  snapshot::ListenerSpec tls{"rig/gw/tls", "", snapshot::ListenerProtocol::kTls, true, {}, snapshot::L7Mode::kRelay};
  tls.hosts.push_back({"*.example.com", {route("TLSRoute rig/tls", "/")}});
  // TLS terminated on the same port: HTTPS for secure.example.com, a TLSRoute's stream for
  // stream.example.com.
  static const snapshot::CertificateSpec kCertificate = selfSigned("rig/cert", "EC", "*.example.com");
  snapshot::ListenerSpec https{"rig/gw/https", "secure.example.com", snapshot::ListenerProtocol::kHttps, false, {},
                               snapshot::L7Mode::kRelay, {kCertificate}};
  https.hosts.push_back({"secure.example.com", {route("HTTPRoute rig/secure", "/")}});
  snapshot::ListenerSpec stream{"rig/gw/stream", "stream.example.com", snapshot::ListenerProtocol::kTlsTerminate, false,
                                {}, snapshot::L7Mode::kRelay, {kCertificate}};
  stream.hosts.push_back({"stream.example.com", {route("TLSRoute rig/stream", "/")}});
  d.l7Ports.push_back({ip("192.0.2.100"), 443, {tls, https, stream}});

  snapshot::ListenerSpec splice{"rig/gw/splice", "", snapshot::ListenerProtocol::kHttp, false, {},
                                snapshot::L7Mode::kSplice};
  splice.hosts.push_back({"", {route("HTTPRoute rig/splice", "/")}});
  d.l7Ports.push_back({ip("192.0.2.100"), 8080, {splice}});
  return d;
}

// The snapshot and the port addresses it was compiled against: client side
// 192.0.2.2/24 and 2001:db8::2/64, backend side 198.51.100.2/24.
struct World {
  std::vector<arp::PortAddresses> ports;
  arp::NeighborCache neighbors;
  std::unique_ptr<snapshot::Snapshot> snap;
  std::string error;  // why the state did not compile, if it did not

  explicit World(const snapshot::DesiredState& desired = everyService()) {
    ports = {{kClientPortMac, ip("192.0.2.2").v4, ip("2001:db8::2").v6},
             {kBackendPortMac, ip("198.51.100.2").v4, std::nullopt}};
    std::vector<snapshot::PortRoute> routes;
    for (const auto& a : ports) routes.push_back({a, 24, 64, std::nullopt, std::nullopt});
    snapshot::Compiler compiler(routes, neighbors, 251, 1);
    neighbors.pin(1, ip("198.51.100.11"), kBackendMac);
    auto compiled = compiler.compile(desired, 1);
    if (compiled) {
      snap = std::move(*compiled);
    } else {
      error = compiled.error().toString();
    }
  }
};

// Whether a frame carries an L4 checksum to check: TCP, UDP (over IPv4 only when it is
// not zero) and ICMP, in a datagram that is not fragmented.
inline bool hasL4Checksum(const uint8_t* f, const pkt::ParsedPacket& p) {
  if (p.fragment || p.ipVersion == 0) return false;
  switch (p.l4Proto) {
    case pkt::kProtoTcp:
    case pkt::kProtoIcmp:
    case pkt::kProtoIcmp6:
      return true;
    case pkt::kProtoUdp:
      return p.ipVersion == 6 || f[p.l4Offset + 6] != 0 || f[p.l4Offset + 7] != 0;
    default:
      return false;
  }
}

// The ones' complement sum of the L4 segment, with its pseudo-header (none for ICMP).
inline uint32_t l4Sum(const uint8_t* f, const pkt::ParsedPacket& p) {
  const uint32_t len = p.l3End - p.l4Offset;
  uint32_t sum = 0;
  if (p.l4Proto != pkt::kProtoIcmp && p.ipVersion == 4) {
    const auto* iph = pkt::headerAt<pkt::Ipv4Hdr>(f, p.l3Offset);
    sum = pkt::sumBytes(reinterpret_cast<const uint8_t*>(&iph->src), 8) + p.l4Proto + len;
  } else if (p.l4Proto != pkt::kProtoIcmp) {
    sum = pkt::ipv6PseudoSum(pkt::headerAt<pkt::Ipv6Hdr>(f, p.l3Offset), len, p.l4Proto);
  }
  return pkt::sumBytes(f + p.l4Offset, len, sum);
}

inline bool l4ChecksumValid(const uint8_t* f, const pkt::ParsedPacket& p) {
  return !hasL4Checksum(f, p) || pkt::checksumValid(l4Sum(f, p));
}

// Sets the IP and UDP lengths to the frame's and every checksum right, as a sender's
// stack would.
inline void fixFrame(uint8_t* f, uint32_t len) {
  uint32_t off = sizeof(pkt::EthHdr);
  if (len < off) return;
  uint16_t type = pkt::ntoh16(pkt::headerAt<pkt::EthHdr>(f, 0)->etherType);
  for (int depth = 0; (type == pkt::kEtherTypeVlan || type == pkt::kEtherTypeQinQ) && depth < 2; ++depth) {
    if (off + sizeof(pkt::VlanHdr) > len) return;
    type = pkt::ntoh16(pkt::headerAt<pkt::VlanHdr>(f, off)->etherType);
    off += sizeof(pkt::VlanHdr);
  }
  if (type == pkt::kEtherTypeIpv4 && off + sizeof(pkt::Ipv4Hdr) <= len) {
    auto* iph = pkt::headerAt<pkt::Ipv4Hdr>(f, off);
    iph->versionIhl = static_cast<uint8_t>(0x40 | std::max(5, iph->versionIhl & 0x0f));
    if (off + (iph->versionIhl & 0x0f) * 4u > len) return;
    iph->totalLength = pkt::hton16(static_cast<uint16_t>(len - off));
    pkt::setIpv4Checksum(iph);
  } else if (type == pkt::kEtherTypeIpv6 && off + sizeof(pkt::Ipv6Hdr) <= len) {
    auto* iph = pkt::headerAt<pkt::Ipv6Hdr>(f, off);
    iph->vtcFlow = pkt::hton32((pkt::ntoh32(iph->vtcFlow) & 0x0fffffff) | 0x60000000);
    iph->payloadLength = pkt::hton16(static_cast<uint16_t>(len - off - sizeof(pkt::Ipv6Hdr)));
  }
  pkt::ParsedPacket p;
  if (!pkt::parseFrame(f, len, p).ok || p.fragment) return;
  std::size_t at = 0;
  switch (p.l4Proto) {
    case pkt::kProtoTcp: at = 16; break;
    case pkt::kProtoUdp: {
      at = 6;
      const uint16_t udpLen = pkt::hton16(static_cast<uint16_t>(p.l3End - p.l4Offset));
      std::memcpy(f + p.l4Offset + 4, &udpLen, 2);
      break;
    }
    case pkt::kProtoIcmp:
    case pkt::kProtoIcmp6: at = 2; break;
    default: return;
  }
  uint8_t* field = f + p.l4Offset + at;
  field[0] = field[1] = 0;
  uint16_t checksum = pkt::checksumField(l4Sum(f, p));
  if (checksum == 0 && p.l4Proto == pkt::kProtoUdp) checksum = 0xffff;  // zero means none (RFC 768)
  std::memcpy(field, &checksum, 2);
}

// What a TCP segment of a frame says.
struct Segment {
  bool tcp = false;
  uint32_t seq = 0, ack = 0, length = 0;  // length: payload bytes
  uint8_t flags = 0;
  uint16_t srcPort = 0, dstPort = 0;  // host order
  std::vector<uint8_t> payload;
};

inline Segment segmentOf(const uint8_t* f, uint32_t len) {
  Segment s;
  pkt::ParsedPacket p;
  if (!pkt::parseFrame(f, len, p).ok || p.l4Proto != pkt::kProtoTcp || p.fragment) return s;
  const uint8_t* t = f + p.l4Offset;
  s.tcp = true;
  s.srcPort = static_cast<uint16_t>(t[0] << 8 | t[1]);
  s.dstPort = static_cast<uint16_t>(t[2] << 8 | t[3]);
  std::memcpy(&s.seq, t + 4, 4);
  std::memcpy(&s.ack, t + 8, 4);
  s.seq = pkt::ntoh32(s.seq);
  s.ack = pkt::ntoh32(s.ack);
  s.flags = t[13];
  s.payload.assign(f + p.payloadOffset, f + p.l3End);
  s.length = static_cast<uint32_t>(s.payload.size());
  return s;
}

// Turns `f` into the peer's answer to `last` (both TCP over the same IP version):
// addresses and ports swapped, our sequence number what `last` acknowledged, our
// acknowledgement all of `last` (or, with ackAll false, only what came before it).
inline void replyTo(uint8_t* f, uint32_t len, const std::vector<uint8_t>& last, bool ackAll = true) {
  pkt::ParsedPacket ours, theirs;
  if (last.empty() || !pkt::parseFrame(f, len, ours).ok ||
      !pkt::parseFrame(last.data(), static_cast<uint32_t>(last.size()), theirs).ok) {
    return;
  }
  if (ours.l4Proto != pkt::kProtoTcp || theirs.l4Proto != pkt::kProtoTcp || ours.ipVersion != theirs.ipVersion ||
      ours.fragment || theirs.fragment) {
    return;
  }
  const uint8_t* l = last.data();
  std::memcpy(f, l + 6, 6);
  std::memcpy(f + 6, l, 6);
  if (ours.ipVersion == 4) {
    auto* mine = pkt::headerAt<pkt::Ipv4Hdr>(f, ours.l3Offset);
    const auto* peer = pkt::headerAt<pkt::Ipv4Hdr>(l, theirs.l3Offset);
    mine->src = peer->dst;
    mine->dst = peer->src;
  } else {
    auto* mine = pkt::headerAt<pkt::Ipv6Hdr>(f, ours.l3Offset);
    const auto* peer = pkt::headerAt<pkt::Ipv6Hdr>(l, theirs.l3Offset);
    mine->src = peer->dst;
    mine->dst = peer->src;
  }
  uint8_t* t = f + ours.l4Offset;
  const uint8_t* u = l + theirs.l4Offset;
  std::memcpy(t, u + 2, 2);  // our source port is their destination
  std::memcpy(t + 2, u, 2);
  std::memcpy(t + 4, u + 8, 4);  // our sequence number is what they acknowledged
  const uint8_t flags = u[13];
  uint32_t seq;
  std::memcpy(&seq, u + 4, 4);
  const uint32_t advance =
      ackAll ? (theirs.l3End - theirs.payloadOffset) + ((flags & 0x02) != 0) + ((flags & 0x01) != 0) : 0;
  const uint32_t ack = pkt::hton32(pkt::ntoh32(seq) + advance);
  std::memcpy(t + 8, &ack, 4);
  if ((t[13] & 0x04) == 0) t[13] |= 0x10;  // ACK, except on a bare reset
}

// A worker's tables for one run, fresh, sized small, and the frames it sent, per side.
class Conversation : public tcp::FrameSink {
 public:
  // Called for every frame the appliance sends: made up (`madeUp`), or the one it
  // received, answered or forwarded.
  using Watch = std::function<void(uint8_t side, const uint8_t* frame, uint32_t length, bool madeUp)>;

  explicit Conversation(const World& world, Watch watch = {})
      : world_(world),
        watch_(std::move(watch)),
        fragments_(64),
        snat_(0, 1),
        l7_(settings(), dp::l7::SipKey{1, 2}, 0, relayCounters) {
    l7_.setSink(this);
    flows_.setRemovalHook(dp::l7::releaseConnection, &l7_);
  }

  // Decides `frame` as received on `side`, then runs what the poll loop runs after a
  // burst. The frame is rewritten in place (its buffer must hold kCapacity bytes).
  pkt::Verdict receive(uint8_t side, uint8_t* frame, uint32_t len) {
    const worker::FrameContext ctx{*world_.snap, world_.ports, side, counters, &state_, nowMs_, &l7_, nowMs_ * 1000ull};
    const pkt::Verdict v = worker::dispatchFrame(frame, len, kCapacity, ctx);
    if (v.action() == pkt::Verdict::Action::kReply || v.action() == pkt::Verdict::Action::kForward) {
      const uint8_t out = v.action() == pkt::Verdict::Action::kReply ? side : v.target();
      if (out < 2) last[out].assign(frame, frame + v.length());
      if (watch_) watch_(out, frame, v.length(), false);
    }
    service();
    return v;
  }

  // Lets `ms` pass and runs the timers.
  void wait(uint32_t ms) {
    nowMs_ += ms;
    service();
  }

  // The last frame sent out of each side, and every frame the appliance made up.
  std::vector<uint8_t> last[2];
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> madeUp;
  LcoreCounters counters;
  LcoreCounters relayCounters;

  uint8_t* begin(uint32_t& capacity) override {
    capacity = sizeof buf_;
    return buf_;
  }
  void commit(uint8_t port, uint16_t length) override {
    if (port < 2) last[port].assign(buf_, buf_ + length);
    madeUp.emplace_back(port, std::vector<uint8_t>(buf_, buf_ + length));
    if (watch_) watch_(port, buf_, length, true);
  }

 private:
  // Small tables: a fuzz target starts each input afresh, and zeroing the production
  // sizes would take most of its time.
  static dp::l7::L7Settings settings() {
    dp::l7::L7Settings s;
    s.connections = 64;
    s.buffers = 8;
    s.bufferBytes = 4096;
    s.relayConnections = 64;
    s.relayBufferMb = 1;
    return s;
  }

  void service() {
    const lb::L4Context l4{*world_.snap, flows_,  fragments_, snat_,    world_.neighbors, world_.ports, 0,
                           nowMs_,       counters, nowMs_ * 1000ull};
    dp::l7::runTimers(l4, l7_);
    dp::l7::serviceRelay(l4, l7_, true);
    flows_.expire(nowMs_, 16);
  }

  const World& world_;
  Watch watch_;
  uint32_t nowMs_ = 1000;
  lb::FlowTable flows_{256, {}};
  lb::FragmentTable fragments_;
  lb::SnatPorts snat_;
  dp::l7::L7Worker l7_;
  TokenBucket strayResets_{worker::LcoreContext::kStrayResetsPerSecond, 1'000'000};
  worker::FlowState state_{flows_, fragments_, snat_, world_.neighbors, 0, 1, false, &strayResets_};
  uint8_t buf_[kCapacity];
};

}  // namespace rig

}  // namespace portico::test
