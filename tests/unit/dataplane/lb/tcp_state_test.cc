#include "dataplane/lb/tcp_state.h"

#include <gtest/gtest.h>

#include "dataplane/lb/flow_table.h"

namespace portico::dp::lb {
namespace {

constexpr uint8_t kFinAck = kTcpFin | kTcpAck;

// Established takes the client's ACK of the SYN-ACK: a spoofed flood never sends it.
TEST(TcpState, EstablishedOnlyOnceTheClientAcknowledgesTheSynAck) {
  constexpr uint8_t kSynAck = kTcpSyn | kTcpAck;
  EXPECT_EQ(nextTcpState(FlowState::kSynSeen, kSynAck, true), FlowState::kSynAckSeen);
  EXPECT_EQ(nextTcpState(FlowState::kSynAckSeen, kSynAck, true), FlowState::kSynAckSeen);
  EXPECT_EQ(nextTcpState(FlowState::kSynAckSeen, kTcpSyn, false), FlowState::kSynAckSeen);
  EXPECT_EQ(nextTcpState(FlowState::kSynAckSeen, kTcpAck, false), FlowState::kEstablished);
  EXPECT_EQ(nextTcpState(FlowState::kSynAckSeen, kTcpAck, true), FlowState::kEstablished);
  EXPECT_EQ(FlowTimeouts{}.forState(FlowState::kSynAckSeen), FlowTimeouts{}.synMs);
}

TEST(TcpState, OneFinHalfClosesFromThatSide) {
  EXPECT_EQ(nextTcpState(FlowState::kEstablished, kFinAck, false), FlowState::kClientFin);
  EXPECT_EQ(nextTcpState(FlowState::kEstablished, kFinAck, true), FlowState::kBackendFin);
}

TEST(TcpState, FinsFromBothSidesClose) {
  EXPECT_EQ(nextTcpState(FlowState::kClientFin, kFinAck, true), FlowState::kClosed);
  EXPECT_EQ(nextTcpState(FlowState::kBackendFin, kFinAck, false), FlowState::kClosed);
}

TEST(TcpState, ARetransmittedFinDoesNotCloseTheOtherHalf) {
  EXPECT_EQ(nextTcpState(FlowState::kClientFin, kFinAck, false), FlowState::kClientFin);
  EXPECT_EQ(nextTcpState(FlowState::kBackendFin, kFinAck, true), FlowState::kBackendFin);
  EXPECT_EQ(nextTcpState(FlowState::kClosed, kFinAck, false), FlowState::kClosed);
}

TEST(TcpState, DataAndAcksKeepAHalfClosedState) {
  EXPECT_EQ(nextTcpState(FlowState::kClientFin, kTcpAck, true), FlowState::kClientFin);
  EXPECT_EQ(nextTcpState(FlowState::kClosed, kTcpAck, false), FlowState::kClosed);
}

TEST(TcpState, AResetWinsOverEverything) {
  EXPECT_EQ(nextTcpState(FlowState::kClientFin, kTcpRst, true), FlowState::kReset);
}

TEST(TcpState, HalfClosedFlowsKeepTheClosingTimeoutAndClosedOnesTheShortOne) {
  FlowTimeouts t;
  t.closingMs = 60'000;
  t.closedMs = 2'000;
  EXPECT_EQ(t.forState(FlowState::kClientFin), 60'000u);
  EXPECT_EQ(t.forState(FlowState::kBackendFin), 60'000u);
  EXPECT_EQ(t.forState(FlowState::kClosed), 2'000u);
  EXPECT_TRUE(finSeen(FlowState::kClientFin));
  EXPECT_TRUE(finSeen(FlowState::kClosed));
  EXPECT_FALSE(finSeen(FlowState::kEstablished));
}

}  // namespace
}  // namespace portico::dp::lb
