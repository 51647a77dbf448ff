#pragma once

// The server name (SNI) and ALPN protocols of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066
// 3, RFC 7301), read from the first bytes of a connection as they arrive. The handshake
// message may be split over several records and several segments; the name is copied
// out (lowercased), so the result outlives the buffers.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/l7/l7_error.h"

namespace portico::dp::l7 {

struct ClientHello {
  std::string_view serverName() const { return {sni_.data(), sniLength_}; }
  // Offered protocols, comma separated ("h2,http/1.1"); cut at the buffer's size.
  std::string_view alpn() const { return {alpn_.data(), alpnLength_}; }

  std::array<char, 256> sni_{};
  uint16_t sniLength_ = 0;
  std::array<char, 64> alpn_{};
  uint8_t alpnLength_ = 0;
};

// Parses data (the stream from its first byte) up to `limit` bytes. `scratch` (at least
// `limit` bytes) holds the handshake message when records split it.
ParseOutcome parseClientHello(std::span<const uint8_t> data, std::size_t limit, std::span<uint8_t> scratch,
                              ClientHello& out);

}  // namespace portico::dp::l7
