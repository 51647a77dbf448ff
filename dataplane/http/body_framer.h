#pragma once

// Where an HTTP/1.1 message body ends in a byte stream (RFC 9112 6): a length, chunked
// transfer coding (read chunk by chunk, trailers included), until the connection closes,
// or none. The proxy forwards bodies as they come, unchanged; the framer only says how
// many of the bytes read belong to the current message, so the next message (a pipelined
// request, the next response on a kept-alive upstream connection) starts in the right place.

#include <cstddef>
#include <cstdint>
#include <span>

namespace portico::dp::http {

class BodyFramer {
 public:
  enum class Kind : uint8_t { kNone, kLength, kChunked, kUntilClose };

  void start(Kind kind, uint64_t length = 0) {
    kind_ = kind;
    remaining_ = length;
    state_ = State::kSize;
    size_ = 0;
    sizeDigits_ = 0;
    done_ = kind == Kind::kNone || (kind == Kind::kLength && length == 0);
    failed_ = false;
  }

  // Reads the next bytes of the stream; returns how many of them belong to the body (all
  // of them until it ends; then the rest is the next message's).
  std::size_t feed(std::span<const uint8_t> data);

  // The stream ended (the peer's FIN): a body that runs until the close is complete then.
  void closed() {
    if (kind_ == Kind::kUntilClose) done_ = true;
  }

  bool done() const { return done_; }
  bool failed() const { return failed_; }  // malformed chunked coding
  Kind kind() const { return kind_; }

 private:
  enum class State : uint8_t { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailerLine, kTrailerStart,
                               kTrailerEndLf };
  std::size_t feedChunked(std::span<const uint8_t> data);

  Kind kind_ = Kind::kNone;
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
  uint64_t size_ = 0;
  uint8_t sizeDigits_ = 0;
  bool done_ = true;
  bool failed_ = false;
};

}  // namespace portico::dp::http
