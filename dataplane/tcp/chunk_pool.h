#pragma once

// The memory behind every TCP endpoint buffer of one worker: fixed-size chunks carved from
// one allocation at start, handed out from a free list and linked into per-connection
// chains. A connection holds chunks only while it has bytes to keep, so an idle kept-alive
// connection costs its control block alone. No allocation after start.

#include <cstdint>
#include <memory>
#include <vector>

namespace portico::dp::tcp {

class ChunkPool {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  static constexpr uint32_t kChunkBytes = 16'384;

  explicit ChunkPool(uint32_t chunks);

  uint32_t allocate();  // kNone when the pool is empty
  void release(uint32_t chunk);

  uint8_t* data(uint32_t chunk) { return storage_.get() + static_cast<std::size_t>(chunk) * kChunkBytes; }
  uint32_t& next(uint32_t chunk) { return next_[chunk]; }
  uint32_t free() const { return static_cast<uint32_t>(free_.size()); }
  uint32_t capacity() const { return static_cast<uint32_t>(next_.size()); }

 private:
  // Left uninitialised: pages are touched only when a chunk is first used, and the free
  // list hands the most recently freed chunk out first, so the memory in use stays warm.
  std::unique_ptr<uint8_t[]> storage_;
  std::vector<uint32_t> next_;
  std::vector<uint32_t> free_;
};

}  // namespace portico::dp::tcp
