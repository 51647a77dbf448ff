#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/snapshot/snapshot.h"

struct rte_rcu_qsbr;

namespace portico::dp::snapshot {

// Publishes snapshots to workers with QSBR: workers read the current pointer once per
// burst and report a quiescent state at the end of each loop; the control thread swaps
// the pointer, waits until every worker has passed a quiescent state, then frees the
// old snapshot. Readers never block or take a lock.
class SnapshotStore {
 public:
  explicit SnapshotStore(unsigned workers);
  ~SnapshotStore();
  SnapshotStore(const SnapshotStore&) = delete;
  SnapshotStore& operator=(const SnapshotStore&) = delete;

  // Control thread. Returns once no worker can still hold the previous snapshot.
  void publish(std::unique_ptr<Snapshot> next);
  // Control thread: the snapshot most recently published (never freed while it reads).
  const Snapshot* latest() const { return current_.load(std::memory_order_acquire); }

  // Worker side.
  void registerWorker(unsigned worker);
  void unregisterWorker(unsigned worker);
  const Snapshot* current() const { return current_.load(std::memory_order_acquire); }
  void quiescent(unsigned worker);

  // Liveness, for the service manager's watchdog: a token now, and later whether every
  // registered worker has passed a quiescent state since (never blocks).
  uint64_t livenessToken();
  bool passedSince(uint64_t token) const;

 private:
  std::atomic<const Snapshot*> current_{nullptr};
  rte_rcu_qsbr* qsbr_ = nullptr;
};

}  // namespace portico::dp::snapshot
