#include "dataplane/worker/dispatch.h"

#include "dataplane/arp/arp_responder.h"
#include "dataplane/arp/echo_responder.h"
#include "dataplane/arp/nd_responder.h"
#include "dataplane/pkt/parser.h"

namespace portico::dp::worker {

using namespace pkt;

namespace {

Verdict dispatchIpv4(uint8_t* frame, uint32_t len, const ParsedPacket& p, const FrameContext& ctx) {
  const auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
  if (ctx.vips.containsV4(ip->dst)) {
    if (p.l4Proto == kProtoIcmp && !p.laterFragment && frame[p.l4Offset] == kIcmpEchoRequest) {
      const Verdict v = arp::answerEcho4(frame, len, p, ctx.port);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.echoReplies);
      return v;
    }
    return Verdict::drop(DropReason::kNoServiceOnVip);
  }
  if (ctx.port.ownsV4(ip->dst)) return Verdict::drop(DropReason::kHostPathPending);
  return Verdict::drop(DropReason::kNotForUs);
}

Verdict dispatchIpv6(uint8_t* frame, uint32_t len, uint32_t capacity, const ParsedPacket& p,
                     const FrameContext& ctx) {
  const auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
  const bool icmp = p.l4Proto == kProtoIcmp6 && !p.laterFragment;
  if (icmp && frame[p.l4Offset] == kIcmp6NeighborSolicit) {
    const Verdict v = arp::answerNeighborSolicit(frame, capacity, p, ctx.port, ctx.vips);
    if (v.isReply()) LcoreCounters::bump(ctx.counters.ndAdvertisements);
    return v;
  }
  if (ctx.vips.containsV6(ip->dst)) {
    if (icmp && frame[p.l4Offset] == kIcmp6EchoRequest) {
      const Verdict v = arp::answerEcho6(frame, len, p, ctx.port);
      if (v.isReply()) LcoreCounters::bump(ctx.counters.echo6Replies);
      return v;
    }
    return Verdict::drop(DropReason::kNoServiceOnVip);
  }
  if (ctx.port.ownsV6(ip->dst)) return Verdict::drop(DropReason::kHostPathPending);
  return Verdict::drop(DropReason::kNotForUs);
}

Verdict decide(uint8_t* frame, uint32_t len, uint32_t capacity, const FrameContext& ctx) {
  ParsedPacket p;
  const ParseResult parsed = parseFrame(frame, len, p);
  if (!parsed.ok) return Verdict::drop(parsed.reason);

  const MacAddr& dst = headerAt<EthHdr>(frame, 0)->dst;
  if (!isMulticastMac(dst) && dst != ctx.port.mac) return Verdict::drop(DropReason::kNotForUs);

  switch (p.etherType) {
    case kEtherTypeArp: {
      const Verdict v = arp::answerArp(frame, len, p, ctx.port, ctx.vips);
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
  if (!v.isReply()) ctx.counters.drop(v.reason);
  return v;
}

}  // namespace portico::dp::worker
