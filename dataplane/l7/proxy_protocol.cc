#include "dataplane/l7/proxy_protocol.h"

#include <cstring>

namespace portico::dp::l7 {

uint16_t writeProxyV2(const lb::FlowKey& client, std::array<uint8_t, kProxyV2MaxLength>& out) {
  static constexpr uint8_t kSignature[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
  std::memcpy(out.data(), kSignature, sizeof kSignature);
  out[12] = 0x21;  // version 2, PROXY
  const bool v4 = client.family == 4;
  out[13] = v4 ? 0x11 : 0x21;  // TCP over IPv4 / IPv6
  const uint16_t addrLen = v4 ? 12 : 36;
  out[14] = static_cast<uint8_t>(addrLen >> 8);
  out[15] = static_cast<uint8_t>(addrLen);
  uint8_t* a = out.data() + 16;
  const std::size_t n = v4 ? 4 : 16;
  const std::size_t from = v4 ? 12 : 0;  // v4-mapped keys keep IPv4 in the last 4 bytes
  std::memcpy(a, client.src.data() + from, n);
  std::memcpy(a + n, client.dst.data() + from, n);
  std::memcpy(a + 2 * n, &client.srcPort, 2);  // already network order
  std::memcpy(a + 2 * n + 2, &client.dstPort, 2);
  return static_cast<uint16_t>(16 + addrLen);
}

}  // namespace portico::dp::l7
