#pragma once

// What a connection has in flight, one entry per segment it sent, in sequence order: where
// the segment ends (it starts where the previous one ends, the first at SND.UNA), when it
// was last sent, and what is known of it (SACKed, deemed lost, retransmitted). RACK (RFC
// 8985) reads it to find losses by time instead of by counting duplicate ACKs, which is
// what keeps reordering from passing for loss and finds a lost retransmission without
// waiting for the retransmission timer. The entries live in one ChunkPool chunk, taken
// while anything is in flight: 1 365 segments (2 MB at an MSS of 1 460) at most.

#include <cstdint>

#include "dataplane/tcp/chunk_pool.h"
#include "dataplane/tcp/seq.h"

namespace portico::dp::tcp {

class SentLog {
 public:
  static constexpr uint32_t kCapacity = ChunkPool::kChunkBytes / 12;
  static constexpr uint8_t kSacked = 1;
  static constexpr uint8_t kLost = 2;        // to be retransmitted
  static constexpr uint8_t kRetransmitted = 4;

  // Microsecond stamps: segments of one burst are microseconds apart, and RACK orders
  // them by when they were sent.
  struct Entry {
    uint32_t end;
    uint32_t sentAt;  // wrapping microseconds
    uint32_t flags;

    uint32_t sentUs() const { return sentAt; }
    bool has(uint32_t f) const { return (flags & f) != 0; }
    void set(uint32_t f) { flags |= f; }
    void clear(uint32_t f) { flags &= ~f; }
    void sent(uint32_t us) { sentAt = us; }
  };

  bool attached() const { return chunk_ != ChunkPool::kNone; }
  uint32_t size() const { return count_; }
  bool full() const { return count_ == kCapacity; }
  bool empty() const { return count_ == 0; }

  // Takes the chunk the entries live in; false when the pool is empty.
  bool attach(ChunkPool& pool) {
    if (attached()) return true;
    chunk_ = pool.allocate();
    if (chunk_ == ChunkPool::kNone) return false;
    entries_ = reinterpret_cast<Entry*>(pool.data(chunk_));
    first_ = count_ = 0;
    return true;
  }
  void detach(ChunkPool& pool) {
    if (!attached()) return;
    pool.release(chunk_);
    chunk_ = ChunkPool::kNone;
    entries_ = nullptr;
    first_ = count_ = 0;
  }

  // i from 0 (the oldest).
  Entry& operator[](uint32_t i) { return entries_[(first_ + i) % kCapacity]; }
  const Entry& operator[](uint32_t i) const { return entries_[(first_ + i) % kCapacity]; }

  void push(uint32_t end, uint32_t sentUs) {
    entries_[(first_ + count_) % kCapacity] = {end, sentUs, 0};
    ++count_;
  }
  void popFront() {
    first_ = (first_ + 1) % kCapacity;
    --count_;
  }

  // The first entry whose end is after `seq` (the one holding seq, when in range).
  uint32_t find(uint32_t seq) const {
    uint32_t lo = 0, hi = count_;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (seqLe((*this)[mid].end, seq)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

 private:
  Entry* entries_ = nullptr;
  uint32_t chunk_ = ChunkPool::kNone;
  uint32_t first_ = 0;
  uint32_t count_ = 0;
};

}  // namespace portico::dp::tcp
