#include "dataplane/l7/exact_names.h"

#include <xxhash.h>

#include <bit>
#include <cstring>

namespace portico::dp::l7 {

uint64_t ExactNames::hashOf(std::string_view name) { return XXH3_64bits(name.data(), name.size()); }

std::string_view ExactNames::nameOf(const Slot& s) const {
  return s.length <= kInline ? std::string_view(s.name, s.length) : std::string_view(arena_.data() + s.arena, s.length);
}

void ExactNames::reserve(std::size_t expected) {
  // At most half full: linear probes stay short.
  const std::size_t want = std::bit_ceil(std::max<std::size_t>(expected * 2, 8));
  if (want <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(want, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.tag == 0) continue;
    std::size_t i = hashOf(nameOf(s)) & mask;
    while (slots_[i].tag != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

bool ExactNames::insert(std::string_view name, uint32_t value) {
  if ((size_ + 1) * 2 > slots_.size()) reserve(size_ + 1);
  const uint64_t h = hashOf(name);
  const auto tag = static_cast<uint32_t>(h >> 32) | 1u;
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  for (; slots_[i].tag != 0; i = (i + 1) & mask) {
    if (slots_[i].tag == tag && nameOf(slots_[i]) == name) return false;
  }
  Slot& s = slots_[i];
  s.tag = tag;
  s.value = value;
  s.length = static_cast<uint32_t>(name.size());
  if (name.size() <= kInline) {
    std::memcpy(s.name, name.data(), name.size());
  } else {
    s.arena = static_cast<uint32_t>(arena_.size());
    arena_.append(name);
  }
  ++size_;
  return true;
}

uint32_t ExactNames::find(std::string_view name) const {
  if (size_ == 0) return kNoMatch;
  const uint64_t h = hashOf(name);
  const auto tag = static_cast<uint32_t>(h >> 32) | 1u;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask; slots_[i].tag != 0; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.tag == tag && s.length == name.size() && nameOf(s) == name) return s.value;
  }
  return kNoMatch;
}

}  // namespace portico::dp::l7
