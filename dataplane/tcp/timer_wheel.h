#pragma once

// One worker's connection timers: each connection is on the wheel at most once, at the
// earliest of its deadlines (retransmission, delayed ACK, persist, close). Slots are 1 ms
// wide and the wheel turns every 1 024 ms; an entry further out stays in its slot until its
// turn comes round. Insert and cancel are O(1) (intrusive lists over the connection ids);
// advance() visits only the slots of the milliseconds that passed.

#include <cstdint>
#include <vector>

namespace portico::dp::tcp {

class TimerWheel {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  static constexpr uint32_t kSlots = 1024;

  explicit TimerWheel(uint32_t ids) : entries_(ids), slots_(kSlots, kNone) { fired_.reserve(ids); }

  // (Re)schedules `id` at `dueMs` (a wrapping millisecond clock).
  void schedule(uint32_t id, uint32_t dueMs) {
    cancel(id);
    Entry& e = entries_[id];
    e.due = dueMs;
    e.slot = dueMs % kSlots;
    e.prev = kNone;
    e.next = slots_[e.slot];
    if (e.next != kNone) entries_[e.next].prev = id;
    slots_[e.slot] = id;
    e.armed = true;
  }

  void cancel(uint32_t id) {
    Entry& e = entries_[id];
    if (!e.armed) return;
    (e.prev != kNone ? entries_[e.prev].next : slots_[e.slot]) = e.next;
    if (e.next != kNone) entries_[e.next].prev = e.prev;
    e.armed = false;
  }

  bool armed(uint32_t id) const { return entries_[id].armed; }
  uint32_t due(uint32_t id) const { return entries_[id].due; }

  // Calls fn(id) for every entry due at or before `nowMs`, each once. Due entries are
  // taken off the wheel first and then handed out, so fn may schedule or cancel any entry.
  template <typename Fn>
  void advance(uint32_t nowMs, Fn&& fn) {
    if (!started_) {
      last_ = nowMs;
      started_ = true;
    }
    // A long stall visits the whole wheel once rather than every millisecond it missed.
    const uint32_t steps = nowMs - last_ >= kSlots ? kSlots : nowMs - last_ + 1;
    fired_.clear();
    for (uint32_t i = 0; i < steps; ++i) {
      uint32_t id = slots_[(last_ + i) % kSlots];
      while (id != kNone) {
        const uint32_t next = entries_[id].next;
        if (static_cast<int32_t>(nowMs - entries_[id].due) >= 0) {
          cancel(id);
          fired_.push_back(id);  // capacity reserved for every id
        }
        id = next;
      }
    }
    last_ = nowMs;
    for (const uint32_t id : fired_) fn(id);
  }

 private:
  struct Entry {
    uint32_t due = 0;
    uint32_t prev = kNone, next = kNone;
    uint16_t slot = 0;
    bool armed = false;
  };
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;
  std::vector<uint32_t> fired_;
  uint32_t last_ = 0;
  bool started_ = false;
};

}  // namespace portico::dp::tcp
