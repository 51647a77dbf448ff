#pragma once

// Link-layer addresses of the next hops the dataplane sends to (backends on a port's
// link, or the port's gateway). The control thread owns the entries, resolves them with
// ARP/NDP and writes each MAC into a fixed slot; workers read a slot with one atomic load.

#include <atomic>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "dataplane/pkt/headers.h"
#include "dataplane/pkt/ip_address.h"

namespace portico::dp::arp {

class NeighborCache {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr uint32_t kNoSlot = 0xffffffffu;

  struct Entry {
    uint8_t port = 0;
    pkt::IpAddress ip;
    Clock::time_point lastRequest{};
    Clock::time_point lastLearned{};
    bool resolved = false;
    bool pinned = false;  // configured by hand: never asked for, never replaced
    bool live = true;     // false: a free slot
    bool idle = false;    // no snapshot uses it: kept with its address, not asked for
    Clock::time_point idleSince{};
  };

  // How long a next hop nobody uses keeps its address in case it comes back, as
  // endpoints that leave and return do (a kernel's stale neighbour entry lives as long):
  // a returning backend is reachable at once instead of after a new resolution.
  static constexpr std::chrono::seconds kIdleHold{60};

  explicit NeighborCache(uint32_t capacity = 4096)
      : capacity_(capacity), macs_(std::make_unique<std::atomic<uint64_t>[]>(capacity)) {}

  // Control thread: the slot for a next hop, created (unresolved) on first use;
  // kNoSlot when the cache is full.
  uint32_t slotFor(uint8_t port, const pkt::IpAddress& ip) {
    const auto key = std::make_pair(port, ip);
    if (auto it = index_.find(key); it != index_.end()) {
      entries_[it->second].idle = false;
      return it->second;
    }
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      entries_[slot] = Entry{port, ip, {}, {}, false};
    } else if (entries_.size() < capacity_) {
      slot = static_cast<uint32_t>(entries_.size());
      entries_.push_back(Entry{port, ip, {}, {}, false});
    } else {
      // Full: the next hop idle the longest gives up its slot.
      slot = kNoSlot;
      for (uint32_t i = 0; i < entries_.size(); ++i) {
        if (entries_[i].live && entries_[i].idle && (slot == kNoSlot || entries_[i].idleSince < entries_[slot].idleSince)) {
          slot = i;
        }
      }
      if (slot == kNoSlot) return kNoSlot;
      forget(slot);
      entries_[slot] = Entry{port, ip, {}, {}, false};
    }
    index_.emplace(key, slot);
    return slot;
  }

  // Control thread, once no worker can still read a snapshot that used them: the slots
  // `used` does not mark (pinned ones stay) become idle, and those idle longer than
  // kIdleHold are freed, so churn in next hops neither fills the cache nor keeps the
  // resolver asking for addresses nobody needs.
  void retainOnly(const std::vector<bool>& used, Clock::time_point now = Clock::now()) {
    for (uint32_t slot = 0; slot < entries_.size(); ++slot) {
      Entry& e = entries_[slot];
      if (!e.live || e.pinned || (slot < used.size() && used[slot])) continue;
      if (!e.idle) {
        e.idle = true;
        e.idleSince = now;
      } else if (now - e.idleSince >= kIdleHold) {
        forget(slot);
        free_.push_back(slot);
      }
    }
  }

  // Next hops in use (idle ones not counted).
  std::size_t liveEntries() const {
    std::size_t n = 0;
    for (const auto& e : entries_) n += e.live && !e.idle;
    return n;
  }

  // Control thread: a static entry, for next hops that do not answer ARP/NDP (or where
  // the operator wants no resolution traffic). Returns false when the cache is full.
  bool pin(uint8_t port, const pkt::IpAddress& ip, const pkt::MacAddr& mac) {
    const uint32_t slot = slotFor(port, ip);
    if (slot == kNoSlot) return false;
    store(slot, mac, Clock::now());
    entries_[slot].pinned = true;
    return true;
  }

  // Control thread: records an answer; ignored for addresses nobody asked about, and for
  // pinned entries.
  bool learn(uint8_t port, const pkt::IpAddress& ip, const pkt::MacAddr& mac, Clock::time_point now) {
    const auto it = index_.find(std::make_pair(port, ip));
    if (it == index_.end() || entries_[it->second].pinned) return false;
    store(it->second, mac, now);
    return true;
  }

  // Worker: writes the slot's MAC to out (6 bytes) if resolved, straight from the packed
  // word so no temporary is built on the hot path.
  bool copyMac(uint32_t slot, uint8_t* out) const {
    if (slot >= capacity_) return false;
    const uint64_t packed = macs_[slot].load(std::memory_order_acquire);
    if (!(packed & kValid)) return false;
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "MAC bytes are packed little-endian first");
    std::memcpy(out, &packed, 6);
    return true;
  }

  // The MAC for a slot, if resolved.
  std::optional<pkt::MacAddr> mac(uint32_t slot) const {
    if (slot >= capacity_) return std::nullopt;
    const uint64_t packed = macs_[slot].load(std::memory_order_acquire);
    if (!(packed & kValid)) return std::nullopt;
    pkt::MacAddr m;
    for (int i = 0; i < 6; ++i) m[i] = static_cast<uint8_t>(packed >> (8 * i));
    return m;
  }

  std::vector<Entry>& entries() { return entries_; }

 private:
  void forget(uint32_t slot) {
    Entry& e = entries_[slot];
    index_.erase(std::make_pair(e.port, e.ip));
    macs_[slot].store(0, std::memory_order_release);
    e.live = false;
    e.resolved = false;
    e.idle = false;
  }

  void store(uint32_t slot, const pkt::MacAddr& mac, Clock::time_point now) {
    uint64_t packed = kValid;
    for (int i = 0; i < 6; ++i) packed |= static_cast<uint64_t>(mac[i]) << (8 * i);
    macs_[slot].store(packed, std::memory_order_release);
    entries_[slot].resolved = true;
    entries_[slot].lastLearned = now;
  }

  static constexpr uint64_t kValid = 1ull << 63;

  uint32_t capacity_;
  std::unique_ptr<std::atomic<uint64_t>[]> macs_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  std::map<std::pair<uint8_t, pkt::IpAddress>, uint32_t> index_;
};

}  // namespace portico::dp::arp
