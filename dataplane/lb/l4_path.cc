#include "dataplane/lb/l4_path.h"

#include <atomic>
#include <cstddef>
#include <cstring>

#include "dataplane/lb/nat.h"
#include "dataplane/tcp/tcp_options.h"
#include "dataplane/tcp/segment_writer.h"

namespace portico::dp::lb {

using namespace pkt;

namespace {

uint8_t tcpFlags(const uint8_t* frame, const ParsedPacket& p) {
  return p.l4Proto == kProtoTcp ? headerAt<TcpHdr>(frame, p.l4Offset)->flags : 0;
}

// Rewrites addresses, ports and Ethernet source towards the given endpoints, out of port
// `egress`; the caller has written the Ethernet destination.
Verdict emit(uint8_t* frame, uint32_t len, const ParsedPacket& p, const Ipv6Addr& src, const Ipv6Addr& dst,
             uint16_t srcPort, uint16_t dstPort, uint8_t egress, const L4Context& ctx) {
  if (!decrementHopLimit(frame, p)) return Verdict::drop(DropReason::kTtlExpired);
  rewriteFlow(frame, p, src, dst, srcPort, dstPort);
  headerAt<EthHdr>(frame, 0)->src = ctx.ports[egress].mac;
  return Verdict::forward(egress, static_cast<uint16_t>(len));
}

FragmentKey fragmentKey(const uint8_t* frame, const ParsedPacket& p) {
  FragmentKey k;
  if (p.ipVersion == 4) {
    const auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
    k.src = v4Mapped(ip->src);
    k.dst = v4Mapped(ip->dst);
  } else {
    const auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
    k.src = ip->src;
    k.dst = ip->dst;
  }
  k.id = p.fragmentId;
  k.proto = p.l4Proto;
  k.family = p.ipVersion;
  return k;
}

// The first fragment of a datagram shows its later fragments the way.
void rememberFirstFragment(const uint8_t* frame, const ParsedPacket& p, uint32_t rec, bool reverse,
                           const L4Context& ctx) {
  if (!p.fragment) return;
  ctx.fragments.remember(fragmentKey(frame, p), {rec, reverse}, ctx.flows.record(rec).forward.hash(), ctx.nowMs);
}

// Towards the backend: from the SNAT address and port to the backend, the reverse key
// (backend -> SNAT) the other way round.
Verdict sendToBackend(uint8_t* frame, uint32_t len, const ParsedPacket& p, FlowRecord& r,
                      const snapshot::BackendEntry& be, const L4Context& ctx) {
  if (!ctx.neighbors.copyMac(be.neighborSlot, headerAt<EthHdr>(frame, 0)->dst.data())) {
    return Verdict::drop(DropReason::kNeighborUnresolved);
  }
  r.lastSeenMs = ctx.nowMs;
  LcoreCounters::bump(ctx.counters.toBackend);
  const FlowKey& k = r.reverse;
  return emit(frame, len, p, k.dst, k.src, k.dstPort, k.srcPort, be.egressPort, ctx);
}

// Towards the client: from the VIP to the client, the forward key the other way round.
Verdict sendToClient(uint8_t* frame, uint32_t len, const ParsedPacket& p, FlowRecord& r, const L4Context& ctx) {
  r.lastSeenMs = ctx.nowMs;
  LcoreCounters::bump(ctx.counters.toClient);
  ctx.counters.vipSent(r.vipSlot, len);
  headerAt<EthHdr>(frame, 0)->dst = r.clientNextHop;
  const FlowKey& k = r.forward;
  return emit(frame, len, p, k.dst, k.src, k.dstPort, k.srcPort, r.clientPort, ctx);
}

// A SYN (or SYN-ACK) between two ports: both ends learn the smaller path's MSS from the
// SYNs they exchange (ports[].mss).
void clampSyn(uint8_t* frame, const ParsedPacket& p, uint8_t egress, const L4Context& ctx) {
  tcp::clampMss(frame + p.l4Offset, tcp::tighterMss(ctx.ports[ctx.rxPort].mss, ctx.ports[egress].mss));
}

bool removed(const snapshot::BackendEntry* be) { return be == nullptr || be->state == snapshot::BackendState::kRemoved; }

// The backend of a flow if it still exists; a flow whose backend was removed ends here.
const snapshot::BackendEntry* liveBackend(uint32_t rec, const L4Context& ctx) {
  const snapshot::BackendEntry* be = ctx.snap.backend(ctx.flows.record(rec).backendId);
  if (!removed(be)) return be;
  ctx.flows.remove(rec);
  return nullptr;
}

// The frame in hand becomes a reset from the VIP to the client, `forward` being the
// connection's client-to-VIP key, so the client gives up the connection now rather than
// retransmitting into silence. The caller counts it.
Verdict resetClient(uint8_t* frame, uint32_t len, const FlowKey& forward, const MacAddr& clientMac, uint8_t clientPort,
                    uint32_t seq, uint32_t ack, uint8_t flags, const L4Context& ctx) {
  tcp::SegmentSpec s;
  s.srcMac = ctx.ports[clientPort].mac;
  s.dstMac = clientMac;
  s.family = forward.family;
  s.src = forward.dst;
  s.dst = forward.src;
  s.srcPortBe = forward.dstPort;
  s.dstPortBe = forward.srcPort;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  const uint16_t n = tcp::writeSegment(frame, len, s);
  if (n == 0) return Verdict::drop(DropReason::kBackendRemoved);
  return Verdict::forward(clientPort, n);
}

// The answer to a client's TCP segment on a connection that ends here: <SEQ=SEG.ACK>
// <CTL=RST> (RFC 9293), or without an ACK to echo, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
// Its sequence number is exactly what the client expects, so the client takes it.
Verdict resetSegment(uint8_t* frame, uint32_t len, const ParsedPacket& p, const FlowKey& forward, const L4Context& ctx) {
  const auto* tcp = headerAt<TcpHdr>(frame, p.l4Offset);
  const bool acks = (tcp->flags & kTcpAck) != 0;
  return resetClient(frame, len, forward, headerAt<EthHdr>(frame, 0)->src, ctx.rxPort, acks ? ntoh32(tcp->ack) : 0,
                     acks ? 0 : ntoh32(tcp->seq) + static_cast<uint32_t>(p.l3End - p.payloadOffset),
                     acks ? kTcpRst : kTcpRst | kTcpAck, ctx);
}

Verdict counted(Verdict v, std::atomic<uint64_t>& counter) {
  if (!v.isDrop()) LcoreCounters::bump(counter);
  return v;
}

// A client segment on a flow whose backend was removed (its endpoint left the cluster):
// the flow ends here with a reset, and later segments are strays.
Verdict resetFromClient(uint8_t* frame, uint32_t len, const ParsedPacket& p, uint32_t rec, const L4Context& ctx) {
  const FlowKey forward = ctx.flows.record(rec).forward;
  ctx.flows.remove(rec);
  if (p.l4Proto != kProtoTcp || (tcpFlags(frame, p) & kTcpRst) != 0) return Verdict::drop(DropReason::kBackendRemoved);
  return counted(resetSegment(frame, len, p, forward, ctx), ctx.counters.l4BackendResets);
}

// A client segment of a connection no flow here holds: the router moved it from another
// appliance, this dataplane restarted, or its flow expired or was evicted. Within the
// worker's budget the client gets a reset and reconnects at once; a drop would leave it
// retransmitting for minutes. It buys no state.
Verdict resetStray(uint8_t* frame, uint32_t len, const ParsedPacket& p, const FlowKey& key, const L4Context& ctx) {
  if (ctx.strayResets == nullptr || !ctx.strayResets->admit(nowUsOf(ctx))) return Verdict::drop(DropReason::kNoFlow);
  const Verdict v = counted(resetSegment(frame, len, p, key, ctx), ctx.counters.l4StrayResets);
  return v.isDrop() ? Verdict::drop(DropReason::kNoFlow) : v;
}

// A backend segment on such a flow (a stream keeps coming from an endpoint that is gone):
// a reset with the segment's sequence number. The client takes it when that is the byte
// it expects next; otherwise (a zero-window probe, a retransmission) RFC 5961 has it
// answer with a challenge ACK, which finds the flow still here and gets the exact reset
// above. The flow is kept for that, as reset: it expires within seconds.
Verdict resetFromBackend(uint8_t* frame, uint32_t len, const ParsedPacket& p, uint32_t rec, const L4Context& ctx) {
  FlowRecord& r = ctx.flows.record(rec);
  if (p.l4Proto != kProtoTcp) {
    ctx.flows.remove(rec);  // no session to end on the client's side: the flow just goes
    return Verdict::drop(DropReason::kBackendRemoved);
  }
  if ((tcpFlags(frame, p) & kTcpRst) != 0) return Verdict::drop(DropReason::kBackendRemoved);
  r.state = FlowState::kReset;
  r.lastSeenMs = ctx.nowMs;
  return counted(resetClient(frame, len, r.forward, r.clientNextHop, r.clientPort,
                             ntoh32(headerAt<TcpHdr>(frame, p.l4Offset)->seq), 0, kTcpRst, ctx),
                 ctx.counters.l4BackendResets);
}

// The SNAT source address on a port for a family, if the port has one.
bool snatAddress(const arp::PortAddresses& port, uint8_t family, Ipv6Addr& out) {
  if (family == 4 && port.ipv4) {
    out = v4Mapped(*port.ipv4);
    return true;
  }
  if (family == 6 && port.ipv6) {
    out = *port.ipv6;
    return true;
  }
  return false;
}

}  // namespace

DropReason snatReply(const snapshot::BackendEntry& be, uint8_t family, uint8_t proto, const L4Context& ctx,
                     FlowKey& reply) {
  reply = FlowKey{};
  reply.src = be.address.family == 4 ? v4Mapped(be.address.v4) : be.address.v6;
  if (!snatAddress(ctx.ports[be.egressPort], family, reply.dst)) return DropReason::kNoSnatAddress;
  reply.srcPort = be.portBe;
  reply.proto = proto;
  reply.family = family;
  // Every port tried may be held (a SYN flood towards a service with few backends holds
  // all 64 512 of a backend's ports in half-open flows for their 10 s): then the flow
  // with the least time left among those tried gives its port up, as a full flow table
  // evicts, so new connections are served instead of dropped until the flood's expire.
  uint32_t victim = FlowTable::kNone, victimLeft = 0;
  uint16_t victimPort = 0;
  uint16_t port = ctx.snat.choose(be.egressPort, reply, [&](uint16_t candidate) {
    reply.dstPort = hton16(candidate);
    const uint32_t holder = ctx.flows.holder(reply, reply.hash());
    if (holder == FlowTable::kNone) return true;
    const uint32_t left = ctx.flows.timeLeftMs(holder, ctx.nowMs);
    if (victim == FlowTable::kNone || left < victimLeft) {
      victim = holder;
      victimLeft = left;
      victimPort = candidate;
    }
    return false;
  });
  if (port == 0) {
    if (victim == FlowTable::kNone) return DropReason::kSnatPortsExhausted;
    ctx.flows.evict(victim);
    LcoreCounters::bump(ctx.counters.snatPortsReclaimed);
    port = victimPort;
  }
  reply.dstPort = hton16(port);
  return DropReason::kCount;
}

Verdict toBackend(uint8_t* frame, uint32_t len, const ParsedPacket& p, const KeyedPacket& k, const L4Context& ctx) {
  const FlowKey& key = k.key;
  const uint64_t hash = k.hash;
  const uint8_t flags = tcpFlags(frame, p);
  const bool tcp = p.l4Proto == kProtoTcp;
  const auto hit = ctx.flows.lookup(key, hash, ctx.nowMs);

  uint32_t rec;
  const snapshot::BackendEntry* be;
  // A new SYN on the 4-tuple of a connection that closed or was reset is a new
  // connection (the client reused its port), not part of the old one: pick afresh.
  if (hit && !hit->reverse && (flags & (kTcpSyn | kTcpAck)) == kTcpSyn) {
    const FlowState old = ctx.flows.record(hit->record).state;
    if (finSeen(old) || old == FlowState::kReset) {
      ctx.flows.remove(hit->record);
      return toBackend(frame, len, p, k, ctx);
    }
  }
  if (hit && !hit->reverse) {
    rec = hit->record;
    be = ctx.snap.backend(ctx.flows.record(rec).backendId);
    if (removed(be)) return resetFromClient(frame, len, p, rec, ctx);
  } else {
    // Only a SYN opens a TCP flow: a stray segment must not buy state.
    if (tcp && (flags & (kTcpSyn | kTcpAck | kTcpRst)) != kTcpSyn) {
      return (flags & (kTcpSyn | kTcpRst)) == 0 ? resetStray(frame, len, p, key, ctx) : Verdict::drop(DropReason::kNoFlow);
    }
    const snapshot::ServiceEntry* svc = ctx.snap.findService(key.dst, key.dstPort, key.proto);
    if (svc == nullptr) return Verdict::drop(DropReason::kNoServiceOnVip);
    const uint16_t pick = svc->maglev.lookup(static_cast<uint32_t>(hash));
    if (pick == MaglevTable::kNoBackend) return Verdict::drop(DropReason::kNoBackend);
    const uint32_t backendId = svc->backendIds[pick];
    be = ctx.snap.backend(backendId);

    FlowKey reply;
    const DropReason why = snatReply(*be, key.family, key.proto, ctx, reply);
    if (why != DropReason::kCount) return Verdict::drop(why);

    rec = ctx.flows.insert(key, hash, reply, reply.hash(), ctx.nowMs);
    FlowRecord& r = ctx.flows.record(rec);
    r.backendId = backendId;
    r.vipSlot = ctx.snap.vips.slotOfMapped(key.dst);
    ctx.counters.vipConnected(r.vipSlot);
    r.clientNextHop = headerAt<EthHdr>(frame, 0)->src;
    r.clientPort = ctx.rxPort;
    r.backendPort = be->egressPort;
    r.state = tcp ? FlowState::kSynSeen : FlowState::kUdp;
    LcoreCounters::bump(ctx.counters.flowsCreated);
  }

  FlowRecord& r = ctx.flows.record(rec);
  if (tcp) r.state = nextTcpState(r.state, flags, false);
  if (flags & kTcpSyn) clampSyn(frame, p, be->egressPort, ctx);
  rememberFirstFragment(frame, p, rec, false, ctx);
  return sendToBackend(frame, len, p, r, *be, ctx);
}

Verdict toClient(uint8_t* frame, uint32_t len, const ParsedPacket& p, const KeyedPacket& k, const L4Context& ctx) {
  return toClient(frame, len, p, ctx.flows.lookup(k.key, k.hash, ctx.nowMs), ctx);
}

Verdict toClient(uint8_t* frame, uint32_t len, const ParsedPacket& p, FlowTable::Hit hit, const L4Context& ctx) {
  if (!hit || !hit->reverse) return Verdict::drop(DropReason::kNoHostPath);
  if (removed(ctx.snap.backend(ctx.flows.record(hit->record).backendId))) return resetFromBackend(frame, len, p, hit->record, ctx);
  FlowRecord& r = ctx.flows.record(hit->record);
  if (p.l4Proto == kProtoTcp) {
    const uint8_t flags = tcpFlags(frame, p);
    r.state = nextTcpState(r.state, flags, true);
    if (flags & kTcpSyn) clampSyn(frame, p, r.clientPort, ctx);
  }
  rememberFirstFragment(frame, p, hit->record, true, ctx);
  return sendToClient(frame, len, p, r, ctx);
}

FragmentKey fragmentKeyOf(const uint8_t* frame, const ParsedPacket& p) { return fragmentKey(frame, p); }

Verdict laterFragment(uint8_t* frame, uint32_t len, const ParsedPacket& p, const L4Context& ctx, bool towardsBackend) {
  const FragmentKey key = fragmentKey(frame, p);
  const auto target = ctx.fragments.find(key, ctx.nowMs);
  if (!target || target->record == FlowTable::kNone || target->reverse == towardsBackend) {
    return Verdict::drop(DropReason::kFragmentUnknown);
  }
  FlowRecord& r = ctx.flows.record(target->record);
  if (!r.inUse || r.forward.hash() != ctx.fragments.tagOf(key)) return Verdict::drop(DropReason::kFragmentUnknown);
  const snapshot::BackendEntry* be = liveBackend(target->record, ctx);
  if (be == nullptr) return Verdict::drop(DropReason::kBackendRemoved);
  return towardsBackend ? sendToBackend(frame, len, p, r, *be, ctx) : sendToClient(frame, len, p, r, ctx);
}

}  // namespace portico::dp::lb
