#include "dataplane/http/upstream_pool.h"

#include <algorithm>
#include <bit>

namespace portico::dp::http {

UpstreamPool::UpstreamPool(uint32_t connections, uint32_t perEndpoint)
    : links_(connections), buckets_(std::bit_ceil(std::max<uint32_t>(connections / 4, 64))), perEndpoint_(perEndpoint) {}

uint32_t UpstreamPool::find(uint32_t backendId, bool create) {
  const auto mask = static_cast<uint32_t>(buckets_.size() - 1);
  for (uint32_t i = (backendId * 0x9e3779b1u) & mask, probes = 0; probes <= mask; i = (i + 1) & mask, ++probes) {
    if (buckets_[i].backendId == backendId) return i;
    if (buckets_[i].backendId == kNone) {
      if (!create) return kNone;
      buckets_[i].backendId = backendId;
      return i;
    }
  }
  return kNone;
}

bool UpstreamPool::put(uint32_t backendId, uint32_t connection) {
  const uint32_t b = find(backendId, true);
  if (b == kNone || buckets_[b].count >= perEndpoint_ || links_[connection].bucket != kNone) return false;
  Bucket& bucket = buckets_[b];
  links_[connection] = {kNone, bucket.first, b};
  if (bucket.first != kNone) links_[bucket.first].prev = connection;
  bucket.first = connection;
  ++bucket.count;
  ++size_;
  return true;
}

uint32_t UpstreamPool::take(uint32_t backendId) {
  const uint32_t b = find(backendId, false);
  if (b == kNone || buckets_[b].first == kNone) return kNone;
  const uint32_t connection = buckets_[b].first;
  remove(connection);
  return connection;
}

void UpstreamPool::remove(uint32_t connection) {
  Link& l = links_[connection];
  if (l.bucket == kNone) return;
  Bucket& bucket = buckets_[l.bucket];
  (l.prev != kNone ? links_[l.prev].next : bucket.first) = l.next;
  if (l.next != kNone) links_[l.next].prev = l.prev;
  --bucket.count;
  --size_;
  l = Link{};
}

}  // namespace portico::dp::http
