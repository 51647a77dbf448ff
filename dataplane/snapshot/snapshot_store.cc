#include "dataplane/snapshot/snapshot_store.h"

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <new>

namespace portico::dp::snapshot {

SnapshotStore::SnapshotStore(unsigned workers) {
  const size_t size = rte_rcu_qsbr_get_memsize(workers);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("portico_qsbr", size, RTE_CACHE_LINE_SIZE));
  if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, workers) != 0) throw std::bad_alloc();
}

SnapshotStore::~SnapshotStore() {
  delete current_.exchange(nullptr);
  rte_free(qsbr_);
}

void SnapshotStore::publish(std::unique_ptr<Snapshot> next) {
  const Snapshot* old = current_.exchange(next.release(), std::memory_order_acq_rel);
  // Offline workers (stopped, or not yet started) are not waited for.
  rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
  delete old;
}

void SnapshotStore::registerWorker(unsigned worker) {
  rte_rcu_qsbr_thread_register(qsbr_, worker);
  rte_rcu_qsbr_thread_online(qsbr_, worker);
}

void SnapshotStore::unregisterWorker(unsigned worker) {
  rte_rcu_qsbr_thread_offline(qsbr_, worker);
  rte_rcu_qsbr_thread_unregister(qsbr_, worker);
}

void SnapshotStore::quiescent(unsigned worker) { rte_rcu_qsbr_quiescent(qsbr_, worker); }

uint64_t SnapshotStore::livenessToken() { return rte_rcu_qsbr_start(qsbr_); }

bool SnapshotStore::passedSince(uint64_t token) const { return rte_rcu_qsbr_check(qsbr_, token, false) == 1; }

}  // namespace portico::dp::snapshot
