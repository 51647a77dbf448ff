#pragma once

// Which bytes of a connection's first bytes have arrived: a contiguous prefix and a few
// out-of-order ranges past it. The bytes themselves are copied to their offset in the
// connection's buffer by the caller; this only tracks which offsets hold data.

#include <array>
#include <cstdint>

namespace portico::dp::l7 {

class Reassembly {
 public:
  static constexpr unsigned kMaxRanges = 4;

  // Records [offset, offset+length). False when it would need more out-of-order ranges
  // than kMaxRanges (the segment is then not taken; the sender will resend it).
  bool add(uint32_t offset, uint32_t length) {
    if (length == 0) return true;
    uint32_t end = offset + length;
    if (end <= contiguous_) return true;  // a duplicate
    if (offset > contiguous_) {
      // Merge with an overlapping or touching range, else keep a new one.
      for (unsigned i = 0; i < count_; ++i) {
        if (offset <= ranges_[i].end && end >= ranges_[i].start) {
          ranges_[i].start = offset < ranges_[i].start ? offset : ranges_[i].start;
          ranges_[i].end = end > ranges_[i].end ? end : ranges_[i].end;
          return true;
        }
      }
      if (count_ == kMaxRanges) return false;
      ranges_[count_++] = {offset, end};
      return true;
    }
    contiguous_ = end;
    // The new prefix may now reach ranges that arrived early.
    for (bool grew = true; grew;) {
      grew = false;
      for (unsigned i = 0; i < count_; ++i) {
        if (ranges_[i].start <= contiguous_) {
          if (ranges_[i].end > contiguous_) contiguous_ = ranges_[i].end;
          ranges_[i] = ranges_[--count_];
          grew = true;
          break;
        }
      }
    }
    return true;
  }

  uint32_t contiguous() const { return contiguous_; }
  unsigned pendingRanges() const { return count_; }

 private:
  struct Range {
    uint32_t start;
    uint32_t end;
  };
  uint32_t contiguous_ = 0;
  uint8_t count_ = 0;
  std::array<Range, kMaxRanges> ranges_{};
};

}  // namespace portico::dp::l7
