#pragma once

// What a route's header modifiers do to a message's fields, as one flat byte string:
// compiled into the snapshot once, read by the head writer without allocating, and copied
// into a session whole (a response arrives after the snapshot it was routed by may be
// gone). Each entry: op, name length (1 byte), value length (2 bytes, little endian), name,
// value.

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/snapshot/desired_state.h"

namespace portico::dp::http {

enum class EditOp : uint8_t { kSet = 1, kAdd = 2, kRemove = 3 };

// Control path. Names longer than 255 bytes or values longer than 65 535 are cut.
std::string encodeEdits(const snapshot::HeaderEditsSpec& spec);

class HeaderEdits {
 public:
  HeaderEdits() = default;
  explicit HeaderEdits(std::string_view encoded) : data_(encoded) {}

  bool empty() const { return data_.empty(); }
  std::string_view encoded() const { return data_; }
  // An incoming field of this name is left out: removed, or replaced by a set.
  bool drops(std::string_view name) const;
  // Each field the edits write (sets, then adds, in their order): f(name, value).
  template <typename F>
  void forEachNew(F&& f) const {
    for (EditOp op : {EditOp::kSet, EditOp::kAdd}) {
      each([&](EditOp o, std::string_view name, std::string_view value) {
        if (o == op) f(name, value);
      });
    }
  }

 private:
  template <typename F>
  void each(F&& f) const {
    std::size_t i = 0;
    while (i + 4 <= data_.size()) {
      const auto op = static_cast<EditOp>(data_[i]);
      const auto nameLength = static_cast<uint8_t>(data_[i + 1]);
      const auto valueLength = static_cast<uint16_t>(static_cast<uint8_t>(data_[i + 2]) |
                                                     (static_cast<uint8_t>(data_[i + 3]) << 8));
      i += 4;
      if (i + nameLength + valueLength > data_.size()) return;
      f(op, data_.substr(i, nameLength), data_.substr(i + nameLength, valueLength));
      i += nameLength + valueLength;
    }
  }

  std::string_view data_;
};

}  // namespace portico::dp::http
