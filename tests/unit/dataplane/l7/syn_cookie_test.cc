#include "dataplane/l7/syn_cookie.h"

#include <gtest/gtest.h>

namespace portico::dp::l7 {
namespace {

lb::FlowKey client() {
  lb::FlowKey k;
  k.src = lb::v4Mapped(0x0a000001);
  k.dst = lb::v4Mapped(0x0a000002);
  k.srcPort = 0x3039;
  k.dstPort = 0x5000;
  k.proto = 6;
  k.family = 4;
  return k;
}

TEST(SynCookie, RoundTripCarriesTheOptions) {
  SynCookies cookies(SipKey{1, 2});
  const uint32_t c = cookies.make(client(), 1000, {1460, 7, true}, 5'000);
  const auto o = cookies.check(client(), 1000, c, 5'100);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->mss, 1460);
  EXPECT_EQ(o->windowScale, 7);
  EXPECT_TRUE(o->sackPermitted);
}

TEST(SynCookie, MssRoundsDownAndMissingScaleIsKept) {
  SynCookies cookies(SipKey{1, 2});
  const uint32_t c = cookies.make(client(), 7, {1400, kNoWindowScale, false}, 0);
  const auto o = cookies.check(client(), 7, c, 0);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->mss, 1360);
  EXPECT_EQ(o->windowScale, kNoWindowScale);
  EXPECT_FALSE(o->sackPermitted);
}

TEST(SynCookie, AcceptedForTheNextEpochThenExpires) {
  SynCookies cookies(SipKey{3, 4});
  const uint32_t made = kCookieEpochMs * 10 + 5;
  const uint32_t c = cookies.make(client(), 42, {1460, 7, true}, made);
  EXPECT_TRUE(cookies.check(client(), 42, c, made + kCookieEpochMs));
  EXPECT_FALSE(cookies.check(client(), 42, c, made + 2 * kCookieEpochMs));
}

TEST(SynCookie, ForgeriesAreRejected) {
  SynCookies cookies(SipKey{5, 6});
  const uint32_t c = cookies.make(client(), 42, {1460, 7, true}, 0);
  lb::FlowKey other = client();
  other.srcPort = 0x303a;
  EXPECT_FALSE(cookies.check(other, 42, c, 0)) << "another 4-tuple";
  EXPECT_FALSE(cookies.check(client(), 43, c, 0)) << "another client ISN";
  EXPECT_FALSE(cookies.check(client(), 42, c ^ 0x20, 0)) << "options raised by the client";
  EXPECT_FALSE(SynCookies(SipKey{5, 7}).check(client(), 42, c, 0)) << "another secret";
  // Blind guesses: 23 authenticated bits make a hit among 100 000 tries unlikely.
  int accepted = 0;
  for (uint32_t guess = 0; guess < 100'000; ++guess) accepted += cookies.check(client(), 42, guess * 2654435761u, 0) ? 1 : 0;
  EXPECT_LE(accepted, 1);
}

}  // namespace
}  // namespace portico::dp::l7
