#pragma once

// A TLS 1.2/1.3-shaped ClientHello for tests: SNI and ALPN extensions plus padding, cut
// into records of at most `recordSize` bytes of handshake message each.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace portico::test {

inline void helloPut16(std::vector<uint8_t>& v, std::size_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}

inline std::vector<uint8_t> clientHelloRecords(const std::string& sni, const std::vector<std::string>& alpn = {},
                                               std::size_t recordSize = 16384, std::size_t padding = 0) {
  std::vector<uint8_t> ext;
  if (!sni.empty()) {
    helloPut16(ext, 0);
    helloPut16(ext, sni.size() + 5);
    helloPut16(ext, sni.size() + 3);
    ext.push_back(0);
    helloPut16(ext, sni.size());
    ext.insert(ext.end(), sni.begin(), sni.end());
  }
  if (!alpn.empty()) {
    std::vector<uint8_t> list;
    for (const auto& p : alpn) {
      list.push_back(static_cast<uint8_t>(p.size()));
      list.insert(list.end(), p.begin(), p.end());
    }
    helloPut16(ext, 16);
    helloPut16(ext, list.size() + 2);
    helloPut16(ext, list.size());
    ext.insert(ext.end(), list.begin(), list.end());
  }
  if (padding > 0) {
    helloPut16(ext, 21);
    helloPut16(ext, padding);
    ext.insert(ext.end(), padding, 0);
  }
  std::vector<uint8_t> body{0x03, 0x03};
  body.insert(body.end(), 32, 0xab);      // random
  body.push_back(0);                      // session id
  helloPut16(body, 2);
  helloPut16(body, 0x1301);                    // TLS_AES_128_GCM_SHA256
  body.push_back(1);
  body.push_back(0);                      // null compression
  helloPut16(body, ext.size());
  body.insert(body.end(), ext.begin(), ext.end());
  std::vector<uint8_t> message{1, static_cast<uint8_t>(body.size() >> 16)};
  helloPut16(message, body.size());
  message.insert(message.end(), body.begin(), body.end());

  std::vector<uint8_t> out;
  for (std::size_t pos = 0; pos < message.size(); pos += recordSize) {
    const std::size_t n = std::min(recordSize, message.size() - pos);
    out.insert(out.end(), {22, 3, 1});
    helloPut16(out, n);
    out.insert(out.end(), message.begin() + static_cast<long>(pos), message.begin() + static_cast<long>(pos + n));
  }
  return out;
}

}  // namespace portico::test
