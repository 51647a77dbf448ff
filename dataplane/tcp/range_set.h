#pragma once

// Disjoint byte ranges of sequence space, kept sorted: the receiver's out-of-order data
// (what arrived above RCV.NXT). Four fit inline; a connection that needs more moves
// them to storage the caller gives (a ChunkPool chunk) and back once they fit again. An
// add that would need a range more than the capacity is refused, and the caller drops
// what it describes. Each range remembers when it last grew, so a receiver can report
// the freshest first (RFC 2018).

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
  static constexpr unsigned kInline = 4;

  // Adds [start, end); false when it would need a range more than kCapacity.
  bool add(uint32_t start, uint32_t end) {
    if (!seqLt(start, end)) return true;
    ++clock_;
    unsigned i = 0;
    while (i < count_ && seqLt(data()[i].end, start)) ++i;  // ranges wholly before
    SeqRange* r = data();
    if (i == count_ || seqLt(end, r[i].start)) {
      if (count_ == capacity_) return false;
      for (unsigned j = count_; j > i; --j) r[j] = r[j - 1];
      r[i] = {start, end, clock_};
      ++count_;
      return true;
    }
    // Overlaps or touches range i: grow it, then swallow the ranges it now reaches.
    r[i].start = seqMin(r[i].start, start);
    r[i].end = seqMax(r[i].end, end);
    r[i].touched = clock_;
    unsigned j = i + 1;
    while (j < count_ && seqLe(r[j].start, r[i].end)) {
      r[i].end = seqMax(r[i].end, r[j].end);
      ++j;
    }
    const unsigned gone = j - i - 1;
    for (unsigned k = i + 1; k + gone < count_; ++k) r[k] = r[k + gone];
    count_ -= gone;
    return true;
  }

  // Drops everything before `seq` (the cumulative point moved there).
  void trimBelow(uint32_t seq) {
    SeqRange* r = data();
    unsigned gone = 0;
    while (gone < count_ && seqLe(r[gone].end, seq)) ++gone;
    for (unsigned k = 0; k + gone < count_; ++k) r[k] = r[k + gone];
    count_ -= gone;
    if (count_ > 0 && seqLt(r[0].start, seq)) r[0].start = seq;
  }

  // The first range if it starts at `seq` (it joins the cumulative point), removed.
  bool takeAt(uint32_t seq, SeqRange& out) {
    SeqRange* r = data();
    if (count_ == 0 || r[0].start != seq) return false;
    out = r[0];
    for (unsigned k = 0; k + 1 < count_; ++k) r[k] = r[k + 1];
    --count_;
    return true;
  }

  // Whether [start, end) lies wholly inside one range.
  bool covers(uint32_t start, uint32_t end) const {
    const SeqRange* r = data();
    for (unsigned i = 0; i < count_; ++i) {
      if (seqLe(r[i].start, start) && seqLe(end, r[i].end)) return true;
    }
    return false;
  }

  // Bytes held at or after `seq`.
  uint32_t bytesFrom(uint32_t seq) const {
    const SeqRange* r = data();
    uint32_t n = 0;
    for (unsigned i = 0; i < count_; ++i) {
      if (seqLe(r[i].end, seq)) continue;
      n += r[i].end - seqMax(r[i].start, seq);
    }
    return n;
  }

  unsigned size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == capacity_; }
  const SeqRange& operator[](unsigned i) const { return data()[i]; }
  uint32_t highest() const { return data()[count_ - 1].end; }  // only when not empty
  void clear() { count_ = 0; }

  // Moves the ranges to `storage` of `capacity` ranges, or (nullptr) back inline, which
  // needs size() <= kInline.
  bool spilled() const { return external_ != nullptr; }
  void spill(SeqRange* storage, unsigned capacity) {
    for (unsigned i = 0; i < count_; ++i) storage[i] = data()[i];
    external_ = storage;
    capacity_ = capacity;
  }
  void unspill() {
    for (unsigned i = 0; i < count_; ++i) inline_[i] = external_[i];
    external_ = nullptr;
    capacity_ = kInline;
  }

 private:
  SeqRange* data() { return external_ != nullptr ? external_ : inline_.data(); }
  const SeqRange* data() const { return external_ != nullptr ? external_ : inline_.data(); }

  std::array<SeqRange, kInline> inline_{};
  SeqRange* external_ = nullptr;
  unsigned capacity_ = kInline;
  unsigned count_ = 0;
  uint32_t clock_ = 0;
};

}  // namespace portico::dp::tcp
