#include "dataplane/l7/client_hello.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/common/client_hello_builder.h"

namespace portico::dp::l7 {
namespace {

using test::clientHelloRecords;

ParseOutcome parse(const std::vector<uint8_t>& bytes, ClientHello& out, std::size_t limit = 16384) {
  static std::vector<uint8_t> scratch(16384);
  return parseClientHello(bytes, limit, scratch, out);
}

TEST(ClientHello, SniAndAlpnFromOneRecord) {
  ClientHello h;
  ASSERT_EQ(parse(clientHelloRecords("Grafana.SJC.example.com", {"h2", "http/1.1"}), h).status, ParseStatus::kComplete);
  EXPECT_EQ(h.serverName(), "grafana.sjc.example.com");
  EXPECT_EQ(h.alpn(), "h2,http/1.1");
}

TEST(ClientHello, SplitOverRecords) {
  for (std::size_t recordSize : {1, 7, 50, 100}) {
    ClientHello h;
    ASSERT_EQ(parse(clientHelloRecords("a.example.com", {"h2"}, recordSize), h).status, ParseStatus::kComplete)
        << recordSize;
    EXPECT_EQ(h.serverName(), "a.example.com");
  }
}

TEST(ClientHello, EveryPrefixIsIncomplete) {
  const auto full = clientHelloRecords("a.example.com", {"h2"}, 60);
  for (std::size_t n = 0; n < full.size(); ++n) {
    ClientHello h;
    EXPECT_EQ(parse({full.begin(), full.begin() + static_cast<long>(n)}, h).status, ParseStatus::kIncomplete) << n;
  }
}

TEST(ClientHello, NoSniIsCompleteWithAnEmptyName) {
  ClientHello h;
  ASSERT_EQ(parse(clientHelloRecords(""), h).status, ParseStatus::kComplete);
  EXPECT_EQ(h.serverName(), "");
}

TEST(ClientHello, MalformedShapes) {
  ClientHello h;
  EXPECT_EQ(parse({'G', 'E', 'T', ' ', '/', ' '}, h).reason, DropReason::kL7BadTlsRecord) << "HTTP on a TLS port";
  auto hello = clientHelloRecords("a.example.com");
  hello[5] = 2;  // ServerHello
  EXPECT_EQ(parse(hello, h).reason, DropReason::kL7BadClientHello);
  hello = clientHelloRecords("a.example.com");
  // The SNI list claims more than its extension holds.
  const std::size_t sniList = hello.size() - 13 - 2 - 1 - 2;  // name, its length, type
  hello[sniList] = 0x40;
  EXPECT_EQ(parse(hello, h).reason, DropReason::kL7BadClientHello);
  EXPECT_EQ(parse(clientHelloRecords("a.example.com", {}, 16384, 2000), h, 1000).reason, DropReason::kL7HeadTooLarge);
}

}  // namespace
}  // namespace portico::dp::l7
