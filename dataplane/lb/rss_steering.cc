#include "dataplane/lb/rss_steering.h"

#include <rte_thash.h>

#include <cstring>

namespace portico::dp::lb {

namespace {

// The tuple rte_softrss reads: addresses, then the ports word (sport << 16 | dport), all
// in CPU byte order. Returns its length in words.
uint32_t tupleOf(const FlowKey& k, uint32_t* t) {
  uint32_t n = 0;
  if (k.family == 4) {
    t[n++] = pkt::ntoh32(v4FromMapped(k.src));
    t[n++] = pkt::ntoh32(v4FromMapped(k.dst));
  } else {
    for (const auto* addr : {&k.src, &k.dst}) {
      for (int w = 0; w < 4; ++w) {
        uint32_t be;
        std::memcpy(&be, addr->data() + 4 * w, 4);
        t[n++] = pkt::ntoh32(be);
      }
    }
  }
  t[n++] = static_cast<uint32_t>(pkt::ntoh16(k.srcPort)) << 16 | pkt::ntoh16(k.dstPort);
  return n;
}

}  // namespace

RssSteering::RssSteering(std::span<const uint8_t> key, std::span<const uint16_t> reta, uint16_t queue)
    : key_(key.begin(), key.end()), reta_(reta.begin(), reta.end()) {
  key_.resize(std::max<std::size_t>(key_.size(), 40), 0);
  if (reta_.empty() || (reta_.size() & (reta_.size() - 1)) != 0) return;  // unusable: no steering
  mask_ = static_cast<uint32_t>(reta_.size() - 1);
  for (uint32_t e = 0; e < reta_.size(); ++e) {
    if (reta_[e] == queue) entries_.push_back(e);
  }
  buckets4_.resize(reta_.size());
  buckets6_.resize(reta_.size());
  for (uint32_t port = kFirstPort; port <= 65535; ++port) {
    const uint32_t v4[3] = {0, 0, port};
    uint32_t v6[9] = {};
    v6[8] = port;
    buckets4_[softrss(v4, 3) & mask_].push_back(static_cast<uint16_t>(port));
    buckets6_[softrss(v6, 9) & mask_].push_back(static_cast<uint16_t>(port));
  }
}

uint32_t RssSteering::softrss(const uint32_t* tuple, uint32_t words) const {
  return rte_softrss(const_cast<uint32_t*>(tuple), words, key_.data());
}

uint32_t RssSteering::hash(const FlowKey& k) const {
  uint32_t t[9];
  const uint32_t n = tupleOf(k, t);
  return softrss(t, n);
}

}  // namespace portico::dp::lb
