#pragma once

// Reading a worker's flows from another thread without touching its table: the reader
// posts a request (a starting record and a count) and the worker, between two bursts,
// copies that many live flows into a buffer that was allocated up front, then says so.
// The reader waits for the answer; the worker never waits, allocates or locks.

#include <atomic>
#include <cstdint>
#include <vector>

#include "dataplane/lb/flow_table.h"

namespace portico::dp::worker {

struct FlowSample {
  lb::FlowKey forward;  // client -> VIP
  lb::FlowKey reverse;  // backend -> SNAT
  uint32_t backendId = 0;
  lb::FlowState state = lb::FlowState::kSynSeen;
  uint32_t idleMs = 0;
};

class FlowDump {
 public:
  static constexpr uint32_t kMaxBatch = 1024;

  FlowDump() : samples_(kMaxBatch) {}

  // Reader: asks for up to `count` live flows from record `start` on. False while an
  // earlier request is still unanswered.
  bool request(uint32_t start, uint32_t count) {
    if (state_.load(std::memory_order_acquire) != kIdle) return false;
    start_ = start;
    count_ = count < kMaxBatch ? count : kMaxBatch;
    state_.store(kRequested, std::memory_order_release);
    return true;
  }
  bool answered() const { return state_.load(std::memory_order_acquire) == kAnswered; }
  bool pending() const { return state_.load(std::memory_order_acquire) == kRequested; }
  // Reader, once answered: the flows, and the record to continue from (capacity: done).
  const FlowSample* samples() const { return samples_.data(); }
  uint32_t found() const { return found_; }
  uint32_t next() const { return next_; }
  void release() { state_.store(kIdle, std::memory_order_release); }

  // Worker, between bursts: answers a pending request.
  void serve(const lb::FlowTable& flows, uint32_t nowMs) {
    if (state_.load(std::memory_order_acquire) != kRequested) return;
    uint32_t rec = start_, n = 0;
    for (; rec < flows.capacity() && n < count_; ++rec) {
      const lb::FlowRecord& r = flows.record(rec);
      if (!r.inUse) continue;
      samples_[n++] = FlowSample{r.forward, r.reverse, r.backendId, r.state, nowMs - r.lastSeenMs};
    }
    found_ = n;
    next_ = rec;
    state_.store(kAnswered, std::memory_order_release);
  }

 private:
  enum : uint8_t { kIdle, kRequested, kAnswered };
  std::atomic<uint8_t> state_{kIdle};
  uint32_t start_ = 0, count_ = 0, found_ = 0, next_ = 0;
  std::vector<FlowSample> samples_;
};

}  // namespace portico::dp::worker
