#include "dataplane/arp/arp_responder.h"

#include "dataplane/pkt/headers.h"

namespace portico::dp::arp {

using namespace pkt;

Verdict answerArp(uint8_t* frame, uint32_t len, const ParsedPacket& p, const PortAddresses& port,
                  const lb::VipTable& vips) {
  auto* arp = headerAt<ArpHdr>(frame, p.l3Offset);
  if (ntoh16(arp->op) != kArpRequest) return Verdict::drop(DropReason::kNotForUs);
  const uint32_t target = arp->tpa;
  // A request whose sender is the target is someone's own gratuitous announcement.
  if (arp->spa == target) return Verdict::drop(DropReason::kNotForUs);
  if (!vips.containsV4(target) && !port.ownsV4(target)) return Verdict::drop(DropReason::kNotForUs);

  auto* eth = headerAt<EthHdr>(frame, 0);
  eth->dst = arp->sha;
  eth->src = port.mac;
  arp->op = hton16(kArpReply);
  arp->tha = arp->sha;
  arp->tpa = arp->spa;
  arp->sha = port.mac;
  arp->spa = target;
  return Verdict::reply(static_cast<uint16_t>(len));
}

}  // namespace portico::dp::arp
