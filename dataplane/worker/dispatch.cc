#include "dataplane/worker/dispatch.h"

#include "dataplane/arp/arp_responder.h"
#include "dataplane/arp/echo_responder.h"
#include "dataplane/arp/nd_responder.h"
#include "dataplane/lb/icmp_error.h"
#include "dataplane/lb/l4_path.h"
#include "dataplane/pkt/parser.h"

namespace portico::dp::worker {

using namespace pkt;

namespace {

constexpr uint16_t kBgpPort = 179;

bool isTcpOrUdp(const ParsedPacket& p) { return p.l4Proto == kProtoTcp || p.l4Proto == kProtoUdp; }

lb::L4Context l4Context(const FrameContext& ctx) {
  return lb::L4Context{ctx.snap,  ctx.l4->flows, ctx.l4->fragments, ctx.l4->snat, ctx.l4->neighbors, ctx.ports,
                       ctx.rxPort, ctx.nowMs,    ctx.counters,      ctx.nowUs,    ctx.l4->strayResets};
}

bool isIcmpErrorMessage(const uint8_t* frame, const ParsedPacket& p) {
  const uint8_t icmp = p.ipVersion == 4 ? kProtoIcmp : kProtoIcmp6;
  return p.l4Proto == icmp && !p.fragment && lb::isIcmpError(p.ipVersion, frame[p.l4Offset]);
}

Verdict toVip(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep, const FrameContext& ctx) {
  const ParsedPacket& p = prep.parsed;
  // A VLAN tag belongs to the link it came in on; forwarding would carry it to another.
  if (p.vlanDepth != 0 && ctx.l4 != nullptr) return Verdict::drop(DropReason::kVlanNotForwarded);
  if (ctx.l4 != nullptr && isIcmpErrorMessage(frame, p)) return lb::icmpErrorToBackend(frame, len, p, l4Context(ctx));
  if (isTcpOrUdp(p) && ctx.l4 != nullptr) {
    if (p.laterFragment) return lb::laterFragment(frame, len, p, l4Context(ctx), true);
    if (ctx.l7 != nullptr && p.l4Proto == kProtoTcp && !p.fragment) {
      const snapshot::L7Port* port = ctx.snap.findL7Port(prep.flow.key.dst, prep.flow.key.dstPort);
      if (port != nullptr) return l7::toListener(frame, len, capacity, p, prep.flow, *port, l4Context(ctx), *ctx.l7);
    }
    return lb::toBackend(frame, len, p, prep.flow, l4Context(ctx));
  }
  return Verdict::drop(DropReason::kNoServiceOnVip);
}

// TCP/UDP to a port's own address: a backend's reply to a SNAT address, if it is a flow.
Verdict toPortAddress(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep, const FrameContext& ctx) {
  const ParsedPacket& p = prep.parsed;
  if (ctx.l4 == nullptr) return Verdict::drop(DropReason::kNoHostPath);
  if (p.vlanDepth != 0) return Verdict::drop(DropReason::kVlanNotForwarded);
  const bool icmpError = isIcmpErrorMessage(frame, p);
  if (!icmpError && !isTcpOrUdp(p)) return Verdict::drop(DropReason::kNoHostPath);
  const bool handoff = ctx.l4->handoffReplies && !ctx.l4->snat.steered(ctx.rxPort);
  if (p.laterFragment) {
    // No ports to name the owning worker: follow the first fragment, here or to where
    // it was handed.
    if (handoff) {
      const auto note = ctx.l4->fragments.find(lb::fragmentKeyOf(frame, p), ctx.nowMs);
      if (note && note->handoffTo != lb::FragmentTable::kNoHandoff) return Verdict::handoff(note->handoffTo);
    }
    return lb::laterFragment(frame, len, p, l4Context(ctx), false);
  }
  if (handoff) {
    // The SNAT port names the worker that owns the flow: the reply's destination port,
    // or the source port of the packet an error quotes.
    const uint16_t snatPort =
        icmpError ? lb::quotedSourcePort(frame, p) : ntoh16(headerAt<UdpHdr>(frame, p.l4Offset)->dstPort);
    const unsigned owner = lb::SnatPorts::owner(snatPort, ctx.l4->workers);
    if (snatPort != 0 && owner != ctx.l4->worker) {
      if (p.fragment) {
        ctx.l4->fragments.remember(lb::fragmentKeyOf(frame, p),
                                   {lb::FlowTable::kNone, true, static_cast<uint8_t>(owner)}, 0, ctx.nowMs);
      }
      return Verdict::handoff(static_cast<uint8_t>(owner));
    }
  }
  if (icmpError) return lb::icmpErrorToClient(frame, len, p, l4Context(ctx));
  const auto hit = ctx.l4->flows.lookup(prep.flow.key, prep.flow.hash, ctx.nowMs);
  if (hit && ctx.l7 != nullptr && ctx.l4->flows.record(hit->record).l7 != lb::FlowTable::kNone) {
    if (p.l4Proto != kProtoTcp || p.fragment) return Verdict::drop(DropReason::kNoFlow);
    const uint32_t l7 = ctx.l4->flows.record(hit->record).l7;
    if (l7::isRelayFlow(l7)) return l7::relayInput(frame, p, hit->record, l4Context(ctx), *ctx.l7);
    if (hit->reverse) return l7::fromBackend(frame, len, capacity, p, hit->record, l4Context(ctx), *ctx.l7);
  }
  return lb::toClient(frame, len, p, hit, l4Context(ctx));
}

// What nothing here claims on a port's own address goes to the kernel when the port has
// a host path. BGP is kept apart from the rest so a flood cannot starve the session.
Verdict orToHost(Verdict v, const uint8_t* frame, const ParsedPacket& p, const arp::PortAddresses& port) {
  if (!port.hostPath || !v.isDrop() || v.reason() != DropReason::kNoHostPath) return v;
  bool bgp = false;
  if (p.l4Proto == kProtoTcp && !p.laterFragment) {
    const auto* tcp = headerAt<TcpHdr>(frame, p.l4Offset);
    bgp = tcp->srcPort == hton16(kBgpPort) || tcp->dstPort == hton16(kBgpPort);
  }
  return Verdict::toHost(bgp);
}

// The VIPs whose neighbour questions this appliance answers: none while it is the
// standby of an L2 pair, so that the segment sends them to the active one.
const lb::VipTable& vipsToAnswer(const FrameContext& ctx) {
  static const lb::VipTable kNone;
  return ctx.standby ? kNone : ctx.snap.vips;
}

// The L2 pair's peer telling the control thread it is alive (arp/l2_pair.h).
bool isPairHeartbeat(const uint8_t* frame, const ParsedPacket& p, const arp::PortAddresses& port) {
  return port.pairPortBe != 0 && p.l4Proto == kProtoUdp && !p.fragment &&
         headerAt<UdpHdr>(frame, p.l4Offset)->dstPort == port.pairPortBe;
}

Verdict dispatchIpv4(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep, const FrameContext& ctx) {
  const ParsedPacket& p = prep.parsed;
  const auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
  const arp::PortAddresses& port = ctx.ports[ctx.rxPort];
  if (prep.vip != kNotAVip) {
    if (p.l4Proto == kProtoIcmp && !p.laterFragment && frame[p.l4Offset] == kIcmpEchoRequest) {
      const Verdict v = arp::answerEcho4(frame, len, p, port);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.echoReplies);
      return v;
    }
    return toVip(frame, len, capacity, prep, ctx);
  }
  if (port.ownsV4(ip->dst)) {
    if (isPairHeartbeat(frame, p, port)) return Verdict::toControl();
    return orToHost(toPortAddress(frame, len, capacity, prep, ctx), frame, p, port);
  }
  return Verdict::drop(DropReason::kNotForUs);
}

Verdict dispatchIpv6(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep,
                     const FrameContext& ctx) {
  const ParsedPacket& p = prep.parsed;
  const auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  const arp::PortAddresses& port = ctx.ports[ctx.rxPort];
  const bool icmp = p.l4Proto == kProtoIcmp6 && !p.laterFragment;
  if (icmp && frame[p.l4Offset] == kIcmp6NeighborSolicit) {
    const Verdict v = arp::answerNeighborSolicit(frame, capacity, p, port, vipsToAnswer(ctx));
    if (v.isReply()) LcoreCounters::bump(ctx.counters.ndAdvertisements);
    return v;
  }
  // Advertisements for our own address answer the control thread's solicitations.
  if (icmp && frame[p.l4Offset] == kIcmp6NeighborAdvert && port.ownsV6(ip->dst)) return Verdict::toControl();
  if (prep.vip != kNotAVip) {
    if (icmp && frame[p.l4Offset] == kIcmp6EchoRequest) {
      const Verdict v = arp::answerEcho6(frame, len, p, port);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.echo6Replies);
      return v;
    }
    return toVip(frame, len, capacity, prep, ctx);
  }
  if (port.ownsV6(ip->dst)) return orToHost(toPortAddress(frame, len, capacity, prep, ctx), frame, p, port);
  return Verdict::drop(DropReason::kNotForUs);
}

Verdict decide(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep, const FrameContext& ctx) {
  if (!prep.result.ok) return Verdict::drop(prep.result.reason);
  const ParsedPacket& p = prep.parsed;

  const arp::PortAddresses& port = ctx.ports[ctx.rxPort];
  const MacAddr& dst = headerAt<EthHdr>(frame, 0)->dst;
  if (!isMulticastMac(dst) && dst != port.mac) return Verdict::drop(DropReason::kNotForUs);

  switch (p.etherType) {
    case kEtherTypeArp: {
      // Replies to our own address answer the control thread's neighbour requests.
      const auto* arp = headerAt<ArpHdr>(frame, p.l3Offset);
      if (ntoh16(arp->op) == kArpReply && port.ownsV4(arp->tpa)) return Verdict::toControl();
      const Verdict v = arp::answerArp(frame, len, p, port, vipsToAnswer(ctx));
      if (v.isReply()) LcoreCounters::bump(ctx.counters.arpReplies);
      return v;
    }
    case kEtherTypeIpv4:
      return dispatchIpv4(frame, len, capacity, prep, ctx);
    default:
      return dispatchIpv6(frame, len, capacity, prep, ctx);
  }
}

}  // namespace

void prepareFrame(const uint8_t* frame, uint32_t len, const lb::FlowTable* flows, const lb::VipTable& vips,
                  Prepared& out) {
  out.result = parseFrame(frame, len, out.parsed);
  const ParsedPacket& p = out.parsed;
  out.vip = kNotAVip;
  if (out.result.ok && p.etherType == kEtherTypeIpv4) out.vip = vips.slotV4(headerAt<Ipv4Hdr>(frame, p.l3Offset)->dst);
  if (out.result.ok && p.etherType == kEtherTypeIpv6) out.vip = vips.slotV6(headerAt<Ipv6Hdr>(frame, p.l3Offset)->dst);
  out.keyed = out.result.ok && flows != nullptr && isTcpOrUdp(p) && !p.laterFragment;
  if (!out.keyed) return;
  lb::keyOf(frame, p, out.flow);
  flows->prefetch(out.flow.hash);
}

Verdict dispatchPrepared(uint8_t* frame, uint32_t len, uint32_t capacity, const Prepared& prep,
                         const FrameContext& ctx) {
  const Verdict v = decide(frame, len, capacity, prep, ctx);
  if (v.isDrop()) ctx.counters.drop(v.reason());  // consumed frames are not drops
  return v;
}

}  // namespace portico::dp::worker
