#include "dataplane/http/body_framer.h"

#include <algorithm>

namespace portico::dp::http {

namespace {

int hexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::size_t BodyFramer::feed(std::span<const uint8_t> data) {
  if (done_ || failed_) return 0;
  switch (kind_) {
    case Kind::kNone: return 0;
    case Kind::kUntilClose: return data.size();
    case Kind::kLength: {
      const auto n = static_cast<std::size_t>(std::min<uint64_t>(remaining_, data.size()));
      remaining_ -= n;
      done_ = remaining_ == 0;
      return n;
    }
    case Kind::kChunked: return feedChunked(data);
  }
  return 0;
}

std::size_t BodyFramer::feedChunked(std::span<const uint8_t> data) {
  std::size_t i = 0;
  while (i < data.size() && !done_ && !failed_) {
    const uint8_t c = data[i];
    switch (state_) {
      case State::kSize: {
        const int v = hexValue(c);
        if (v >= 0) {
          // 15 hex digits are 2^60 bytes: more is an attack, not a body.
          if (++sizeDigits_ > 15) {
            failed_ = true;
            return i;
          }
          size_ = size_ * 16 + static_cast<uint64_t>(v);
          ++i;
        } else if (sizeDigits_ == 0) {
          failed_ = true;
          return i;
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
          ++i;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
          ++i;
        } else if (c == '\n') {
          state_ = State::kSizeLf;  // a bare LF ends the line too (RFC 9112 2.2)
        } else {
          failed_ = true;
          return i;
        }
        break;
      }
      case State::kExtension:
        if (c == '\n') {
          state_ = State::kSizeLf;
        } else {
          ++i;
        }
        break;
      case State::kSizeLf:
        if (c != '\n') {
          failed_ = true;
          return i;
        }
        ++i;
        if (size_ == 0) {
          state_ = State::kTrailerStart;
        } else {
          remaining_ = size_;
          state_ = State::kData;
        }
        break;
      case State::kData: {
        const auto n = static_cast<std::size_t>(std::min<uint64_t>(remaining_, data.size() - i));
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
          ++i;
        } else if (c == '\n') {
          state_ = State::kDataLf;
        } else {
          failed_ = true;
          return i;
        }
        break;
      case State::kDataLf:
        if (c != '\n') {
          failed_ = true;
          return i;
        }
        ++i;
        state_ = State::kSize;
        size_ = 0;
        sizeDigits_ = 0;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kTrailerEndLf;
          ++i;
        } else if (c == '\n') {
          ++i;
          done_ = true;
        } else {
          state_ = State::kTrailerLine;
        }
        break;
      case State::kTrailerLine:
        ++i;
        if (c == '\n') state_ = State::kTrailerStart;
        break;
      case State::kTrailerEndLf:
        if (c != '\n') {
          failed_ = true;
          return i;
        }
        ++i;
        done_ = true;
        break;
    }
  }
  return i;
}

}  // namespace portico::dp::http
