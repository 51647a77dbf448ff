#include "dataplane/lb/icmp_error.h"

#include "dataplane/lb/nat.h"
#include "dataplane/pkt/checksum.h"

namespace portico::dp::lb {

using namespace pkt;

namespace {

// Parses the packet quoted after the 8-byte ICMP header: its IP header must be whole
// and at least the first 4 bytes (the ports) of its TCP/UDP header present.
bool parseQuoted(const uint8_t* frame, const ParsedPacket& outer, ParsedPacket& inner) {
  const uint32_t start = outer.l4Offset + sizeof(IcmpHdr);
  inner = ParsedPacket{};
  inner.l3Offset = static_cast<uint16_t>(start);
  inner.l3End = outer.l3End;
  if (outer.ipVersion == 4) {
    if (start + sizeof(Ipv4Hdr) > outer.l3End) return false;
    const auto* ip = headerAt<Ipv4Hdr>(frame, start);
    const uint32_t ihl = (ip->versionIhl & 0x0f) * 4u;
    if ((ip->versionIhl >> 4) != 4 || ihl < sizeof(Ipv4Hdr)) return false;
    inner.ipVersion = 4;
    inner.l4Proto = ip->proto;
    inner.l4Offset = static_cast<uint16_t>(start + ihl);
    if ((ntoh16(ip->fragOff) & kIpv4OffsetMask) != 0) return false;
  } else {
    if (start + sizeof(Ipv6Hdr) > outer.l3End) return false;
    const auto* ip = headerAt<Ipv6Hdr>(frame, start);
    if ((ntoh32(ip->vtcFlow) >> 28) != 6) return false;
    inner.ipVersion = 6;
    inner.l4Proto = ip->nextHeader;  // quoted extension headers are not walked
    inner.l4Offset = static_cast<uint16_t>(start + sizeof(Ipv6Hdr));
  }
  if (inner.l4Proto != kProtoTcp && inner.l4Proto != kProtoUdp) return false;
  return inner.l4Offset + 4u <= outer.l3End;
}

// Rewrites the outer header to run src -> dst and recomputes the ICMP checksum over the
// whole message (errors are rare; the quoted bytes changed anyway).
void rewriteOuter(uint8_t* frame, const ParsedPacket& p, const Ipv6Addr& src, const Ipv6Addr& dst) {
  uint8_t* icmp = frame + p.l4Offset;
  auto* hdr = reinterpret_cast<IcmpHdr*>(icmp);
  hdr->checksum = 0;
  if (p.ipVersion == 4) {
    auto* ip = headerAt<Ipv4Hdr>(frame, p.l3Offset);
    ip->src = v4FromMapped(src);
    ip->dst = v4FromMapped(dst);
    setIpv4Checksum(ip);
    hdr->checksum = checksumField(sumBytes(icmp, p.l4Length()));
  } else {
    auto* ip = headerAt<Ipv6Hdr>(frame, p.l3Offset);
    ip->src = src;
    ip->dst = dst;
    hdr->checksum = checksumField(sumBytes(icmp, p.l4Length(), ipv6PseudoSum(ip, p.l4Length(), kProtoIcmp6)));
  }
}

Verdict translate(uint8_t* frame, uint32_t len, const ParsedPacket& p, const L4Context& ctx, bool toClient) {
  ParsedPacket inner;
  if (!parseQuoted(frame, p, inner)) return Verdict::drop(DropReason::kIcmpErrorUnknown);
  // The quoted packet went the other way: its reverse is the direction we track.
  const FlowKey key = flowKeyOf(frame, inner).reversed();
  const auto hit = ctx.flows.lookup(key, key.hash(), ctx.nowMs);
  if (!hit || hit->reverse != toClient) return Verdict::drop(DropReason::kIcmpErrorUnknown);
  const FlowRecord& r = ctx.flows.record(hit->record);

  uint8_t egress;
  MacAddr mac;
  const FlowKey& quoted = toClient ? r.forward : r.reverse;  // what that side itself sent
  if (toClient) {
    egress = r.clientPort;
    mac = r.clientNextHop;
  } else {
    const snapshot::BackendEntry* be = ctx.snap.backend(r.backendId);
    if (be == nullptr || be->state == snapshot::BackendState::kRemoved) return Verdict::drop(DropReason::kBackendRemoved);
    const auto m = ctx.neighbors.mac(be->neighborSlot);
    if (!m) return Verdict::drop(DropReason::kNeighborUnresolved);
    egress = r.backendPort;
    mac = *m;
  }
  if (!decrementHopLimit(frame, p)) return Verdict::drop(DropReason::kTtlExpired);
  rewriteFlow(frame, inner, quoted);
  // The error comes "from" the address that side talks to: the VIP for the client, the
  // SNAT address for the backend.
  rewriteOuter(frame, p, quoted.dst, quoted.src);
  auto* eth = headerAt<EthHdr>(frame, 0);
  eth->dst = mac;
  eth->src = ctx.ports[egress].mac;
  LcoreCounters::bump(ctx.counters.icmpTranslated);
  return Verdict::forward(egress, static_cast<uint16_t>(len));
}

}  // namespace

bool isIcmpError(uint8_t ipVersion, uint8_t type) {
  if (ipVersion == 4) return type == 3 || type == 11 || type == 12;
  return type >= 1 && type <= 4;
}

uint16_t quotedSourcePort(const uint8_t* frame, const ParsedPacket& p) {
  ParsedPacket inner;
  if (!parseQuoted(frame, p, inner)) return 0;
  return ntoh16(headerAt<UdpHdr>(frame, inner.l4Offset)->srcPort);
}

Verdict icmpErrorToClient(uint8_t* frame, uint32_t len, const ParsedPacket& p, const L4Context& ctx) {
  return translate(frame, len, p, ctx, true);
}

Verdict icmpErrorToBackend(uint8_t* frame, uint32_t len, const ParsedPacket& p, const L4Context& ctx) {
  return translate(frame, len, p, ctx, false);
}

}  // namespace portico::dp::lb
