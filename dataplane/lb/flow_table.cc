#include "dataplane/lb/flow_table.h"

#include <algorithm>

namespace portico::dp::lb {

namespace {

// Buckets are sized for this share of slots in use at full capacity (two per flow).
constexpr double kIndexLoad = 0.85;
constexpr uint32_t kEvictScan = 32;

uint32_t mulShift(uint32_t x, uint32_t n) { return static_cast<uint32_t>((static_cast<uint64_t>(x) * n) >> 32); }

}  // namespace

FlowTable::FlowTable(uint32_t capacity, FlowTimeouts timeouts)
    : capacity_(std::max<uint32_t>(capacity, 1)), timeouts_(timeouts) {
  records_.resize(capacity_);
  const auto nBuckets =
      static_cast<uint32_t>(static_cast<double>(capacity_) * 2 / (kSlotsPerBucket * kIndexLoad)) + 2;
  buckets_.resize(nBuckets);
  for (auto& b : buckets_) std::fill(std::begin(b.sig), std::end(b.sig), 0u);
  free_.reserve(capacity_);
  for (uint32_t i = capacity_; i > 0; --i) free_.push_back(i - 1);
}

double FlowTable::bytesPerFlow() const {
  const double bytes = static_cast<double>(records_.capacity()) * sizeof(FlowRecord) +
                       static_cast<double>(buckets_.capacity()) * sizeof(Bucket) +
                       static_cast<double>(free_.capacity()) * sizeof(uint32_t);
  return bytes / capacity_;
}

uint32_t FlowTable::bucketA(uint64_t hash) const {
  return mulShift(static_cast<uint32_t>(hash), static_cast<uint32_t>(buckets_.size()));
}

uint32_t FlowTable::bucketB(uint64_t hash) const {
  // A second, independent position from the high half of the hash.
  return mulShift(static_cast<uint32_t>(hash >> 32) * 0x9e3779b1u, static_cast<uint32_t>(buckets_.size()));
}

void FlowTable::prefetch(uint64_t hash) const {
  __builtin_prefetch(&buckets_[bucketA(hash)]);
  __builtin_prefetch(&buckets_[bucketB(hash)]);
}

int FlowTable::findSlot(const Bucket& b, uint32_t sig, const FlowKey& key) const {
  // All eight signatures compared at once (the loop vectorises), then only matches are
  // checked against their record's key.
  unsigned hits = 0;
  for (unsigned i = 0; i < kSlotsPerBucket; ++i) hits |= static_cast<unsigned>(b.sig[i] == sig) << i;
  while (hits != 0) {
    const unsigned i = static_cast<unsigned>(__builtin_ctz(hits));
    hits &= hits - 1;
    const FlowRecord& r = records_[b.ref[i] >> 1];
    if ((b.ref[i] & 1 ? r.reverse : r.forward) == key) return static_cast<int>(i);
  }
  return -1;
}

FlowTable::Hit FlowTable::lookup(const FlowKey& key, uint64_t hash, uint32_t nowMs) {
  const uint32_t sig = signature(hash);
  for (uint32_t bi : {bucketA(hash), bucketB(hash)}) {
    const Bucket& b = buckets_[bi];
    const int s = findSlot(b, sig, key);
    if (s < 0) continue;
    const uint32_t rec = b.ref[s] >> 1;
    if (expired(records_[rec], nowMs)) {
      remove(rec);
      ++stats_.expired;
      return Hit{};
    }
    return Hit{rec, b.ref[s] & 1};
  }
  return Hit{};
}

uint32_t FlowTable::holder(const FlowKey& key, uint64_t hash) const {
  const uint32_t sig = signature(hash);
  for (uint32_t bi : {bucketA(hash), bucketB(hash)}) {
    const Bucket& b = buckets_[bi];
    const int s = findSlot(b, sig, key);
    if (s >= 0) return b.ref[s] >> 1;
  }
  return kNone;
}

uint32_t FlowTable::timeLeftMs(uint32_t rec, uint32_t nowMs) const {
  // Ages, not raw timestamps: the millisecond clock wraps every 49.7 days.
  const FlowRecord& r = records_[rec];
  const uint32_t age = nowMs - r.lastSeenMs, timeout = timeouts_.forState(r.state);
  return age >= timeout ? 0 : timeout - age;
}

void FlowTable::evict(uint32_t rec) {
  if (!records_[rec].inUse) return;
  remove(rec);
  ++stats_.evicted;
}

bool FlowTable::place(uint32_t bucket, uint32_t sig, uint32_t ref) {
  Bucket& b = buckets_[bucket];
  for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
    if (b.sig[i] == 0) {
      b.sig[i] = sig;
      b.ref[i] = ref;
      return true;
    }
  }
  return false;
}

bool FlowTable::relocateFrom(uint32_t bucket) {
  Bucket& from = buckets_[bucket];
  for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
    const FlowRecord& r = records_[from.ref[i] >> 1];
    const uint64_t hash = (from.ref[i] & 1 ? r.reverse : r.forward).hash();
    const uint32_t other = bucketA(hash) == bucket ? bucketB(hash) : bucketA(hash);
    if (other != bucket && place(other, from.sig[i], from.ref[i])) {
      from.sig[i] = 0;
      return true;
    }
  }
  return false;
}

void FlowTable::evictFrom(uint32_t a, uint32_t b, uint32_t nowMs, uint32_t keep) {
  uint32_t victim = kNone, least = 0;
  for (uint32_t bi : {a, b}) {
    for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
      const uint32_t rec = buckets_[bi].ref[i] >> 1;
      const uint32_t left = timeLeftMs(rec, nowMs);
      if (rec != keep && (victim == kNone || left < least)) {
        victim = rec;
        least = left;
      }
    }
  }
  evict(victim);
}

uint32_t FlowTable::allocate(uint32_t nowMs) {
  if (free_.empty()) {
    // Pool exhausted: every record is live. Evict the one of the next few with the
    // least time left.
    uint32_t victim = evictHand_, least = timeLeftMs(evictHand_, nowMs);
    for (uint32_t i = 1; i < kEvictScan; ++i) {
      const uint32_t r = (evictHand_ + i) % capacity_;
      const uint32_t left = timeLeftMs(r, nowMs);
      if (left < least) {
        victim = r;
        least = left;
      }
    }
    evictHand_ = (evictHand_ + kEvictScan) % capacity_;
    evict(victim);
  }
  const uint32_t rec = free_.back();
  free_.pop_back();
  return rec;
}

void FlowTable::link(uint32_t rec, uint64_t hash, uint32_t dir, uint32_t nowMs) {
  const uint32_t a = bucketA(hash), b = bucketB(hash), sig = signature(hash), ref = rec << 1 | dir;
  while (!place(a, sig, ref) && !place(b, sig, ref)) {
    // Both candidate buckets are full: move one entry to its other bucket (one cuckoo
    // step), and only if none can move, evict another flow (never this one: its
    // forward entry may sit in these very buckets).
    if (relocateFrom(a) || relocateFrom(b)) continue;
    evictFrom(a, b, nowMs, rec);
  }
}

uint32_t FlowTable::insertForward(const FlowKey& forward, uint64_t forwardHash, uint32_t nowMs) {
  const uint32_t rec = allocate(nowMs);
  FlowRecord& r = records_[rec];
  r = FlowRecord{};
  r.forward = forward;
  r.lastSeenMs = nowMs;
  r.inUse = 1;
  link(rec, forwardHash, 0, nowMs);
  ++stats_.inserted;
  return rec;
}

void FlowTable::linkReverse(uint32_t rec, const FlowKey& reverse, uint64_t reverseHash, uint32_t nowMs) {
  records_[rec].reverse = reverse;
  link(rec, reverseHash, 1, nowMs);
}

uint32_t FlowTable::insert(const FlowKey& forward, uint64_t forwardHash, const FlowKey& reverse,
                           uint64_t reverseHash, uint32_t nowMs) {
  const uint32_t rec = insertForward(forward, forwardHash, nowMs);
  linkReverse(rec, reverse, reverseHash, nowMs);
  return rec;
}

void FlowTable::unlink(const FlowKey& key, uint32_t ref) {
  const uint64_t hash = key.hash();
  for (uint32_t bi : {bucketA(hash), bucketB(hash)}) {
    Bucket& b = buckets_[bi];
    for (unsigned i = 0; i < kSlotsPerBucket; ++i) {
      if (b.sig[i] != 0 && b.ref[i] == ref) {
        b.sig[i] = 0;
        return;
      }
    }
  }
}

void FlowTable::remove(uint32_t rec) {
  FlowRecord& r = records_[rec];
  if (!r.inUse) return;
  unlink(r.forward, rec << 1);
  unlink(r.reverse, rec << 1 | 1);
  r.inUse = 0;
  if (r.l7 != kNone && removalHook_ != nullptr) removalHook_(removalContext_, r.l7);
  r.l7 = kNone;
  free_.push_back(rec);
}

uint32_t FlowTable::expire(uint32_t nowMs, uint32_t budget) {
  uint32_t freed = 0;
  for (uint32_t i = 0; i < budget && i < capacity_; ++i) {
    const uint32_t rec = sweepHand_;
    sweepHand_ = sweepHand_ + 1 == capacity_ ? 0 : sweepHand_ + 1;
    if (records_[rec].inUse && expired(records_[rec], nowMs)) {
      remove(rec);
      ++freed;
    }
  }
  stats_.expired += freed;
  return freed;
}

}  // namespace portico::dp::lb
