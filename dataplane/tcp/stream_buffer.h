#pragma once

// One direction of a connection's bytes, addressed by offset from its oldest byte: for
// sending, offset 0 is SND.UNA; for receiving, the oldest byte the application has not
// taken. Stored in a chain of ChunkPool chunks that grows at the end as bytes are written
// (out of order too, on the receive side) and shrinks at the front as they are consumed.
// A cursor remembers the last chunk reached, so the usual accesses (the next segment to
// send, a segment just past the last) do not walk the chain from its start.

#include <cstdint>
#include <span>

#include "dataplane/tcp/chunk_pool.h"

namespace portico::dp::tcp {

class StreamBuffer {
 public:
  // Chunks cover offsets [0, covered()).
  uint32_t covered() const { return chunks_ == 0 ? 0 : chunks_ * ChunkPool::kChunkBytes - start_; }
  uint32_t chunks() const { return chunks_; }

  // Copies `data` to `offset`, adding chunks as needed; returns how many bytes were
  // stored (fewer only when the pool ran dry).
  uint32_t write(ChunkPool& pool, uint32_t offset, std::span<const uint8_t> data);

  // Up to `max` pieces of chunk memory that hold [offset, offset + length); returns how
  // many. The range must be covered.
  unsigned pieces(ChunkPool& pool, uint32_t offset, uint32_t length, std::span<const uint8_t>* out, unsigned max);

  // Copies [offset, offset + out.size()) out.
  void read(ChunkPool& pool, uint32_t offset, std::span<uint8_t> out);

  // Forgets the first `n` bytes; chunks left wholly behind go back to the pool.
  void consume(ChunkPool& pool, uint32_t n);

  void clear(ChunkPool& pool);

 private:
  // The chunk holding `offset` and the offset's place in it.
  uint32_t locate(ChunkPool& pool, uint32_t offset, uint32_t& within);
  bool extend(ChunkPool& pool);

  uint32_t first_ = ChunkPool::kNone;
  uint32_t last_ = ChunkPool::kNone;
  uint32_t start_ = 0;   // offset 0's place in the first chunk
  uint32_t chunks_ = 0;
  uint32_t cursor_ = ChunkPool::kNone;  // a chunk of the chain and its index in it
  uint32_t cursorIndex_ = 0;
};

}  // namespace portico::dp::tcp
