#include "dataplane/l7/connection.h"

namespace portico::dp::l7 {

Connections::Connections(uint32_t connections, uint32_t buffers, uint32_t bufferBytes)
    : conns_(connections), storage_(static_cast<std::size_t>(buffers) * bufferBytes), bufferBytes_(bufferBytes) {
  freeConns_.reserve(connections);
  for (uint32_t i = connections; i-- > 0;) freeConns_.push_back(i);
  freeBuffers_.reserve(buffers);
  for (uint32_t i = buffers; i-- > 0;) freeBuffers_.push_back(i);
  timed_.reserve(connections);
}

uint32_t Connections::allocate() {
  if (freeConns_.empty()) return kNoSlot;
  const uint32_t id = freeConns_.back();
  freeConns_.pop_back();
  const bool listed = conns_[id].listed;  // the timer list may still name it
  conns_[id] = Connection{};
  conns_[id].listed = listed;
  return id;
}

void Connections::release(uint32_t id) {
  Connection& c = conns_[id];
  if (c.flow == kNoSlot) return;
  releaseBuffer(c);
  c.flow = kNoSlot;
  c.timed = false;  // the timer list drops it on its next pass
  freeConns_.push_back(id);
}

uint32_t Connections::allocateBuffer() {
  if (freeBuffers_.empty()) return kNoSlot;
  const uint32_t slot = freeBuffers_.back();
  freeBuffers_.pop_back();
  return slot;
}

void Connections::releaseBuffer(Connection& c) {
  if (c.buffer == kNoSlot) return;
  freeBuffers_.push_back(c.buffer);
  c.buffer = kNoSlot;
}

void Connections::arm(uint32_t id, uint32_t dueMs, uint16_t rtoMs) {
  Connection& c = conns_[id];
  c.timerMs = dueMs;
  c.rtoMs = rtoMs;
  c.timed = true;
  if (c.listed) return;
  c.listed = true;
  timed_.push_back(id);
}

}  // namespace portico::dp::l7
