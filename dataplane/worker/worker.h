#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/snapshot/snapshot.h"
#include "dataplane/worker/lcore_context.h"

namespace portico::dp::worker {

// The poll loop of one worker lcore.
class Worker {
 public:
  explicit Worker(LcoreContext& ctx) : ctx_(ctx) {}

  // One pass over every queue the worker owns: receive a burst, decide each frame,
  // transmit the answers, flush, report a quiescent state. Returns frames received.
  unsigned pollOnce();

  // Polls until stop becomes true, then flushes what is buffered.
  void run(const std::atomic<bool>& stop);

 private:
  unsigned pollPort(WorkerPort& port, const snapshot::Snapshot& snap);
  void drainControlTx(WorkerPort& port);

  LcoreContext& ctx_;
};

}  // namespace portico::dp::worker
