// The control plane's metrics: the push-to-ACK histogram counts each dataplane's first
// ACK of a pushed version once, in cumulative buckets.

#include "controlplane/metrics/controlplane_metrics.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

using namespace std::chrono_literals;

TEST(ControlplaneMetrics, TimesEachDataplanesFirstAckOfAPush) {
  ControlplaneMetrics m({"unix:/run/a.sock", "10.0.0.2:50051"}, false);
  EXPECT_FALSE(m.ready());
  m.stateRead(true, 0);
  EXPECT_TRUE(m.ready());
  const auto t0 = std::chrono::steady_clock::now();
  m.pushed(1, 2, t0);
  m.dataplane(0, 0, true, t0 + 1ms);   // not yet
  m.dataplane(0, 1, true, t0 + 3ms);   // 3 ms
  m.dataplane(0, 1, true, t0 + 50ms);  // the same ACK again: not counted twice
  m.dataplane(1, 1, true, t0 + 700ms);
  const std::string text = m.text();
  EXPECT_NE(text.find("portico_controlplane_push_seconds_bucket{dataplane=\"unix:/run/a.sock\",le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("portico_controlplane_push_seconds_bucket{dataplane=\"unix:/run/a.sock\",le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("portico_controlplane_push_seconds_bucket{dataplane=\"unix:/run/a.sock\",le=\"10\"} 1\n"),
            std::string::npos) << "buckets are cumulative";
  EXPECT_NE(text.find("portico_controlplane_push_seconds_count{dataplane=\"unix:/run/a.sock\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("portico_controlplane_push_seconds_bucket{dataplane=\"10.0.0.2:50051\",le=\"0.5\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("portico_controlplane_push_seconds_bucket{dataplane=\"10.0.0.2:50051\",le=\"1\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("portico_controlplane_leader 1\n"), std::string::npos) << "no election without Kubernetes";
  m.pushed(2, 2, t0 + 1s);
  m.dataplane(0, 1, false, t0 + 2s);
  const std::string later = m.text();
  EXPECT_NE(later.find("portico_controlplane_push_seconds_count{dataplane=\"unix:/run/a.sock\"} 1\n"), std::string::npos)
      << "an older version's ACK does not time the new push";
  EXPECT_NE(later.find("portico_controlplane_dataplane_up{dataplane=\"unix:/run/a.sock\"} 0\n"), std::string::npos);
}

TEST(ControlplaneMetrics, LeaderFollowsTheLeaseWithKubernetes) {
  ControlplaneMetrics m({}, true);
  EXPECT_NE(m.text().find("portico_controlplane_leader 0\n"), std::string::npos);
  m.leader(true);
  EXPECT_NE(m.text().find("portico_controlplane_leader 1\n"), std::string::npos);
  m.stateRead(false, 3);
  EXPECT_NE(m.text().find("portico_controlplane_state_read_failures_total 1\n"), std::string::npos);
  EXPECT_FALSE(m.ready()) << "a failed first read is not ready";
}

TEST(ControlplaneMetrics, OneSeriesPerConfiguredBgpPeer) {
  ControlplaneMetrics m({}, false);
  EXPECT_EQ(m.text().find("bgp_peer_established"), std::string::npos) << "no BGP, no family";
  m.bgpPeers({{"192.0.2.1", true}, {"2001:db8::1", false}});
  const std::string t = m.text();
  EXPECT_NE(t.find("portico_controlplane_bgp_peer_established{peer=\"192.0.2.1\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("portico_controlplane_bgp_peer_established{peer=\"2001:db8::1\"} 0\n"), std::string::npos) << t;
}

}  // namespace
}  // namespace portico::cp
