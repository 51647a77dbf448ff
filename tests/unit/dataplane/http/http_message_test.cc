// The pieces of the HTTP proxy that need no network: body framing (chunked fed whole and
// byte by byte), response heads, request and response framing rules (the smuggling cases
// refused), the heads written on, and the upstream pool.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "dataplane/http/body_framer.h"
#include "dataplane/http/framing.h"
#include "dataplane/http/head_writer.h"
#include "dataplane/http/response_head.h"
#include "dataplane/http/upstream_pool.h"
#include "dataplane/http/url_rewrite.h"

namespace portico::dp::http {
namespace {

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(BodyFramer, LengthStopsAtItsEnd) {
  BodyFramer f;
  f.start(BodyFramer::Kind::kLength, 10);
  EXPECT_EQ(f.feed(bytes("12345")), 5u);
  EXPECT_FALSE(f.done());
  EXPECT_EQ(f.feed(bytes("67890GET / HTTP/1.1")), 5u);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.feed(bytes("more")), 0u);
}

TEST(BodyFramer, ChunkedWithExtensionsAndTrailersEndsWhereTheNextMessageStarts) {
  const std::string body = "5;name=v\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  const std::string next = "GET /next HTTP/1.1\r\n";
  BodyFramer whole;
  whole.start(BodyFramer::Kind::kChunked);
  EXPECT_EQ(whole.feed(bytes(body + next)), body.size());
  EXPECT_TRUE(whole.done());
  EXPECT_FALSE(whole.failed());
  // The same, one byte at a time.
  BodyFramer one;
  one.start(BodyFramer::Kind::kChunked);
  std::size_t taken = 0;
  for (const char c : body + next) {
    const std::string b(1, c);
    taken += one.feed(bytes(b));
    if (one.done()) break;
  }
  EXPECT_EQ(taken, body.size());
  EXPECT_TRUE(one.done());
}

TEST(BodyFramer, ChunkedSplitAtRandomPointsAgrees) {
  std::mt19937 rng(5);
  std::string body;
  for (int i = 0; i < 50; ++i) {
    const std::size_t n = rng() % 3000 + 1;
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    body += size + std::string(n, 'a' + static_cast<char>(i % 26)) + "\r\n";
  }
  body += "0\r\n\r\n";
  for (int trial = 0; trial < 200; ++trial) {
    BodyFramer f;
    f.start(BodyFramer::Kind::kChunked);
    std::size_t at = 0, taken = 0;
    const std::string stream = body + "tail";
    while (at < stream.size() && !f.done()) {
      const std::size_t n = std::min<std::size_t>(rng() % 700 + 1, stream.size() - at);
      const std::size_t got = f.feed(bytes(stream.substr(at, n)));
      taken += got;
      at += n;
      if (got < n) break;
    }
    ASSERT_TRUE(f.done()) << trial;
    EXPECT_EQ(taken, body.size()) << trial;
  }
}

TEST(BodyFramer, MalformedChunksFail) {
  for (const std::string bad : {"zz\r\n", "5\r\nhelloX", "5\r\nhello\r\r", "fffffffffffffffff\r\n"}) {
    BodyFramer f;
    f.start(BodyFramer::Kind::kChunked);
    f.feed(bytes(bad));
    EXPECT_TRUE(f.failed()) << bad;
  }
}

TEST(BodyFramer, UntilCloseEndsWithTheStream) {
  BodyFramer f;
  f.start(BodyFramer::Kind::kUntilClose);
  EXPECT_EQ(f.feed(bytes("anything at all")), 15u);
  EXPECT_FALSE(f.done());
  f.closed();
  EXPECT_TRUE(f.done());
}

ResponseHead response(const std::string& text) {
  static std::string keep;
  keep = text;
  ResponseHead h;
  const auto o = parseResponseHead(bytes(keep), 16384, h);
  EXPECT_EQ(o.status, l7::ParseStatus::kComplete) << text;
  return h;
}

TEST(ResponseHead, StatusVersionAndFields) {
  const ResponseHead h = response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-A:  spaced  \r\n\r\nbody");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.versionMinor, 1);
  EXPECT_EQ(h.reason, "OK");
  EXPECT_EQ(h.headerCount, 2);
  EXPECT_EQ(*h.header("x-a"), "spaced");
  EXPECT_EQ(h.length, 55u);
  ResponseHead partial;
  EXPECT_EQ(parseResponseHead(bytes("HTTP/1.1 200 OK\r\nContent-Le"), 16384, partial).status, l7::ParseStatus::kIncomplete);
  EXPECT_EQ(parseResponseHead(bytes("HTTP/2 200 OK\r\n\r\n"), 16384, partial).status, l7::ParseStatus::kFailed);
  EXPECT_EQ(parseResponseHead(bytes("HTTP/1.1 200 OK\r\nbad line\r\n\r\n"), 16384, partial).status, l7::ParseStatus::kFailed);
}

l7::HttpRequestHead request(std::string text) {
  static std::string keep;
  keep = std::move(text);
  l7::HttpRequestHead h;
  const auto o = l7::parseRequestHead({reinterpret_cast<uint8_t*>(keep.data()), keep.size()}, 16384, h);
  EXPECT_EQ(o.status, l7::ParseStatus::kComplete) << keep;
  return h;
}

TEST(Framing, RequestsAndTheSmugglingCasesRefused) {
  Framing f = requestFraming(request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"));
  EXPECT_EQ(f.body, BodyFramer::Kind::kLength);
  EXPECT_EQ(f.length, 5u);
  EXPECT_FALSE(f.close);
  f = requestFraming(request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"));
  EXPECT_EQ(f.body, BodyFramer::Kind::kChunked);
  EXPECT_FALSE(f.invalid);
  f = requestFraming(request("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(f.close) << "HTTP/1.0 closes unless it asks to keep alive";
  f = requestFraming(request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_FALSE(f.close);
  f = requestFraming(request("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
  EXPECT_TRUE(f.upgrade);
  f = requestFraming(request("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"));
  EXPECT_TRUE(f.expectContinue);
  for (const char* bad : {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\n",
                          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    EXPECT_TRUE(requestFraming(request(bad)).invalid) << bad;
  }
  EXPECT_FALSE(requestFraming(request("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n")).invalid);
}

TEST(Framing, Responses) {
  EXPECT_EQ(responseFraming(response("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"), "GET").body, BodyFramer::Kind::kLength);
  EXPECT_EQ(responseFraming(response("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"), "HEAD").body, BodyFramer::Kind::kNone);
  EXPECT_EQ(responseFraming(response("HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n"), "GET").body,
            BodyFramer::Kind::kNone);
  EXPECT_EQ(responseFraming(response("HTTP/1.1 204 No Content\r\n\r\n"), "GET").body, BodyFramer::Kind::kNone);
  const Framing close = responseFraming(response("HTTP/1.1 200 OK\r\n\r\n"), "GET");
  EXPECT_EQ(close.body, BodyFramer::Kind::kUntilClose);
  EXPECT_TRUE(close.close);
  EXPECT_EQ(responseFraming(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "GET").body,
            BodyFramer::Kind::kChunked);
  EXPECT_TRUE(responseFraming(response("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n"), "GET").close);
}

std::string written(const std::vector<uint8_t>& buf, uint32_t n) { return {reinterpret_cast<const char*>(buf.data()), n}; }

TEST(HeadWriter, UpstreamRequestDropsHopByHopAndSetsForwarding) {
  const auto head = request(
      "GET /a?b=c HTTP/1.0\r\nHost: Example.com:8080\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
      "Keep-Alive: 5\r\nX-Forwarded-For: 203.0.113.7\r\nAccept: */*\r\n\r\n");
  std::vector<uint8_t> out(4096);
  Forwarding fwd{"192.0.2.1", false};
  uint32_t n = writeUpstreamRequest(head, requestFraming(head), fwd, out);
  EXPECT_EQ(written(out, n),
            "GET /a?b=c HTTP/1.1\r\nHost: Example.com:8080\r\nAccept: */*\r\nX-Forwarded-For: 192.0.2.1\r\n"
            "X-Forwarded-Proto: http\r\nX-Forwarded-Host: Example.com:8080\r\n\r\n");
  fwd.trustedPeer = true;
  n = writeUpstreamRequest(head, requestFraming(head), fwd, out);
  EXPECT_NE(written(out, n).find("X-Forwarded-For: 203.0.113.7, 192.0.2.1\r\n"), std::string::npos);
  std::vector<uint8_t> small(20);
  EXPECT_EQ(writeUpstreamRequest(head, requestFraming(head), fwd, small), 0u) << "a head that does not fit";
}

TEST(HeadWriter, ClientResponseTakesOurConnectionOptions) {
  const auto head = response("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\n");
  std::vector<uint8_t> out(4096);
  uint32_t n = writeClientResponse(head, true, 1, out);
  EXPECT_EQ(written(out, n), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
  n = writeClientResponse(head, false, 0, out);
  EXPECT_EQ(written(out, n), "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n");
  n = writeOwnAnswer(404, "no route", false, out);
  EXPECT_EQ(written(out, n),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nServer: portico\r\n\r\nno route\n");
}


// The route filters' pieces: header edits, rewritten paths and redirect locations, and
// the heads written with them.
snapshot::HeaderEditsSpec edits(std::vector<std::pair<std::string, std::string>> set,
                                std::vector<std::pair<std::string, std::string>> add, std::vector<std::string> remove) {
  return {std::move(set), std::move(add), std::move(remove)};
}

TEST(HeaderEdits, EncodedOnceReadWithoutTheSpec) {
  const std::string encoded = encodeEdits(edits({{"X-Set", "1"}}, {{"X-Add", "2"}, {"X-Add", "3"}}, {"X-Gone"}));
  const HeaderEdits e(encoded);
  EXPECT_TRUE(e.drops("x-set")) << "a set replaces what came";
  EXPECT_TRUE(e.drops("X-GONE"));
  EXPECT_FALSE(e.drops("x-add")) << "an add keeps what came";
  EXPECT_FALSE(e.drops("x-other"));
  std::string fields;
  e.forEachNew([&](std::string_view n, std::string_view v) { fields += std::string(n) + "=" + std::string(v) + ";"; });
  EXPECT_EQ(fields, "X-Set=1;X-Add=2;X-Add=3;");
  EXPECT_TRUE(HeaderEdits().empty());
  // A truncated copy (as a session keeps it) reads the entries that are whole.
  const HeaderEdits cut(std::string_view(encoded).substr(0, encoded.size() - 3));
  fields.clear();
  cut.forEachNew([&](std::string_view n, std::string_view) { fields += std::string(n) + ";"; });
  EXPECT_EQ(fields, "X-Set;X-Add;X-Add;");
}

TEST(UrlRewrite, PrefixReplacementKeepsWholePathElements) {
  char buf[256];
  using snapshot::PathRewrite;
  auto prefix = [&](std::string_view path, std::string_view matched, std::string_view value) {
    return std::string(rewritePath(path, PathRewrite::kPrefix, value, matched, buf));
  };
  EXPECT_EQ(prefix("/foo/bar", "/foo", "/baz"), "/baz/bar");
  EXPECT_EQ(prefix("/foo", "/foo", "/baz"), "/baz");
  EXPECT_EQ(prefix("/foo/", "/foo", "/baz"), "/baz/");
  EXPECT_EQ(prefix("/foo/bar", "/foo/", "/baz/"), "/baz/bar");
  EXPECT_EQ(prefix("/foo/bar", "/foo", "/"), "/bar");
  EXPECT_EQ(prefix("/foo", "/foo", "/"), "/");
  EXPECT_EQ(prefix("/anything", "/", "/v1"), "/v1/anything");
  EXPECT_EQ(std::string(rewritePath("/a/b", PathRewrite::kFull, "/fixed", "/a", buf)), "/fixed");
  EXPECT_EQ(std::string(rewritePath("/a/b", PathRewrite::kNone, "/x", "/a", buf)), "/a/b");
  char tiny[4];
  EXPECT_EQ(std::string(rewritePath("/foo/bar", PathRewrite::kPrefix, "/long", "/foo", tiny)), "/foo/bar")
      << "what does not fit is left as it was";
}

TEST(UrlRewrite, RedirectLocationPorts) {
  char buf[256];
  auto location = [&](snapshot::RedirectSpec r, uint16_t listenerPort, std::string_view query = {}) {
    const uint32_t n = writeLocation(r, "http", "www.example.com", listenerPort, "/p", query, buf);
    return std::string(buf, n);
  };
  snapshot::RedirectSpec r;
  EXPECT_EQ(location(r, 80), "http://www.example.com/p");
  EXPECT_EQ(location(r, 8080, "a=1"), "http://www.example.com:8080/p?a=1") << "no scheme: the listener's port";
  r.scheme = "https";
  EXPECT_EQ(location(r, 8080), "https://www.example.com/p") << "a scheme alone: its well-known port";
  r.port = 8443;
  EXPECT_EQ(location(r, 80), "https://www.example.com:8443/p");
  r = {};
  r.hostname = "other.example.com";
  r.port = 80;
  EXPECT_EQ(location(r, 8080), "http://other.example.com/p");
  char tiny[8];
  EXPECT_EQ(writeLocation(r, "http", "www.example.com", 80, "/p", {}, tiny), 0u);
}

TEST(HeadWriter, FiltersEditTheHeadsBothWays) {
  const auto head = request("GET /old/x?q=1 HTTP/1.1\r\nHost: a.example.com\r\nX-Set: client\r\nX-Gone: 1\r\nX-Keep: 1\r\n\r\n");
  const std::string rule = encodeEdits(edits({{"X-Set", "rule"}, {"X-Both", "rule"}}, {{"X-Add", "1"}}, {"X-Gone"}));
  const std::string backend = encodeEdits(edits({{"X-Both", "backend"}}, {}, {}));
  RequestEdits e{HeaderEdits(rule), HeaderEdits(backend), "in.example.com", "/new/x"};
  std::vector<uint8_t> out(4096);
  const uint32_t n = writeUpstreamRequest(head, requestFraming(head), Forwarding{"192.0.2.1", false}, out, e);
  EXPECT_EQ(written(out, n),
            "GET /new/x?q=1 HTTP/1.1\r\nHost: in.example.com\r\nX-Keep: 1\r\nX-Set: rule\r\nX-Add: 1\r\n"
            "X-Both: backend\r\nX-Forwarded-For: 192.0.2.1\r\nX-Forwarded-Proto: http\r\n"
            "X-Forwarded-Host: a.example.com\r\n\r\n");
  const auto response_ = response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: be\r\nX-Note: 1\r\n\r\n");
  const std::string responseEdits = encodeEdits(edits({{"Server", "edited"}}, {{"X-Added", "yes"}}, {"x-note"}));
  const uint32_t m = writeClientResponse(response_, false, 1, out, HeaderEdits(responseEdits));
  EXPECT_EQ(written(out, m), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: edited\r\nX-Added: yes\r\n\r\n");
  const uint32_t r = writeRedirect(301, "https://a.example.com/x", false, out);
  EXPECT_EQ(written(out, r),
            "HTTP/1.1 301 Moved Permanently\r\nLocation: https://a.example.com/x\r\nContent-Length: 0\r\n"
            "Server: portico\r\n\r\n");
}

TEST(UpstreamPool, LatestFirstBoundedPerEndpoint) {
  UpstreamPool pool(16, 2);
  EXPECT_TRUE(pool.put(7, 1));
  EXPECT_TRUE(pool.put(7, 2));
  EXPECT_FALSE(pool.put(7, 3)) << "its share is full";
  EXPECT_TRUE(pool.put(9, 4));
  EXPECT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool.take(7), 2u);
  pool.remove(1);
  EXPECT_EQ(pool.take(7), UpstreamPool::kNone);
  EXPECT_EQ(pool.take(9), 4u);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_EQ(pool.take(12345), UpstreamPool::kNone);
}

}  // namespace
}  // namespace portico::dp::http
