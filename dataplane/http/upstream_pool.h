#pragma once

// One worker's idle upstream connections, kept alive and handed to the next request for
// the same endpoint, whichever client it comes from (NGINX's upstream keepalive). Bounded
// per endpoint; the most recently used is taken first, so the others may age out at the
// backend. Lists threaded through arrays indexed by the endpoint connection's id; the
// endpoints' table is open addressing. No allocation after start.

#include <cstdint>
#include <vector>

namespace portico::dp::http {

class UpstreamPool {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  UpstreamPool(uint32_t connections, uint32_t perEndpoint);

  // Keeps `connection` to `backendId` for later; false when that endpoint has its share
  // (or the table is full), and the caller closes it instead.
  bool put(uint32_t backendId, uint32_t connection);
  // The latest idle connection to `backendId`, taken out of the pool; kNone when none.
  uint32_t take(uint32_t backendId);
  // An idle connection went away (closed by the backend, reset).
  void remove(uint32_t connection);
  bool pooled(uint32_t connection) const { return links_[connection].bucket != kNone; }
  uint32_t size() const { return size_; }

 private:
  struct Link {
    uint32_t prev = kNone, next = kNone;
    uint32_t bucket = kNone;  // kNone when not pooled
  };
  struct Bucket {
    uint32_t backendId = kNone;
    uint32_t first = kNone;
    uint32_t count = 0;
  };
  uint32_t find(uint32_t backendId, bool create);

  std::vector<Link> links_;
  std::vector<Bucket> buckets_;
  uint32_t perEndpoint_;
  uint32_t size_ = 0;
};

}  // namespace portico::dp::http
