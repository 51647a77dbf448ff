#pragma once

// An address prefix in the flow key's form: IPv4 as v4-mapped IPv6, so one compare serves
// both families (192.0.2.0/24 is ::ffff:192.0.2.0/120).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/pkt/ip_address.h"

namespace portico::dp::pkt {

struct IpPrefix {
  Ipv6Addr address{};  // v4-mapped for IPv4; bits past `length` are zero
  uint8_t length = 0;  // in the 128-bit space

  // "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Bits set past the
  // prefix length are refused: they usually mean a typo in the length.
  static std::optional<IpPrefix> parse(std::string_view text) {
    const auto slash = text.find('/');
    const auto a = IpAddress::parse(text.substr(0, slash));
    if (!a) return std::nullopt;
    const unsigned bits = a->family == 4 ? 32 : 128;
    unsigned length = bits;
    if (slash != std::string_view::npos) {
      const std::string_view digits = text.substr(slash + 1);
      if (digits.empty() || digits.size() > 3) return std::nullopt;
      length = 0;
      for (const char ch : digits) {
        if (ch < '0' || ch > '9') return std::nullopt;
        length = length * 10 + static_cast<unsigned>(ch - '0');
      }
      if (length > bits) return std::nullopt;
    }
    IpPrefix p;
    if (a->family == 4) {
      p.address[10] = p.address[11] = 0xff;
      __builtin_memcpy(&p.address[12], &a->v4, 4);
      p.length = static_cast<uint8_t>(96 + length);
    } else {
      p.address = a->v6;
      p.length = static_cast<uint8_t>(length);
    }
    for (unsigned i = p.length; i < 128; ++i) {
      if (p.address[i / 8] & (0x80 >> (i % 8))) return std::nullopt;
    }
    return p;
  }

  bool contains(const Ipv6Addr& a) const {
    const unsigned whole = length / 8;
    for (unsigned i = 0; i < whole; ++i) {
      if (a[i] != address[i]) return false;
    }
    const unsigned rest = length % 8;
    if (rest == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff00 >> rest);
    return (a[whole] & mask) == address[whole];
  }
};

}  // namespace portico::dp::pkt
