#pragma once

// Bounds what connections whose request head (or ClientHello) is still arriving may hold
// of a worker's head buffers, so that clients that trickle their heads (slowloris) cannot
// shut a listener for everyone. Each source (an IPv4 address, or an IPv6 /64) may hold a
// share of the buffers; when a source is at its share, or no buffer is left, the head that
// has been arriving longest (that source's, or anyone's) gives its buffer up. Trusted peers
// (an F5's self IPs, which carry many clients) have no share of their own but can still be
// the oldest. The caller bounds how long a whole head may take with its own timer.
// Tracked by buffer slot; fixed arrays sized at start; no allocation afterwards.

#include <cstdint>
#include <span>
#include <vector>

#include "dataplane/pkt/ip_prefix.h"

namespace portico::dp::l7 {

// A new connection that has sent no byte this long after its handshake counts against its
// source as a head that started and did not finish: thousands of silent connections from
// one address would otherwise hold every connection of the workers' TCP endpoint until
// the head deadline. Not at once: under a flood of them each source's oldest is reset for
// every new one, and an ordinary client from the same address, or 200 connections opened
// together by one, whose requests follow their handshakes within milliseconds, must not
// be among them.
inline constexpr uint32_t kSilenceGraceMs = 100;

class HeadGuard {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  // `perSource` 0: no share per source. `seed` keys the source hash, so an attacker cannot
  // pick addresses that share a legitimate client's share.
  HeadGuard(uint32_t buffers, uint32_t perSource, std::span<const pkt::IpPrefix> trusted, uint64_t seed);

  // The bucket of a client address (v4-mapped for IPv4); kTrusted for a trusted peer.
  uint32_t sourceOf(const pkt::Ipv6Addr& client) const;

  // The connection that must give its buffer up before `source` takes one (kNone: nobody).
  // `poolEmpty`: no buffer is free.
  uint32_t victimFor(uint32_t source, bool poolEmpty) const;

  // Buffer `slot` now holds the arriving head of `connection`, from `source`.
  void enter(uint32_t slot, uint32_t connection, uint32_t source);
  // Buffer `slot` no longer holds an arriving head (done, failed, or freed). Idempotent.
  void leave(uint32_t slot);

  bool holds(uint32_t slot) const { return connection_[slot] != kNone; }
  uint32_t heads() const { return heads_; }
  uint32_t headsOf(uint32_t source) const { return source == kTrusted ? 0 : buckets_[source].count; }
  static constexpr uint32_t kTrusted = 0xfffffffeu;

 private:
  struct Link {
    uint32_t prev = kNone, next = kNone;
  };
  struct Bucket {
    uint32_t first = kNone, last = kNone;  // oldest and newest slot of this source
    uint32_t count = 0;
  };
  // A doubly linked list of slots threaded through `links`.
  static void append(std::vector<Link>& links, uint32_t& first, uint32_t& last, uint32_t slot);
  static void unlink(std::vector<Link>& links, uint32_t& first, uint32_t& last, uint32_t slot);

  uint32_t perSource_;
  std::vector<pkt::IpPrefix> trusted_;
  uint64_t seed_;
  uint32_t bucketShift_;
  std::vector<uint32_t> connection_;  // by slot: the connection, or kNone
  std::vector<uint32_t> source_;      // by slot
  std::vector<Link> all_;             // by slot, oldest first
  std::vector<Link> sameSource_;      // by slot, within its bucket
  std::vector<Bucket> buckets_;
  uint32_t first_ = kNone, last_ = kNone;
  uint32_t heads_ = 0;
};

}  // namespace portico::dp::l7
