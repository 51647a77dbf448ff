#include "dataplane/tcp/chunk_pool.h"

namespace portico::dp::tcp {

ChunkPool::ChunkPool(uint32_t chunks)
    : storage_(new uint8_t[static_cast<std::size_t>(chunks) * kChunkBytes]), next_(chunks, kNone) {
  free_.reserve(chunks);
  for (uint32_t i = chunks; i-- > 0;) free_.push_back(i);
}

uint32_t ChunkPool::allocate() {
  if (free_.empty()) return kNone;
  const uint32_t c = free_.back();
  free_.pop_back();
  next_[c] = kNone;
  return c;
}

void ChunkPool::release(uint32_t chunk) { free_.push_back(chunk); }

}  // namespace portico::dp::tcp
