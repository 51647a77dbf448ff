#include "controlplane/translate/addresses.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

Gateway gateway(const std::string& ns, const std::string& name, const std::string& created,
                std::vector<std::string> addresses = {}) {
  Gateway g;
  g.meta.ns = ns;
  g.meta.name = name;
  g.meta.creationTimestamp = created;
  g.meta.source = "m.yaml";
  for (auto& a : addresses) g.addresses.push_back({"IPAddress", a});
  return g;
}

TEST(Addresses, RangesAndCidrs) {
  std::string problem;
  EXPECT_EQ(expandRange("192.0.2.254-192.0.3.1", problem),
            (std::vector<std::string>{"192.0.2.254", "192.0.2.255", "192.0.3.0", "192.0.3.1"}));
  EXPECT_EQ(expandRange("198.51.100.9/30", problem).size(), 4u);
  EXPECT_EQ(expandRange("198.51.100.9/30", problem)[0], "198.51.100.8");
  EXPECT_EQ(expandRange("2001:db8::fe/127", problem), (std::vector<std::string>{"2001:db8::fe", "2001:db8::ff"}));
  EXPECT_TRUE(problem.empty());
  EXPECT_TRUE(expandRange("192.0.2.20-192.0.2.10", problem).empty());
  EXPECT_EQ(problem, "'192.0.2.20-192.0.2.10' ends before it starts");
}

TEST(Addresses, ExplicitAddressesAndStablePoolAssignment) {
  const Gateway a = gateway("ns", "a", "2026-01-01T00:00:00Z");
  const Gateway b = gateway("ns", "b", "2026-01-02T00:00:00Z");
  const Gateway fixed = gateway("ns", "fixed", "2026-01-03T00:00:00Z", {"203.0.113.7"});
  const std::vector<AddressPool> pools = {{"lab", {"192.0.2.100-192.0.2.103"}}};
  std::vector<Problem> problems;
  const auto first = assignAddresses({&a, &b, &fixed}, pools, {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(first.at("ns/fixed"), std::vector<std::string>{"203.0.113.7"});
  ASSERT_EQ(first.at("ns/a").size(), 1u);
  EXPECT_NE(first.at("ns/a"), first.at("ns/b"));
  // The same Gateways in any order get the same addresses; a newer Gateway does not
  // take an older one's.
  const Gateway c = gateway("ns", "c", "2026-02-01T00:00:00Z");
  const auto again = assignAddresses({&c, &fixed, &b, &a}, pools, {}, problems);
  EXPECT_EQ(again.at("ns/a"), first.at("ns/a"));
  EXPECT_EQ(again.at("ns/b"), first.at("ns/b"));
  EXPECT_NE(again.at("ns/c"), first.at("ns/a"));
}

TEST(Addresses, ExhaustionAndBadInputAreReported) {
  const Gateway a = gateway("ns", "a", "1"), b = gateway("ns", "b", "2"), bad = gateway("ns", "bad", "3", {"nope"});
  std::vector<Problem> problems;
  const auto out = assignAddresses({&a, &b, &bad}, {{"tiny", {"192.0.2.1"}}}, {}, problems);
  EXPECT_EQ(out.at("ns/a"), std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(out.count("ns/b"), 0u);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].toString(), "m.yaml: Gateway ns/bad: spec.addresses: 'nope' is not an IP address");
  EXPECT_EQ(problems[1].toString(), "m.yaml: Gateway ns/b: every address of the pools is taken");
}

// Without timestamps order falls back to names: a new Gateway that sorts first must still
// not take an address an existing one was given; neither must a bigger pool move them.
TEST(Addresses, PreviousAssignmentsStayPut) {
  const Gateway b = gateway("ns", "b", "");
  std::vector<Problem> problems;
  const auto first = assignAddresses({&b}, {{"p", {"192.0.2.1-192.0.2.2"}}}, {}, problems);
  const Gateway a = gateway("ns", "a", "");
  const auto second = assignAddresses({&a, &b}, {{"p", {"192.0.2.1-192.0.2.8"}}}, first, problems);
  EXPECT_EQ(second.at("ns/b"), first.at("ns/b"));
  EXPECT_NE(second.at("ns/a"), first.at("ns/b"));
  EXPECT_TRUE(problems.empty());
}

TEST(Addresses, ExplicitAddressesAreCanonicalAndUnique) {
  const Gateway x = gateway("ns", "x", "1", {"2001:DB8::1"}), y = gateway("ns", "y", "2", {"2001:db8::1"});
  std::vector<Problem> problems;
  const auto out = assignAddresses({&x, &y}, {{"p", {"2001:db8::1"}}}, {}, problems);
  EXPECT_EQ(out.at("ns/x"), std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(out.count("ns/y"), 0u);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].toString(), "m.yaml: Gateway ns/y: spec.addresses: 2001:db8::1 is already the address of Gateway ns/x");
}

}  // namespace
}  // namespace portico::cp
