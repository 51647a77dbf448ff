#pragma once

// Maglev consistent hashing (Eisenbud et al., NSDI 2016) with weights. No DPDK: the
// table is built on the control path and read by workers with one multiply and shift.

#include <cstdint>
#include <span>
#include <vector>

namespace portico::dp::lb {

struct MaglevBackend {
  uint64_t key = 0;     // stable identity (a hash of address and port), never an index
  uint32_t weight = 1;  // 0: gets no slots (draining, or weight 0 in the route)
};

class MaglevTable {
 public:
  static constexpr uint32_t kDefaultSize = 65537;
  static constexpr uint16_t kNoBackend = 0xffff;
  static constexpr std::size_t kMaxBackends = 0xfffe;

  MaglevTable() = default;

  // Fills `size` slots (a prime) with indexes into `backends`. With no backend of
  // non-zero weight every slot is kNoBackend.
  static MaglevTable build(std::span<const MaglevBackend> backends, uint32_t size = kDefaultSize);

  static bool isPrime(uint32_t n);

  // A table size for `backends` backends: the smallest prime of at least 100 slots per
  // backend (Maglev's balance stays within about 1% there), between 251 and `largest`.
  // Thousands of small backend sets (one per route) must not each take a 65537-slot table.
  static uint32_t sizeFor(std::size_t backends, uint32_t largest);

  // The backend index for a flow hash; kNoBackend when the table is empty.
  uint16_t lookup(uint32_t flowHash) const {
    // Multiply-shift maps the hash onto [0, size) without a division (Lemire 2016).
    return slots_[static_cast<uint32_t>((static_cast<uint64_t>(flowHash) * slots_.size()) >> 32)];
  }

  std::span<const uint16_t> slots() const { return slots_; }
  uint32_t size() const { return static_cast<uint32_t>(slots_.size()); }

 private:
  std::vector<uint16_t> slots_;
};

}  // namespace portico::dp::lb
