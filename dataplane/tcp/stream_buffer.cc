#include "dataplane/tcp/stream_buffer.h"

#include <algorithm>
#include <cstring>

namespace portico::dp::tcp {

bool StreamBuffer::extend(ChunkPool& pool) {
  const uint32_t c = pool.allocate();
  if (c == ChunkPool::kNone) return false;
  if (last_ == ChunkPool::kNone) {
    first_ = c;
    start_ = 0;
  } else {
    pool.next(last_) = c;
  }
  last_ = c;
  ++chunks_;
  return true;
}

uint32_t StreamBuffer::locate(ChunkPool& pool, uint32_t offset, uint32_t& within) {
  const uint32_t absolute = offset + start_;
  const uint32_t index = absolute / ChunkPool::kChunkBytes;
  within = absolute % ChunkPool::kChunkBytes;
  uint32_t c = first_, i = 0;
  if (cursor_ != ChunkPool::kNone && cursorIndex_ <= index) {
    c = cursor_;
    i = cursorIndex_;
  }
  for (; i < index; ++i) c = pool.next(c);
  cursor_ = c;
  cursorIndex_ = index;
  return c;
}

uint32_t StreamBuffer::write(ChunkPool& pool, uint32_t offset, std::span<const uint8_t> data) {
  uint32_t n = static_cast<uint32_t>(data.size());
  while (covered() < offset + n) {
    if (!extend(pool)) {
      n = covered() > offset ? covered() - offset : 0;
      break;
    }
  }
  uint32_t done = 0;
  while (done < n) {
    uint32_t within;
    const uint32_t c = locate(pool, offset + done, within);
    const uint32_t piece = std::min(n - done, ChunkPool::kChunkBytes - within);
    std::memcpy(pool.data(c) + within, data.data() + done, piece);
    done += piece;
  }
  return n;
}

unsigned StreamBuffer::pieces(ChunkPool& pool, uint32_t offset, uint32_t length, std::span<const uint8_t>* out,
                              unsigned max) {
  unsigned count = 0;
  while (length > 0 && count < max) {
    uint32_t within;
    const uint32_t c = locate(pool, offset, within);
    const uint32_t piece = std::min(length, ChunkPool::kChunkBytes - within);
    out[count++] = {pool.data(c) + within, piece};
    offset += piece;
    length -= piece;
  }
  return count;
}

void StreamBuffer::read(ChunkPool& pool, uint32_t offset, std::span<uint8_t> out) {
  uint32_t done = 0;
  const auto n = static_cast<uint32_t>(out.size());
  while (done < n) {
    uint32_t within;
    const uint32_t c = locate(pool, offset + done, within);
    const uint32_t piece = std::min(n - done, ChunkPool::kChunkBytes - within);
    std::memcpy(out.data() + done, pool.data(c) + within, piece);
    done += piece;
  }
}

void StreamBuffer::consume(ChunkPool& pool, uint32_t n) {
  if (chunks_ == 0) return;
  start_ += n;
  while (chunks_ > 0 && start_ >= ChunkPool::kChunkBytes) {
    const uint32_t c = first_;
    first_ = pool.next(c);
    pool.release(c);
    --chunks_;
    start_ -= ChunkPool::kChunkBytes;
    if (cursor_ == c || cursorIndex_ == 0) {
      cursor_ = ChunkPool::kNone;
    } else {
      --cursorIndex_;
    }
  }
  if (chunks_ == 0) {
    first_ = last_ = ChunkPool::kNone;
    start_ = 0;
    cursor_ = ChunkPool::kNone;
  }
}

void StreamBuffer::clear(ChunkPool& pool) {
  while (first_ != ChunkPool::kNone) {
    const uint32_t c = first_;
    first_ = c == last_ ? ChunkPool::kNone : pool.next(c);
    pool.release(c);
  }
  *this = StreamBuffer{};
}

}  // namespace portico::dp::tcp
