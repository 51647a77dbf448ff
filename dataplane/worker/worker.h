#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/pkt/verdict.h"
#include "dataplane/snapshot/snapshot.h"
#include "dataplane/worker/dispatch.h"
#include "dataplane/worker/lcore_context.h"

struct rte_mbuf;

namespace portico::dp::worker {

// The poll loop of one worker lcore.
class Worker {
 public:
  explicit Worker(LcoreContext& ctx);

  // One pass: receive a burst on every queue the worker owns and decide each frame,
  // take frames handed over by other workers and the control thread, flush what is
  // buffered, expire a few idle flows, report a quiescent state. Returns frames handled.
  unsigned pollOnce();

  // Polls until stop becomes true.
  void run(const std::atomic<bool>& stop);

 private:
  void receive(const FrameContext& fctx, rte_mbuf** burst, uint16_t n);
  // prep: the frame's first stage, or nullptr to run both stages here.
  void handle(rte_mbuf* m, const FrameContext& fctx, const Prepared* prep);
  void act(rte_mbuf* m, const pkt::Verdict& v, uint8_t portIndex);
  void transmit(uint8_t portIndex, rte_mbuf* m);
  void flushPorts();  // what the ports' transmit buffers hold goes out

  // Frames the L7 path originates, in fresh mbufs from the worker's pool.
  class MbufSink : public tcp::FrameSink {
   public:
    explicit MbufSink(Worker& w) : worker_(w) {}
    uint8_t* begin(uint32_t& capacity) override;
    void commit(uint8_t port, uint16_t length) override;

   private:
    Worker& worker_;
    rte_mbuf* pending_ = nullptr;
  };

  lb::L4Context l4Context(const snapshot::Snapshot& snap, uint32_t nowMs, uint64_t nowUs);

  LcoreContext& ctx_;
  FlowState l4_;
  MbufSink sink_{*this};
  const snapshot::Snapshot* passSnap_ = nullptr;  // during a pass: the snapshot it reads
  Prepared prepared_[kBurstSize];  // first-stage results of the burst being decided
};

}  // namespace portico::dp::worker
