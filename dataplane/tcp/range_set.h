#pragma once

// A few disjoint byte ranges of sequence space, kept sorted: the sender's SACK scoreboard
// (what the peer holds above SND.UNA) and the receiver's out-of-order data (what arrived
// above RCV.NXT). Fixed capacity; an add that would need one more range is refused, and
// the caller drops or ignores what it describes. Each range remembers when it last grew,
// so a receiver can report the freshest first (RFC 2018).

#include <array>
#include <cstdint>

#include "dataplane/tcp/seq.h"

namespace portico::dp::tcp {

struct SeqRange {
  uint32_t start = 0;
  uint32_t end = 0;  // one past the last byte
  uint32_t touched = 0;
};

class RangeSet {
 public:
  static constexpr unsigned kCapacity = 16;

  // Adds [start, end); false when it would need a range more than kCapacity.
  bool add(uint32_t start, uint32_t end) {
    if (!seqLt(start, end)) return true;
    ++clock_;
    unsigned i = 0;
    while (i < count_ && seqLt(ranges_[i].end, start)) ++i;  // ranges wholly before
    if (i == count_ || seqLt(end, ranges_[i].start)) {
      if (count_ == kCapacity) return false;
      for (unsigned j = count_; j > i; --j) ranges_[j] = ranges_[j - 1];
      ranges_[i] = {start, end, clock_};
      ++count_;
      return true;
    }
    // Overlaps or touches range i: grow it, then swallow the ranges it now reaches.
    ranges_[i].start = seqMin(ranges_[i].start, start);
    ranges_[i].end = seqMax(ranges_[i].end, end);
    ranges_[i].touched = clock_;
    unsigned j = i + 1;
    while (j < count_ && seqLe(ranges_[j].start, ranges_[i].end)) {
      ranges_[i].end = seqMax(ranges_[i].end, ranges_[j].end);
      ++j;
    }
    const unsigned gone = j - i - 1;
    for (unsigned k = i + 1; k + gone < count_; ++k) ranges_[k] = ranges_[k + gone];
    count_ -= gone;
    return true;
  }

  // Drops everything before `seq` (the cumulative point moved there).
  void trimBelow(uint32_t seq) {
    unsigned gone = 0;
    while (gone < count_ && seqLe(ranges_[gone].end, seq)) ++gone;
    for (unsigned k = 0; k + gone < count_; ++k) ranges_[k] = ranges_[k + gone];
    count_ -= gone;
    if (count_ > 0 && seqLt(ranges_[0].start, seq)) ranges_[0].start = seq;
  }

  // The first range if it starts at `seq` (it joins the cumulative point), removed.
  bool takeAt(uint32_t seq, SeqRange& out) {
    if (count_ == 0 || ranges_[0].start != seq) return false;
    out = ranges_[0];
    for (unsigned k = 0; k + 1 < count_; ++k) ranges_[k] = ranges_[k + 1];
    --count_;
    return true;
  }

  // Whether [start, end) lies wholly inside one range.
  bool covers(uint32_t start, uint32_t end) const {
    for (unsigned i = 0; i < count_; ++i) {
      if (seqLe(ranges_[i].start, start) && seqLe(end, ranges_[i].end)) return true;
    }
    return false;
  }

  // Bytes held at or after `seq`.
  uint32_t bytesFrom(uint32_t seq) const {
    uint32_t n = 0;
    for (unsigned i = 0; i < count_; ++i) {
      if (seqLe(ranges_[i].end, seq)) continue;
      n += ranges_[i].end - seqMax(ranges_[i].start, seq);
    }
    return n;
  }

  unsigned size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const SeqRange& operator[](unsigned i) const { return ranges_[i]; }
  uint32_t highest() const { return ranges_[count_ - 1].end; }  // only when not empty
  void clear() { count_ = 0; }

 private:
  std::array<SeqRange, kCapacity> ranges_{};
  uint8_t count_ = 0;
  uint32_t clock_ = 0;
};

}  // namespace portico::dp::tcp
