// The ClientHello reader on arbitrary bytes, whole and cut short: the name and protocols
// stay within their buffers, and a hello that parses whole is never refused or taken as
// complete from a prefix of itself.

#include <cctype>
#include <vector>

#include "dataplane/l7/client_hello.h"
#include "tests/fuzz/fuzz_target.h"

using portico::dp::l7::ClientHello;
using portico::dp::l7::ParseStatus;
using portico::fuzz::check;

namespace {
constexpr std::size_t kLimit = 16384;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kLimit) return 0;
  std::vector<uint8_t> scratch(kLimit);
  ClientHello hello;
  const auto outcome = portico::dp::l7::parseClientHello({data, size}, kLimit, scratch, hello);
  if (outcome.status != ParseStatus::kComplete) return 0;
  check(hello.sniLength_ <= hello.sni_.size() && hello.alpnLength_ <= hello.alpn_.size(), "names within buffers");
  for (char c : hello.serverName()) check(!std::isupper(static_cast<unsigned char>(c)), "server name lowercased");

  // Every shorter prefix is still waiting for bytes, or complete with the same name (a
  // hello may be followed by bytes it does not need).
  for (std::size_t cut = size / 2; cut + 1 < size; cut = cut + (size - cut) / 2) {
    ClientHello partial;
    const auto early = portico::dp::l7::parseClientHello({data, cut}, kLimit, scratch, partial);
    check(early.status != ParseStatus::kFailed, "a prefix of a valid hello is not refused");
    if (early.status == ParseStatus::kComplete) {
      check(partial.serverName() == hello.serverName(), "a prefix that completes names the same server");
    }
  }
  return 0;
}
