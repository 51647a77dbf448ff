#include "dataplane/l7/client_hello.h"

#include <algorithm>
#include <cstring>

namespace portico::dp::l7 {

namespace {

constexpr uint8_t kRecordHandshake = 22;
constexpr uint8_t kHandshakeClientHello = 1;
constexpr uint16_t kExtServerName = 0;
constexpr uint16_t kExtAlpn = 16;

// Bounds-checked big-endian reads over one span; a short read marks the reader bad.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> d) : d_(d) {}
  bool ok() const { return ok_; }
  std::size_t left() const { return d_.size() - pos_; }
  uint32_t u8() { return take(1) ? d_[pos_ - 1] : 0; }
  uint32_t u16() { return take(2) ? static_cast<uint32_t>(d_[pos_ - 2]) << 8 | d_[pos_ - 1] : 0; }
  uint32_t u24() { return take(3) ? static_cast<uint32_t>(d_[pos_ - 3]) << 16 | d_[pos_ - 2] << 8 | d_[pos_ - 1] : 0; }
  std::span<const uint8_t> bytes(std::size_t n) {
    if (!take(n)) return {};
    return d_.subspan(pos_ - n, n);
  }
  Reader sub(std::size_t n) {
    const auto b = bytes(n);  // first: a short read clears ok_
    return Reader(b, ok_);
  }

 private:
  Reader(std::span<const uint8_t> d, bool ok) : d_(d), ok_(ok) {}
  bool take(std::size_t n) {
    if (!ok_ || left() < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> d_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

bool readServerName(Reader ext, ClientHello& out) {
  Reader list = ext.sub(ext.u16());
  while (list.ok() && list.left() > 0) {
    const uint32_t type = list.u8();
    const auto name = list.bytes(list.u16());
    if (!list.ok()) return false;
    if (type != 0) continue;
    if (name.empty() || name.size() > out.sni_.size()) return false;
    std::size_t n = name.size();
    for (std::size_t i = 0; i < n; ++i) {
      const char c = static_cast<char>(name[i]);
      if (c <= ' ' || c == 0x7f) return false;
      out.sni_[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (n > 1 && out.sni_[n - 1] == '.') --n;
    out.sniLength_ = static_cast<uint16_t>(n);
    return true;
  }
  return list.ok();
}

bool readAlpn(Reader ext, ClientHello& out) {
  Reader list = ext.sub(ext.u16());
  while (list.ok() && list.left() > 0) {
    const auto proto = list.bytes(list.u8());
    if (!list.ok() || proto.empty()) return false;
    const std::size_t need = proto.size() + (out.alpnLength_ > 0 ? 1 : 0);
    if (out.alpnLength_ + need > out.alpn_.size()) continue;
    if (out.alpnLength_ > 0) out.alpn_[out.alpnLength_++] = ',';
    std::memcpy(out.alpn_.data() + out.alpnLength_, proto.data(), proto.size());
    out.alpnLength_ = static_cast<uint8_t>(out.alpnLength_ + proto.size());
  }
  return list.ok();
}

ParseOutcome parseBody(std::span<const uint8_t> body, ClientHello& out) {
  Reader r(body);
  r.u16();                   // legacy_version
  r.bytes(32);               // random
  r.bytes(r.u8());           // legacy_session_id
  r.bytes(r.u16());          // cipher_suites
  r.bytes(r.u8());           // legacy_compression_methods
  if (!r.ok()) return ParseOutcome::failed(DropReason::kL7BadClientHello);
  if (r.left() == 0) return ParseOutcome::complete();  // no extensions: no SNI
  Reader exts = r.sub(r.u16());
  while (exts.ok() && exts.left() > 0) {
    const uint32_t type = exts.u16();
    Reader ext = exts.sub(exts.u16());
    if (!exts.ok()) break;
    if (type == kExtServerName && !readServerName(ext, out)) return ParseOutcome::failed(DropReason::kL7BadClientHello);
    if (type == kExtAlpn && !readAlpn(ext, out)) return ParseOutcome::failed(DropReason::kL7BadClientHello);
  }
  return exts.ok() ? ParseOutcome::complete() : ParseOutcome::failed(DropReason::kL7BadClientHello);
}

}  // namespace

ParseOutcome parseClientHello(std::span<const uint8_t> data, std::size_t limit, std::span<uint8_t> scratch,
                              ClientHello& out) {
  out = ClientHello{};
  data = data.first(std::min(data.size(), limit));
  // Walk the records, gathering the handshake message's bytes until its declared length
  // is in. A message in one record is read where it lies.
  std::size_t pos = 0, gathered = 0, need = 0;
  std::span<const uint8_t> message;
  while (true) {
    if (data.size() - pos < 5) break;
    const uint8_t* rec = data.data() + pos;
    const std::size_t length = static_cast<std::size_t>(rec[3]) << 8 | rec[4];
    if (rec[0] != kRecordHandshake || rec[1] != 3 || length == 0 || length > 16384 + 2048) {
      return ParseOutcome::failed(DropReason::kL7BadTlsRecord);
    }
    const std::size_t have = std::min(length, data.size() - pos - 5);
    const uint8_t* fragment = rec + 5;
    if (gathered == 0 && have >= 4) {
      if (fragment[0] != kHandshakeClientHello) return ParseOutcome::failed(DropReason::kL7BadClientHello);
      need = 4 + (static_cast<std::size_t>(fragment[1]) << 16 | fragment[2] << 8 | fragment[3]);
      if (need > limit || need > scratch.size()) return ParseOutcome::failed(DropReason::kL7HeadTooLarge);
      if (length >= need && have >= need) {
        message = {fragment, need};
        break;
      }
    }
    if (gathered + have > scratch.size()) return ParseOutcome::failed(DropReason::kL7HeadTooLarge);
    std::memcpy(scratch.data() + gathered, fragment, have);
    gathered += have;
    if (need == 0 && gathered >= 4) {
      if (scratch[0] != kHandshakeClientHello) return ParseOutcome::failed(DropReason::kL7BadClientHello);
      need = 4 + (static_cast<std::size_t>(scratch[1]) << 16 | scratch[2] << 8 | scratch[3]);
      if (need > limit || need > scratch.size()) return ParseOutcome::failed(DropReason::kL7HeadTooLarge);
    }
    if (need != 0 && gathered >= need) {
      message = scratch.first(need);
      break;
    }
    if (have < length) break;  // the rest of this record has not arrived
    pos += 5 + length;
  }
  if (message.empty()) {
    return data.size() >= limit ? ParseOutcome::failed(DropReason::kL7HeadTooLarge) : ParseOutcome::incomplete();
  }
  return parseBody(message.subspan(4), out);
}

}  // namespace portico::dp::l7
