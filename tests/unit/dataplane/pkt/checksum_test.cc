#include "dataplane/pkt/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/common/frames.h"

namespace portico::dp::pkt {
namespace {

TEST(Checksum, MatchesReferenceOnRandomData) {
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    test::Bytes data(rng() % 1500);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    EXPECT_EQ(ntoh16(checksumField(sumBytes(data.data(), data.size()))), test::referenceChecksum(data));
  }
}

// The hot-path form must agree with the plain one on every length, odd ones included
// (a TCP payload may end on half a word).
TEST(Checksum, NativeSumMatchesReferenceOnEveryLength) {
  std::mt19937 rng(5);
  for (std::size_t len = 0; len < 300; ++len) {
    test::Bytes data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    const auto native = static_cast<uint16_t>(~foldNative(sumNative(data.data(), data.size())));
    EXPECT_EQ(ntoh16(native), test::referenceChecksum(data)) << len << " bytes";
  }
}

TEST(Checksum, IncrementalUpdateEqualsRecomputation) {
  std::mt19937 rng(11);
  for (int i = 0; i < 1000; ++i) {
    test::Bytes data(2 * (1 + rng() % 200));
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    data[0] = data[1] = 0;
    test::setChecksumAt(data, 0, test::referenceChecksum(data));
    const size_t word = 2 * (1 + rng() % (data.size() / 2 - 1 > 0 ? data.size() / 2 - 1 : 1));
    if (word + 1 >= data.size()) continue;
    const uint16_t oldBe = hton16(static_cast<uint16_t>(data[word] << 8 | data[word + 1]));
    const uint16_t value = static_cast<uint16_t>(rng());
    data[word] = static_cast<uint8_t>(value >> 8);
    data[word + 1] = static_cast<uint8_t>(value);
    const uint16_t checksumBe = hton16(static_cast<uint16_t>(data[0] << 8 | data[1]));
    const uint16_t updated = ntoh16(updateChecksum16(checksumBe, oldBe, hton16(value)));
    data[0] = data[1] = 0;
    EXPECT_EQ(updated, test::referenceChecksum(data));
  }
}

}  // namespace
}  // namespace portico::dp::pkt
