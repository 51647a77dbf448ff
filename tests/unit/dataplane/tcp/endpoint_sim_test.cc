// The TCP endpoint against itself over a simulated link: byte-exact transfers both ways
// under loss, reordering, duplication and delay; a zero window; half-close; resets;
// timeouts; option negotiation. The link and clock are simulated, so each case is the
// same on every run and takes milliseconds.

#include <gtest/gtest.h>

#include "tests/unit/dataplane/tcp/tcp_sim.h"

namespace portico::dp::tcp::sim {
namespace {

Settings settings() {
  Settings s;
  s.sendBufferBytes = 1u << 20;
  s.receiveBufferBytes = 1u << 20;
  return s;
}

struct Case {
  const char* name;
  Impairment imp;
};

// `bytes` from a to b and `back` from b to a over the impairment, both ways; both sides
// close; returns the simulated seconds it took.
double transfer(const Impairment& forward, const Impairment& reverse, uint64_t bytes, uint64_t back, uint32_t seed,
                App& client, App& server, Sim** out = nullptr) {
  static std::unique_ptr<Sim> keep;
  keep = std::make_unique<Sim>(settings(), settings(), forward, reverse, seed);
  Sim& sim = *keep;
  if (out) *out = &sim;
  client.toSend = bytes;
  client.shutAfterSend = true;
  server.toSend = back;
  server.shutAfterSend = back > 0;
  const uint64_t start = sim.now();
  sim.open(40000, &client, &server);
  const bool done = sim.run(start + 600'000'000ull, [&] { return client.closed && server.closed; });
  EXPECT_TRUE(done) << "not closed after 600 simulated seconds: a received " << client.received << ", b received "
                    << server.received;
  return static_cast<double>(sim.now() - start) / 1e6;
}

TEST(EndpointSim, CleanTransferBothWaysAndClose) {
  App client, server;
  Sim* sim = nullptr;
  transfer({}, {}, 8u << 20, 3u << 20, 1, client, server, &sim);
  EXPECT_TRUE(client.connected);
  EXPECT_EQ(server.received, 8u << 20);
  EXPECT_EQ(client.received, 3u << 20);
  EXPECT_EQ(server.mismatches + client.mismatches, 0u);
  EXPECT_FALSE(client.reset || server.reset || client.timedOut || server.timedOut);
  EXPECT_EQ(sim->a().counters.tcpRetransmits.load(), 0u);
  EXPECT_EQ(sim->a().pool.free(), sim->a().pool.capacity()) << "every chunk back";
  EXPECT_EQ(sim->b().pool.free(), sim->b().pool.capacity());
  EXPECT_EQ(sim->a().endpoint.inUse() + sim->b().endpoint.inUse(), 0u);
}

class Impaired : public ::testing::TestWithParam<Case> {};

TEST_P(Impaired, TransfersArriveByteExact) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    App client, server;
    Sim* sim = nullptr;
    Impairment imp = GetParam().imp;
    const double seconds = transfer(imp, imp, 6u << 20, 4u << 20, seed, client, server, &sim);
    EXPECT_EQ(server.received, 6u << 20) << "seed " << seed;
    EXPECT_EQ(client.received, 4u << 20) << "seed " << seed;
    EXPECT_EQ(server.mismatches + client.mismatches, 0u) << "seed " << seed;
    EXPECT_FALSE(client.reset || server.reset || client.timedOut || server.timedOut) << "seed " << seed;
    EXPECT_EQ(sim->a().pool.free(), sim->a().pool.capacity());
    EXPECT_EQ(sim->b().pool.free(), sim->b().pool.capacity());
    std::printf("%s seed %u: %.2f s, a retransmitted %lu (recoveries %lu, timeouts %lu, undone %lu), b %lu\n",
                GetParam().name, seed, seconds,
                static_cast<unsigned long>(sim->a().counters.tcpRetransmits.load()),
                static_cast<unsigned long>(sim->a().counters.tcpFastRecoveries.load()),
                static_cast<unsigned long>(sim->a().counters.tcpRtoTimeouts.load()),
                static_cast<unsigned long>(sim->a().counters.tcpRecoveriesUndone.load()),
                static_cast<unsigned long>(sim->b().counters.tcpRetransmits.load()));
  }
}

Impairment with(double loss, double reorder, double duplicate, uint32_t delayUs) {
  Impairment i;
  i.loss = loss;
  i.reorder = reorder;
  i.reorderDelayUs = 3'000;
  i.duplicate = duplicate;
  i.delayUs = delayUs;
  return i;
}

INSTANTIATE_TEST_SUITE_P(Links, Impaired,
                         ::testing::Values(Case{"loss1", with(0.01, 0, 0, 500)}, Case{"loss5", with(0.05, 0, 0, 500)},
                                           Case{"reorder", with(0, 0.05, 0, 500)},
                                           Case{"duplicate", with(0, 0, 0.05, 500)},
                                           Case{"delay20ms", with(0, 0, 0, 10'000)},
                                           Case{"everything", with(0.03, 0.03, 0.03, 10'000)}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(EndpointSim, ZeroWindowIsProbedUntilTheReaderReads) {
  Sim sim(settings(), settings(), {}, {}, 4);
  App client, server;
  client.toSend = 3u << 20;  // more than b's buffer
  client.shutAfterSend = true;
  server.reading = false;
  sim.open(40001, &client, &server);
  // b reads nothing: a fills b's window and stops.
  sim.run(sim.now() + 5'000'000, [] { return false; });
  EXPECT_LE(client.sent, (1u << 20) * 2 + 1) << "b's buffer and a's";
  EXPECT_EQ(server.received, 0u);
  EXPECT_FALSE(client.closed);
  // b starts reading: the persist probes find the window open again.
  server.reading = true;
  sim.drive(1, sim.b().byLocalPort[40001]);
  EXPECT_TRUE(sim.run(sim.now() + 600'000'000ull, [&] { return client.closed && server.closed; }))
      << server.received;
  EXPECT_EQ(server.received, 3u << 20);
  EXPECT_EQ(server.mismatches, 0u);
}

TEST(EndpointSim, HalfCloseLetsThePeerKeepSending) {
  Sim sim(settings(), settings(), {}, {}, 5);
  App client, server;
  client.toSend = 1000;
  client.shutAfterSend = true;  // a closes its side at once
  server.toSend = 5u << 20;     // b keeps sending afterwards
  server.holdOpen = true;
  server.shutAfterSend = true;
  sim.open(40002, &client, &server);
  EXPECT_TRUE(sim.run(sim.now() + 60'000'000, [&] { return client.closed && server.closed; }));
  EXPECT_EQ(server.received, 1000u);
  EXPECT_EQ(client.received, 5u << 20);
  EXPECT_EQ(client.mismatches, 0u);
}

TEST(EndpointSim, AnAbortResetsThePeerMidTransfer) {
  Sim sim(settings(), settings(), {}, {}, 6);
  App client, server;
  client.toSend = 50u << 20;
  client.shutAfterSend = true;
  sim.open(40003, &client, &server);
  sim.run(sim.now() + 60'000'000, [&] { return server.received > (1u << 20); });
  const uint32_t aid = sim.a().byLocalPort[40003];
  sim.a().endpoint.abort(aid);
  sim.a().endpoint.release(aid);
  EXPECT_TRUE(sim.run(sim.now() + 10'000'000, [&] { return server.closed; }));
  EXPECT_TRUE(server.reset);
  EXPECT_EQ(sim.b().counters.tcpResetsReceived.load(), 1u);
}

TEST(EndpointSim, ADeadPathTimesOutAfterItsRetries) {
  Impairment dead;
  dead.loss = 1.0;
  Sim sim(settings(), settings(), {}, {}, 7);
  App client, server;
  client.toSend = 1u << 20;
  client.shutAfterSend = true;
  sim.open(40004, &client, &server);
  sim.run(sim.now() + 10'000'000, [&] { return server.received > 100'000; });
  // From now on nothing gets through.
  sim.linkAb() = Link(dead, 1);
  sim.linkBa() = Link(dead, 2);
  EXPECT_TRUE(sim.run(sim.now() + 3'600'000'000ull, [&] { return client.closed; }));
  EXPECT_TRUE(client.timedOut);
  EXPECT_EQ(sim.a().counters.tcpConnectionsTimedOut.load(), 1u);
  EXPECT_EQ(sim.a().counters.tcpRtoTimeouts.load(), sim.a().endpoint.settings().retries);
}

TEST(EndpointSim, ASynThatIsNeverAnsweredGivesUp) {
  Impairment dead;
  dead.loss = 1.0;
  Sim sim(settings(), settings(), dead, {}, 8);
  App client, server;
  sim.open(40005, &client, &server);
  EXPECT_TRUE(sim.run(sim.now() + 600'000'000ull, [&] { return client.closed; }));
  EXPECT_TRUE(client.timedOut);
  EXPECT_FALSE(client.connected);
  // 1 + 2 + 4 + 8 + 16 + 32 s: the SYN was sent six times.
  EXPECT_GE(sim.now() - 1'000'000, 63'000'000u);
}

TEST(EndpointSim, OptionsAreNegotiated) {
  // A peer without window scaling or SACK and a small MSS.
  Sim sim(settings(), settings(), {}, {}, 9);
  sim.listenerOptions = {536, kNoWindowScale, false};
  App client, server;
  client.toSend = 2u << 20;
  client.shutAfterSend = true;
  sim.open(40006, &client, &server);
  sim.run(sim.now() + 100'000, [&] { return client.connected; });
  const Tcb& t = sim.a().endpoint.tcb(sim.a().byLocalPort[40006]);
  EXPECT_EQ(t.mss, 536);
  EXPECT_EQ(t.sndScale, 0);
  EXPECT_EQ(t.rcvScale, 0);
  EXPECT_FALSE(t.sackOk);
  EXPECT_TRUE(sim.run(sim.now() + 600'000'000ull, [&] { return client.closed && server.closed; }));
  EXPECT_EQ(server.received, 2u << 20);
  EXPECT_EQ(server.mismatches, 0u);
}

// A port with an MSS clamp (a tunnel towards this peer): the SYN asks for no more and no
// segment carries more, though the peer offers 1460; both sides settle on the clamp.
TEST(EndpointSim, APortsMssClampHoldsBothWays) {
  Sim sim(settings(), settings(), {}, {}, 10);
  sim.connectorMssClamp = 1200;
  App client, server;
  client.toSend = 1u << 20;
  client.shutAfterSend = true;
  server.toSend = 1u << 20;
  sim.open(40016, &client, &server);
  EXPECT_TRUE(sim.run(sim.now() + 600'000'000ull, [&] { return client.closed && server.closed; }));
  EXPECT_EQ(server.received, 1u << 20);
  EXPECT_EQ(client.received, 1u << 20);
  EXPECT_EQ(client.mismatches + server.mismatches, 0u);
  EXPECT_LE(sim.largestPayload(), 1200u);
  EXPECT_EQ(sim.largestPayload(), 1200u) << "full-size segments use the clamp";
}

TEST(EndpointSim, NewRenoWithoutSackRecoversFromLoss) {
  Impairment lossy = with(0.02, 0, 0, 1'000);
  for (uint32_t seed : {11u, 12u}) {
    Sim sim(settings(), settings(), lossy, lossy, seed);
    sim.listenerOptions = {1460, 7, false};
    App client, server;
    client.toSend = 4u << 20;
    client.shutAfterSend = true;
    sim.open(40007, &client, &server);
    EXPECT_TRUE(sim.run(sim.now() + 600'000'000ull, [&] { return client.closed && server.closed; }));
    EXPECT_EQ(server.received, 4u << 20);
    EXPECT_EQ(server.mismatches, 0u);
  }
}

TEST(EndpointSim, HundredsOfConcurrentConnections) {
  Impairment imp = with(0.01, 0.01, 0.01, 2'000);
  Sim sim(settings(), settings(), imp, imp, 13, 8192);
  std::vector<App> clients(200), servers(200);
  for (uint16_t i = 0; i < 200; ++i) {
    clients[i].toSend = 100'000 + i * 1'000;
    clients[i].shutAfterSend = true;
    servers[i].toSend = 50'000;
    servers[i].shutAfterSend = true;
    sim.open(static_cast<uint16_t>(41000 + i), &clients[i], &servers[i]);
  }
  EXPECT_TRUE(sim.run(sim.now() + 600'000'000ull, [&] {
    for (uint16_t i = 0; i < 200; ++i) {
      if (!clients[i].closed || !servers[i].closed) return false;
    }
    return true;
  }));
  for (uint16_t i = 0; i < 200; ++i) {
    EXPECT_EQ(servers[i].received, 100'000u + i * 1'000u) << i;
    EXPECT_EQ(clients[i].received, 50'000u) << i;
    EXPECT_EQ(servers[i].mismatches + clients[i].mismatches, 0u) << i;
  }
  EXPECT_EQ(sim.a().pool.free(), sim.a().pool.capacity());
  EXPECT_EQ(sim.b().pool.free(), sim.b().pool.capacity());
}

}  // namespace
}  // namespace portico::dp::tcp::sim
