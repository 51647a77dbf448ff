#pragma once

// An IPv4 or IPv6 address for the control path (config, tables, printing). The hot path
// uses the raw forms: a big-endian uint32_t or a 16-byte array.

#include <arpa/inet.h>

#include <compare>
#include <cstdio>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dataplane/pkt/headers.h"

namespace portico::dp::pkt {

struct IpAddress {
  uint8_t family = 0;  // 4 or 6
  uint32_t v4 = 0;     // network byte order
  Ipv6Addr v6{};

  static IpAddress fromV4(uint32_t be) { return IpAddress{4, be, {}}; }
  static IpAddress fromV6(const Ipv6Addr& a) { return IpAddress{6, 0, a}; }

  static std::optional<IpAddress> parse(std::string_view text) {
    const std::string s(text);
    IpAddress a;
    if (inet_pton(AF_INET, s.c_str(), &a.v4) == 1) {
      a.family = 4;
      return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.v6.data()) == 1) {
      a.family = 6;
      return a;
    }
    return std::nullopt;
  }

  std::string toString() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family == 4) inet_ntop(AF_INET, &v4, buf, sizeof buf);
    if (family == 6) inet_ntop(AF_INET6, v6.data(), buf, sizeof buf);
    return buf;
  }

  auto operator<=>(const IpAddress&) const = default;
};

inline std::optional<MacAddr> parseMac(std::string_view text) {
  MacAddr mac{};
  unsigned b[6];
  char tail;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6) {
    return std::nullopt;
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(b[i]);
  return mac;
}

inline std::string formatMac(const MacAddr& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return buf;
}

}  // namespace portico::dp::pkt
