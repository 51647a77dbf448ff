// Hostname rules of Gateway API v1, as tables written from the spec's text.

#include "controlplane/translate/hostname.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

TEST(Hostname, Validation) {
  struct Case {
    const char* hostname;
    const char* problem;  // "" when valid
  };
  const Case cases[] = {
      {"www.example.com", ""},
      {"*.example.com", ""},
      {"example", ""},
      {"a-b.example.com", ""},
      {"", "is empty"},
      {"*", "has nothing after the wildcard"},
      {"foo.*.example.com", "may only have '*' as its whole first label"},
      {"*foo.example.com", "may only have '*' as its whole first label"},
      {"192.0.2.1", "is an IP address, not a hostname"},
      {"2001:db8::1", "is an IP address, not a hostname"},
      {"Example.com", "may hold only lower-case letters, digits, '-' and '.'"},
      {"example..com", "has an empty label"},
      {"-example.com", "has a label that starts or ends with '-'"},
      {"exa_mple.com", "may hold only lower-case letters, digits, '-' and '.'"},
  };
  for (const auto& c : cases) EXPECT_EQ(hostnameProblem(c.hostname), c.problem) << c.hostname;
  EXPECT_EQ(hostnameProblem(std::string(64, 'a') + ".com"), "has a label longer than 63 characters");
}

TEST(Hostname, WildcardMatchesOneOrMoreLabelsButNeverTheApex) {
  EXPECT_TRUE(hostnameMatches("*.example.com", "www.example.com"));
  EXPECT_TRUE(hostnameMatches("*.example.com", "foo.bar.example.com"));
  EXPECT_FALSE(hostnameMatches("*.example.com", "example.com"));
  EXPECT_FALSE(hostnameMatches("*.example.com", "notexample.com"));
  EXPECT_TRUE(hostnameMatches("www.example.com", "WWW.Example.com."));
  EXPECT_FALSE(hostnameMatches("www.example.com", "example.com"));
}

TEST(Hostname, SniWildcardCoversOneLabel) {
  // SNI as Host: Gateway API wildcards cover any depth (not RFC 6125's one label).
  EXPECT_TRUE(hostnameMatches("*.example.com", "www.example.com"));
  EXPECT_TRUE(hostnameMatches("*.example.com", "foo.bar.example.com"));
  EXPECT_FALSE(hostnameMatches("*.example.com", "example.com"));
  EXPECT_TRUE(hostnameMatches("db.example.com", "db.example.com"));
}

TEST(Hostname, HostHeaderPortIsIgnored) {
  EXPECT_EQ(hostWithoutPort("example.com:8080"), "example.com");
  EXPECT_EQ(hostWithoutPort("example.com"), "example.com");
  EXPECT_EQ(hostWithoutPort("[2001:db8::1]:443"), "[2001:db8::1]");
}

// The intersection table of the spec (HTTPRoute.spec.hostnames and Listener.hostname).
TEST(Hostname, ListenerAndRouteIntersection) {
  using V = std::vector<std::string>;
  struct Case {
    std::optional<std::string> listener;
    V route;
    V want;
  };
  const Case cases[] = {
      {std::nullopt, {}, {""}},
      {std::nullopt, {"foo.example.com"}, {"foo.example.com"}},
      {"test.example.com", {}, {"test.example.com"}},
      {"test.example.com", {"test.example.com"}, {"test.example.com"}},
      {"test.example.com", {"*.example.com"}, {"test.example.com"}},
      {"test.example.com", {"other.example.com"}, {}},
      {"*.example.com", {"*.example.com", "test.example.com", "foo.test.example.com"},
       {"*.example.com", "foo.test.example.com", "test.example.com"}},
      {"*.example.com", {"example.com"}, {}},  // the apex is not under the wildcard
      {"*.example.com", {"*.foo.example.com"}, {"*.foo.example.com"}},
      {"*.foo.example.com", {"*.example.com"}, {"*.foo.example.com"}},
      {"*.example.com", {"*.example.net", "www.example.org"}, {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(intersectHostnames(c.listener, c.route), c.want) << c.listener.value_or("(none)");
  }
}

TEST(Hostname, ListenerSpecificityOrder) {
  std::vector<std::optional<std::string>> hostnames = {
      std::nullopt, "*.example.com", "www.example.com", "*.foo.example.com", "a.b.example.com"};
  std::sort(hostnames.begin(), hostnames.end(),
            [](const auto& a, const auto& b) { return compareSpecificity(a, b) < 0; });
  const std::vector<std::optional<std::string>> want = {
      "a.b.example.com", "www.example.com", "*.foo.example.com", "*.example.com", std::nullopt};
  EXPECT_EQ(hostnames, want);
}

}  // namespace
}  // namespace portico::cp
