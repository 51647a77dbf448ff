#include "drivers/pmd_quirks.h"

#include <gtest/gtest.h>

namespace portico::drv {
namespace {

TEST(PmdQuirks, AfPacketGetsItsQueuePairsAndDeeperRingsWhenShared) {
  EXPECT_EQ(withQueueCount("net_af_packet0,iface=veth0", 1), "net_af_packet0,iface=veth0,qpairs=1");
  EXPECT_EQ(withQueueCount("net_af_packet0,iface=veth0", 2), "net_af_packet0,iface=veth0,qpairs=2,framecnt=4096");
  EXPECT_EQ(withQueueCount("net_af_packet0,iface=veth0,qpairs=2,framecnt=1024", 2),
            "net_af_packet0,iface=veth0,qpairs=2,framecnt=1024")
      << "what the operator wrote wins";
  EXPECT_EQ(withQueueCount("net_null0,no-rx=1", 2), "net_null0,no-rx=1");
}

TEST(PmdQuirks, DeviceNames) {
  EXPECT_TRUE(isVirtualDevice("net_ring_client"));
  EXPECT_FALSE(isVirtualDevice("0000:3b:00.0"));
  EXPECT_EQ(deviceName("net_af_packet0,iface=veth0"), "net_af_packet0");
}

}  // namespace
}  // namespace portico::drv
