#include "dataplane/lb/maglev.h"

#include <xxhash.h>

#include <algorithm>

namespace portico::dp::lb {

namespace {

constexpr uint64_t kOffsetSeed = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kSkipSeed = 0xc2b2ae3d27d4eb4full;

}  // namespace

uint32_t MaglevTable::sizeFor(std::size_t backends, uint32_t largest) {
  const uint64_t want = std::max<uint64_t>(251, 100 * static_cast<uint64_t>(backends));
  if (want >= largest) return largest;
  auto n = static_cast<uint32_t>(want);
  while (!isPrime(n)) ++n;
  return std::min(n, largest);
}

bool MaglevTable::isPrime(uint32_t n) {
  if (n < 2) return false;
  for (uint32_t d = 2; static_cast<uint64_t>(d) * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

MaglevTable MaglevTable::build(std::span<const MaglevBackend> backends, uint32_t size) {
  MaglevTable t;
  t.slots_.assign(size, kNoBackend);
  const std::size_t n = std::min(backends.size(), kMaxBackends);
  uint32_t maxWeight = 0;
  for (std::size_t i = 0; i < n; ++i) maxWeight = std::max(maxWeight, backends[i].weight);
  if (maxWeight == 0 || size < 2) return t;

  // Each backend walks its own permutation of the slots: offset + j * skip (mod size).
  // Its position in that walk is kept as the next slot to try, so filling is O(size)
  // amortised rather than O(size * n).
  std::vector<uint32_t> next(n), skip(n);
  for (std::size_t i = 0; i < n; ++i) {
    const uint64_t key = backends[i].key;
    next[i] = static_cast<uint32_t>(XXH3_64bits_withSeed(&key, sizeof key, kOffsetSeed) % size);
    skip[i] = static_cast<uint32_t>(XXH3_64bits_withSeed(&key, sizeof key, kSkipSeed) % (size - 1)) + 1;
  }

  // Weights: in round r a backend of weight w claims floor((r+1)w/W) - floor(rw/W) slots,
  // W the largest weight, so over the whole fill its share tends to w / sum(w) while the
  // claim order still interleaves backends the way unweighted Maglev does. As w <= W that
  // is 0 or 1, found from the running remainder of r*w mod W: no division per slot (a
  // control plane with thousands of small backend sets builds all of them per push).
  std::vector<uint32_t> remainder(n, 0);
  uint32_t filled = 0;
  while (filled < size) {
    for (std::size_t i = 0; i < n && filled < size; ++i) {
      const uint32_t w = backends[i].weight;
      if (w == 0) continue;
      remainder[i] += w;
      if (remainder[i] < maxWeight) continue;
      remainder[i] -= maxWeight;
      uint32_t slot = next[i];
      while (t.slots_[slot] != kNoBackend) {
        slot += skip[i];
        if (slot >= size) slot -= size;
      }
      t.slots_[slot] = static_cast<uint16_t>(i);
      next[i] = slot + skip[i] >= size ? slot + skip[i] - size : slot + skip[i];
      ++filled;
    }
  }
  return t;
}

}  // namespace portico::dp::lb
