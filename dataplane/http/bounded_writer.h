#pragma once

// Text appended into a caller's fixed buffer: what does not fit sets a flag instead of
// growing anything, so a head or URL is written whole or not at all.

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace portico::dp::http {

template <typename Byte>
class BoundedWriter {
 public:
  explicit BoundedWriter(std::span<Byte> buf) : buf_(buf) {}
  BoundedWriter& operator<<(std::string_view s) {
    if (size_ + s.size() > buf_.size()) {
      overflow_ = true;
      return *this;
    }
    // An empty view may have no data at all (a response with no reason phrase), which
    // memcpy must not be given even for zero bytes.
    if (s.empty()) return *this;
    std::memcpy(buf_.data() + size_, s.data(), s.size());
    size_ += s.size();
    return *this;
  }
  // One header field line.
  BoundedWriter& field(std::string_view name, std::string_view value) { return *this << name << ": " << value << "\r\n"; }
  bool overflow() const { return overflow_; }
  std::size_t size() const { return size_; }
  // The length written, 0 when something did not fit.
  uint32_t finish() const { return overflow_ ? 0 : static_cast<uint32_t>(size_); }

 private:
  std::span<Byte> buf_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace portico::dp::http
