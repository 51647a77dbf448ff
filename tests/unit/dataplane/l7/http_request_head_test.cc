#include "dataplane/l7/http_request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace portico::dp::l7 {
namespace {

struct Parsed {
  ParseOutcome outcome;
  HttpRequestHead head;
  std::string buffer;  // the bytes the head points into
};

// The head's views point into `p.buffer`, so the result is built in place.
void parse(const std::string& text, Parsed& p, std::size_t limit = 16384) {
  p.buffer = text;
  p.outcome = parseRequestHead({reinterpret_cast<uint8_t*>(p.buffer.data()), p.buffer.size()}, limit, p.head);
}

TEST(HttpRequestHead, OriginFormWithQueryAndHostPort) {
  Parsed p;
  parse("GET /api/v1/query?q=up&x=1 HTTP/1.1\r\nHost: Prometheus.SJC.example.com:8080\r\nAccept: */*\r\n\r\nbody", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.path, "/api/v1/query");
  EXPECT_EQ(p.head.query, "q=up&x=1");
  EXPECT_EQ(p.head.host(), "prometheus.sjc.example.com");
  EXPECT_EQ(p.head.length, p.buffer.size() - 4);
  ASSERT_TRUE(p.head.header("ACCEPT"));
  EXPECT_EQ(*p.head.header("accept"), "*/*");
}

TEST(HttpRequestHead, AbsoluteFormAuthorityWinsOverHost) {
  Parsed p;
  parse("GET http://a.example.com:80/x?y HTTP/1.1\r\nHost: b.example.com\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.host(), "a.example.com");
  EXPECT_EQ(p.head.path, "/x");
  EXPECT_EQ(p.head.query, "y");
}

TEST(HttpRequestHead, Ipv6LiteralAndTrailingDot) {
  Parsed p;
  parse("GET / HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.host(), "[2001:db8::1]");
  parse("GET / HTTP/1.1\r\nHost: a.example.com.\r\n\r\n", p);
  EXPECT_EQ(p.head.host(), "a.example.com");
}

TEST(HttpRequestHead, IncompleteUntilTheBlankLine) {
  Parsed p;
  parse("GET / HTTP/1.1\r\nHost: a", p);
  EXPECT_EQ(p.outcome.status, ParseStatus::kIncomplete);
  parse("GET / HTTP/1.1\r\nHost: a\r\n\r", p);
  EXPECT_EQ(p.outcome.status, ParseStatus::kIncomplete);
  parse("GE", p);
  EXPECT_EQ(p.outcome.status, ParseStatus::kIncomplete);
}

TEST(HttpRequestHead, ObsFoldBecomesSpacesInPlace) {
  Parsed p;
  parse("GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Long: one\r\n two\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(*p.head.header("x-long"), "one   two");
  EXPECT_EQ(p.buffer.find("\r\n two"), std::string::npos) << "the fold is gone from what the backend gets";
  parse("GET / HTTP/1.1\r\n Host: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadHeader) << "a fold into the request line";
}

TEST(HttpRequestHead, HostRules) {
  Parsed p;
  parse("GET / HTTP/1.1\r\nAccept: x\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7MissingHost);
  parse("GET / HTTP/1.0\r\nAccept: x\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete) << "HTTP/1.0 may omit Host";
  EXPECT_EQ(p.head.host(), "");
  parse("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7DuplicateHost);
  parse("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadHost);
  parse("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadHost);
  // An IPv6 literal longer than a host may be: refused, its brackets and colons counted.
  parse("GET / HTTP/1.1\r\nHost: [" + std::string(300, ':') + "]\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadHost);
  parse("GET / HTTP/1.1\r\nHost: [" + std::string(253, ':') + "]:80\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete) << "255 bytes fit";
  EXPECT_EQ(p.head.host().size(), 255u);
  parse("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.host(), "[2001:db8::1]");
}

TEST(HttpRequestHead, MalformedShapes) {
  Parsed p;
  parse("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadRequestLine) << "TLS on an HTTP port fails at once";
  parse("GET /\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadRequestLine);
  parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadVersion);
  parse("GET / HTTP/1.1\r\nHost a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadHeader);
  parse("GET / HTTP/1.1\r\nHo st: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadHeader);
  parse("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadRequestLine);
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 70; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  parse(many + "\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7TooManyHeaders);
}

// The request line is split from both ends (method from the front, version from the
// back); each shape must still get the reason a left-to-right reading would give.
TEST(HttpRequestHead, RequestLineShapes) {
  Parsed p;
  parse("", p);
  EXPECT_EQ(p.outcome.status, ParseStatus::kIncomplete);
  parse("GET", p);
  EXPECT_EQ(p.outcome.status, ParseStatus::kIncomplete);
  parse(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadRequestLine);
  parse("GET HTTP/1.1\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadRequestLine) << "no target";
  parse("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadRequestLine) << "a space in the target";
  parse("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadVersion);
  parse("GET / http/1.1\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadVersion);
  parse("GET / HTTP/1.10\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7BadVersion);
  parse("GET / HTTP/1.0\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.versionMinor, 0);
  // A method longer than the bytes checked early is still read to its space.
  const std::string method(40, 'M');
  parse(method + " / HTTP/1.1\r\nhOsT: a\r\n\r\n", p);
  ASSERT_EQ(p.outcome.status, ParseStatus::kComplete);
  EXPECT_EQ(p.head.method, method);
  EXPECT_EQ(p.head.host(), "a") << "the Host name in any case";
  parse("GET /?q HTTP/1.1\r\nHost: a\r\n\r\n", p);
  EXPECT_EQ(p.head.path, "/");
  EXPECT_EQ(p.head.query, "q");
}

TEST(HttpRequestHead, OversizedHeadFailsAtTheLimit) {
  Parsed p;
  const std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(200, 'v');
  parse(big, p, 128);
  EXPECT_EQ(p.outcome.reason, DropReason::kL7HeadTooLarge);
  parse(big.substr(0, 100), p, 128);
  EXPECT_EQ(p.outcome.status, ParseStatus::kIncomplete);
}

}  // namespace
}  // namespace portico::dp::l7
