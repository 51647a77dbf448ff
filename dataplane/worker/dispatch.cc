#include "dataplane/worker/dispatch.h"

#include "dataplane/arp/arp_responder.h"
#include "dataplane/arp/echo_responder.h"
#include "dataplane/arp/nd_responder.h"
#include "dataplane/lb/l4_path.h"
#include "dataplane/pkt/parser.h"

namespace portico::dp::worker {

using namespace pkt;

namespace {

bool isTcpOrUdp(const ParsedPacket& p) { return p.l4Proto == kProtoTcp || p.l4Proto == kProtoUdp; }

lb::L4Context l4Context(const FrameContext& ctx) {
  return lb::L4Context{ctx.snap, ctx.l4->flows, ctx.l4->snat, ctx.l4->neighbors, ctx.ports, ctx.rxPort, ctx.nowMs,
                       ctx.counters};
}

Verdict toVip(uint8_t* frame, uint32_t len, const ParsedPacket& p, const FrameContext& ctx) {
  if (isTcpOrUdp(p) && ctx.l4 != nullptr) {
    // Later fragments carry no ports to find their flow by.
    if (p.laterFragment) return Verdict::drop(DropReason::kFragmentUnknown);
    return lb::toBackend(frame, len, p, l4Context(ctx));
  }
  return Verdict::drop(DropReason::kNoServiceOnVip);
}

// TCP/UDP to a port's own address: a backend's reply to a SNAT address, if it is a flow.
Verdict toPortAddress(uint8_t* frame, uint32_t len, const ParsedPacket& p, const FrameContext& ctx) {
  if (!isTcpOrUdp(p) || ctx.l4 == nullptr || p.laterFragment) return Verdict::drop(DropReason::kHostPathPending);
  if (ctx.l4->handoffReplies) {
    const uint16_t dport = ntoh16(headerAt<UdpHdr>(frame, p.l4Offset)->dstPort);
    const unsigned owner = lb::SnatPorts::owner(dport, ctx.l4->workers);
    if (owner != ctx.l4->worker) return Verdict::handoff(static_cast<uint8_t>(owner));
  }
  return lb::toClient(frame, len, p, l4Context(ctx));
}

Verdict dispatchIpv4(uint8_t* frame, uint32_t len, const ParsedPacket& p, const FrameContext& ctx) {
  const auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
  const arp::PortAddresses& port = ctx.ports[ctx.rxPort];
  if (ctx.snap.vips.containsV4(ip->dst)) {
    if (p.l4Proto == kProtoIcmp && !p.laterFragment && frame[p.l4Offset] == kIcmpEchoRequest) {
      const Verdict v = arp::answerEcho4(frame, len, p, port);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.echoReplies);
      return v;
    }
    return toVip(frame, len, p, ctx);
  }
  if (port.ownsV4(ip->dst)) return toPortAddress(frame, len, p, ctx);
  return Verdict::drop(DropReason::kNotForUs);
}

Verdict dispatchIpv6(uint8_t* frame, uint32_t len, uint32_t capacity, const ParsedPacket& p,
                     const FrameContext& ctx) {
  const auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  const arp::PortAddresses& port = ctx.ports[ctx.rxPort];
  const bool icmp = p.l4Proto == kProtoIcmp6 && !p.laterFragment;
  if (icmp && frame[p.l4Offset] == kIcmp6NeighborSolicit) {
    const Verdict v = arp::answerNeighborSolicit(frame, capacity, p, port, ctx.snap.vips);
    if (v.isReply()) LcoreCounters::bump(ctx.counters.ndAdvertisements);
    return v;
  }
  // Advertisements for our own address answer the control thread's solicitations.
  if (icmp && frame[p.l4Offset] == kIcmp6NeighborAdvert && port.ownsV6(ip->dst)) return Verdict::toControl();
  if (ctx.snap.vips.containsV6(ip->dst)) {
    if (icmp && frame[p.l4Offset] == kIcmp6EchoRequest) {
      const Verdict v = arp::answerEcho6(frame, len, p, port);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.echo6Replies);
      return v;
    }
    return toVip(frame, len, p, ctx);
  }
  if (port.ownsV6(ip->dst)) return toPortAddress(frame, len, p, ctx);
  return Verdict::drop(DropReason::kNotForUs);
}

Verdict decide(uint8_t* frame, uint32_t len, uint32_t capacity, const FrameContext& ctx) {
  ParsedPacket p;
  const ParseResult parsed = parseFrame(frame, len, p);
  if (!parsed.ok) return Verdict::drop(parsed.reason);

  const arp::PortAddresses& port = ctx.ports[ctx.rxPort];
  const MacAddr& dst = headerAt<EthHdr>(frame, 0)->dst;
  if (!isMulticastMac(dst) && dst != port.mac) return Verdict::drop(DropReason::kNotForUs);

  switch (p.etherType) {
    case kEtherTypeArp: {
      // Replies to our own address answer the control thread's neighbour requests.
      const auto* arp = headerAt<ArpHdr>(frame, p.l3Offset);
      if (ntoh16(arp->op) == kArpReply && port.ownsV4(arp->tpa)) return Verdict::toControl();
      const Verdict v = arp::answerArp(frame, len, p, port, ctx.snap.vips);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.arpReplies);
      return v;
    }
    case kEtherTypeIpv4:
      return dispatchIpv4(frame, len, p, ctx);
    default:
      return dispatchIpv6(frame, len, capacity, p, ctx);
  }
}

}  // namespace

Verdict dispatchFrame(uint8_t* frame, uint32_t len, uint32_t capacity, const FrameContext& ctx) {
  const Verdict v = decide(frame, len, capacity, ctx);
  if (v.isDrop()) ctx.counters.drop(v.reason);
  return v;
}

}  // namespace portico::dp::worker
