// The PROXY protocol v2 header the appliance writes, read back by a reader written here
// from the specification (haproxy.org proxy-protocol.txt 2.2): for any client and VIP
// address and port, IPv4 or IPv6, the backend reads exactly the connection's addresses.
//
// Input: a flow key's bytes (family from the first byte's low bit).

#include <cstring>

#include "dataplane/l7/proxy_protocol.h"
#include "tests/fuzz/fuzz_target.h"

using portico::dp::lb::FlowKey;
using portico::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 37) return 0;
  FlowKey key;
  key.family = (data[0] & 1) != 0 ? 6 : 4;
  key.proto = 6;
  std::memcpy(key.src.data(), data + 1, 16);
  std::memcpy(key.dst.data(), data + 17, 16);
  std::memcpy(&key.srcPort, data + 33, 2);
  std::memcpy(&key.dstPort, data + 35, 2);
  if (key.family == 4) {
    // IPv4 keys are v4-mapped.
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    std::memcpy(key.src.data(), kMapped, 12);
    std::memcpy(key.dst.data(), kMapped, 12);
  }

  std::array<uint8_t, portico::dp::l7::kProxyV2MaxLength> out{};
  const uint16_t length = portico::dp::l7::writeProxyV2(key, out);
  check(length >= 16 && length <= out.size(), "the header fits");
  static constexpr char kSignature[] = "\r\n\r\n\0\r\nQUIT\n";
  check(std::memcmp(out.data(), kSignature, 12) == 0, "signature");
  check(out[12] == 0x21, "version 2, command PROXY");
  const bool v4 = key.family == 4;
  check(out[13] == (v4 ? 0x11 : 0x21), "TCP over the key's family");
  const uint16_t addrLen = static_cast<uint16_t>(out[14] << 8 | out[15]);
  check(addrLen == length - 16 && addrLen == (v4 ? 12 : 36), "address block length");
  const std::size_t n = v4 ? 4 : 16;
  check(std::memcmp(out.data() + 16, key.src.data() + 16 - n, n) == 0, "source address");
  check(std::memcmp(out.data() + 16 + n, key.dst.data() + 16 - n, n) == 0, "destination address");
  check(std::memcmp(out.data() + 16 + 2 * n, &key.srcPort, 2) == 0, "source port, network order");
  check(std::memcmp(out.data() + 18 + 2 * n, &key.dstPort, 2) == 0, "destination port, network order");
  return 0;
}
