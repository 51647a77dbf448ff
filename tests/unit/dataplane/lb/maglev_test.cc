#include "dataplane/lb/maglev.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

namespace portico::dp::lb {
namespace {

std::vector<MaglevBackend> backends(std::size_t n, uint64_t firstKey = 1000) {
  std::vector<MaglevBackend> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back({firstKey + i * 7919, 1});
  return out;
}

std::vector<std::size_t> shares(const MaglevTable& t, std::size_t n) {
  std::vector<std::size_t> count(n, 0);
  for (uint16_t s : t.slots()) {
    EXPECT_LT(s, n);
    if (s < n) ++count[s];
  }
  return count;
}

// The key of the backend each slot points at, so tables over different lists compare.
std::vector<uint64_t> slotKeys(const MaglevTable& t, const std::vector<MaglevBackend>& b) {
  std::vector<uint64_t> out;
  for (uint16_t s : t.slots()) out.push_back(s == MaglevTable::kNoBackend ? 0 : b[s].key);
  return out;
}

TEST(Maglev, PrimeSizes) {
  EXPECT_TRUE(MaglevTable::isPrime(65537));
  EXPECT_TRUE(MaglevTable::isPrime(251));
  EXPECT_FALSE(MaglevTable::isPrime(65536));
  EXPECT_FALSE(MaglevTable::isPrime(1));
}

TEST(Maglev, EvenSpreadWithinOnePercent) {
  for (std::size_t n : {3u, 10u, 100u, 655u}) {
    const auto b = backends(n);
    const auto t = MaglevTable::build(b);
    ASSERT_GE(t.size(), 100 * n);
    const auto c = shares(t, n);
    const double even = static_cast<double>(t.size()) / n;
    const auto [lo, hi] = std::minmax_element(c.begin(), c.end());
    EXPECT_LE(*hi, even * 1.01) << "n=" << n;
    EXPECT_GE(*lo, even * 0.99) << "n=" << n;
  }
}

// With M >= 100 N, as the Maglev paper sizes its tables.
TEST(Maglev, RemovingOneOfNMovesAboutOneNth) {
  for (std::size_t n : {10u, 100u, 1000u}) {
    const uint32_t m = n <= 655 ? 65537 : 100003;
    auto b = backends(n);
    const auto before = slotKeys(MaglevTable::build(b, m), b);
    const uint64_t gone = b[n / 2].key;
    b.erase(b.begin() + static_cast<long>(n / 2));
    const auto after = slotKeys(MaglevTable::build(b, m), b);
    std::size_t moved = 0, movedOthers = 0;
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] != after[i]) {
        ++moved;
        if (before[i] != gone) ++movedOthers;
      }
    }
    const double share = static_cast<double>(moved) / before.size();
    std::printf("n=%zu m=%u moved %.5f (1/n = %.5f), of others %.5f\n", n, m, share, 1.0 / n,
                static_cast<double>(movedOthers) / before.size());
    // Every slot of the removed backend moves; Maglev also reshuffles a small part of the
    // others' slots (open flows stay put regardless: the flow table pins them).
    EXPECT_GE(share, 1.0 / n * 0.99) << "n=" << n;
    EXPECT_LE(static_cast<double>(movedOthers) / before.size(), 0.0075) << "n=" << n;
  }
}

TEST(Maglev, WeightsSetShares) {
  std::vector<MaglevBackend> b = {{1, 1}, {2, 2}, {3, 5}, {4, 0}};
  const auto c = shares(MaglevTable::build(b), b.size());
  const double total = 65537;
  EXPECT_NEAR(c[0] / total, 1.0 / 8, 0.005);
  EXPECT_NEAR(c[1] / total, 2.0 / 8, 0.005);
  EXPECT_NEAR(c[2] / total, 5.0 / 8, 0.005);
  EXPECT_EQ(c[3], 0u);  // weight 0: draining or excluded, no new flows
}

TEST(Maglev, OrderOfBackendsDoesNotMatter) {
  auto b = backends(50);
  const auto a = slotKeys(MaglevTable::build(b), b);
  std::reverse(b.begin(), b.end());
  // Same keys in another order: the same slots must point at the same backends, except
  // where two backends race for a slot in the same round (rare).
  const auto r = slotKeys(MaglevTable::build(b), b);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) differ += a[i] != r[i];
  EXPECT_LT(static_cast<double>(differ) / a.size(), 0.05);
}

TEST(Maglev, EmptyAndZeroWeightTables) {
  const auto empty = MaglevTable::build({});
  EXPECT_EQ(empty.lookup(12345), MaglevTable::kNoBackend);
  std::vector<MaglevBackend> drained = {{1, 0}, {2, 0}};
  EXPECT_EQ(MaglevTable::build(drained).lookup(999), MaglevTable::kNoBackend);
}

TEST(Maglev, SmallTableAndLookupCoversEverySlot) {
  const auto b = backends(3);
  const auto t = MaglevTable::build(b, 13);
  ASSERT_EQ(t.size(), 13u);
  for (uint16_t s : t.slots()) EXPECT_LT(s, 3);
  std::map<uint16_t, int> seen;
  for (uint32_t h = 0; h < 1000; ++h) ++seen[t.lookup(h * 4294967u)];
  EXPECT_EQ(seen.size(), 3u);
}

}  // namespace
}  // namespace portico::dp::lb

namespace portico::dp::lb {
namespace {

TEST(MaglevSize, SmallSetsGetSmallPrimeTables) {
  EXPECT_EQ(MaglevTable::sizeFor(1, 65537), 251u);
  EXPECT_EQ(MaglevTable::sizeFor(3, 65537), 307u);
  EXPECT_TRUE(MaglevTable::isPrime(MaglevTable::sizeFor(37, 65537)));
  EXPECT_GE(MaglevTable::sizeFor(37, 65537), 3700u);
  EXPECT_EQ(MaglevTable::sizeFor(5000, 65537), 65537u);
}

}  // namespace
}  // namespace portico::dp::lb
