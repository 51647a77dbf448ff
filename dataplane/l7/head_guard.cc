#include "dataplane/l7/head_guard.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace portico::dp::l7 {

HeadGuard::HeadGuard(uint32_t buffers, uint32_t perSource, std::span<const pkt::IpPrefix> trusted, uint64_t seed)
    : perSource_(perSource),
      trusted_(trusted.begin(), trusted.end()),
      seed_(seed | 1),
      connection_(buffers, kNone),
      source_(buffers, kNone),
      all_(buffers),
      sameSource_(buffers) {
  // Four buckets a buffer keeps unrelated sources apart; 65 536 at most (768 KiB).
  const uint32_t want = std::min<uint32_t>(std::bit_ceil(std::max<uint32_t>(buffers, 16) * 4u), 1u << 16);
  buckets_.resize(want);
  bucketShift_ = 64 - static_cast<uint32_t>(std::countr_zero(want));
}

uint32_t HeadGuard::sourceOf(const pkt::Ipv6Addr& client) const {
  for (const pkt::IpPrefix& p : trusted_) {
    if (p.contains(client)) return kTrusted;
  }
  // IPv4: the whole address (the low 8 bytes of the mapped form); IPv6: the /64, which one
  // subscriber usually holds whole.
  const bool v4 = client[10] == 0xff && client[11] == 0xff && client[0] == 0 && client[8] == 0;
  uint64_t v;
  std::memcpy(&v, client.data() + (v4 ? 8 : 0), 8);
  return static_cast<uint32_t>(((v ^ seed_) * 0x9e3779b97f4a7c15ull) >> bucketShift_);
}

uint32_t HeadGuard::victimFor(uint32_t source, bool poolEmpty) const {
  if (perSource_ != 0 && source != kTrusted && buckets_[source].count >= perSource_) {
    return connection_[buckets_[source].first];
  }
  if (poolEmpty && first_ != kNone) return connection_[first_];
  return kNone;
}

void HeadGuard::append(std::vector<Link>& links, uint32_t& first, uint32_t& last, uint32_t slot) {
  links[slot] = {last, kNone};
  if (last != kNone) links[last].next = slot;
  last = slot;
  if (first == kNone) first = slot;
}

void HeadGuard::unlink(std::vector<Link>& links, uint32_t& first, uint32_t& last, uint32_t slot) {
  const Link l = links[slot];
  (l.prev != kNone ? links[l.prev].next : first) = l.next;
  (l.next != kNone ? links[l.next].prev : last) = l.prev;
}

void HeadGuard::enter(uint32_t slot, uint32_t connection, uint32_t source) {
  leave(slot);
  connection_[slot] = connection;
  source_[slot] = source;
  append(all_, first_, last_, slot);
  if (source != kTrusted) {
    Bucket& b = buckets_[source];
    append(sameSource_, b.first, b.last, slot);
    ++b.count;
  }
  ++heads_;
}

void HeadGuard::leave(uint32_t slot) {
  if (slot >= connection_.size() || connection_[slot] == kNone) return;
  unlink(all_, first_, last_, slot);
  if (source_[slot] != kTrusted) {
    Bucket& b = buckets_[source_[slot]];
    unlink(sameSource_, b.first, b.last, slot);
    --b.count;
  }
  connection_[slot] = kNone;
  --heads_;
}

}  // namespace portico::dp::l7
