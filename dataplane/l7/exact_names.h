#pragma once

// Exact host names -> value, for the per-packet lookup: one open-addressing table of
// cache-line slots, each holding its name inline (names up to 48 bytes, most of them),
// so a lookup costs one cache miss instead of the bucket, node and key string of a
// node-based hash map. Longer names live in an arena beside it. Built once per snapshot.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portico::dp::l7 {

class ExactNames {
 public:
  static constexpr uint32_t kNoMatch = 0xffffffffu;

  // Sized for `expected` names; false when `name` is already there.
  void reserve(std::size_t expected);
  bool insert(std::string_view name, uint32_t value);
  uint32_t find(std::string_view name) const;
  bool empty() const { return size_ == 0; }
  std::size_t bytes() const { return slots_.size() * sizeof(Slot) + arena_.size(); }

 private:
  static constexpr std::size_t kInline = 48;
  struct alignas(64) Slot {
    uint32_t tag = 0;  // high hash bits, never 0 when used
    uint32_t value = 0;
    uint32_t length = 0;
    uint32_t arena = 0;  // offset of a name longer than kInline
    char name[kInline];
  };

  static uint64_t hashOf(std::string_view name);
  std::string_view nameOf(const Slot& s) const;
  void grow();

  std::vector<Slot> slots_;
  std::string arena_;
  std::size_t size_ = 0;
};

}  // namespace portico::dp::l7
