#include "controlplane/push/state_delta.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

namespace pb = portico::dataplane::v1;

pb::DesiredState state(const std::vector<std::pair<std::string, std::string>>& hosts) {
  pb::DesiredState s;
  s.add_vips("192.0.2.100");
  pb::ListenerPort* p = s.add_listener_ports();
  p->set_vip("192.0.2.100");
  p->set_port(80);
  pb::Listener* l = p->add_listeners();
  l->set_name("infra/gw/http");
  for (const auto& [name, route] : hosts) {
    pb::VirtualHost* h = l->add_hosts();
    h->set_hostname(name);
    h->add_routes()->set_name(route);
  }
  return s;
}

std::optional<pb::StateDelta> delta(const pb::DesiredState& from, const pb::DesiredState& to) {
  return deltaBetween(indexOf(from), to, indexOf(to));
}

TEST(StateDelta, OnlyChangedHostsAreSent) {
  const auto d = delta(state({{"a", "r1"}, {"b", "r1"}}), state({{"a", "r1"}, {"b", "r2"}}));
  ASSERT_TRUE(d);
  ASSERT_EQ(d->changes_size(), 1);
  EXPECT_EQ(d->changes(0).host().hostname(), "b");
  EXPECT_EQ(d->changes(0).host().routes(0).name(), "r2");
  EXPECT_EQ(d->changes(0).listener(), "infra/gw/http");
  EXPECT_EQ(d->changes(0).port(), 80u);
  EXPECT_FALSE(d->changes(0).remove());
}

TEST(StateDelta, AddedAndRemovedHosts) {
  const auto d = delta(state({{"a", "r"}, {"", "catch-all"}}), state({{"c", "r"}}));
  ASSERT_TRUE(d);
  ASSERT_EQ(d->changes_size(), 3);
  EXPECT_EQ(d->changes(0).host().hostname(), "c");
  EXPECT_FALSE(d->changes(0).remove());
  // Removals carry the name alone, the empty (catch-all) name included.
  EXPECT_TRUE(d->changes(1).remove());
  EXPECT_EQ(d->changes(1).host().hostname(), "");
  EXPECT_TRUE(d->changes(2).remove());
  EXPECT_EQ(d->changes(2).host().hostname(), "a");
  EXPECT_EQ(d->changes(2).vip(), "192.0.2.100");
}

TEST(StateDelta, AnythingButHostsNeedsAWholePush) {
  pb::DesiredState to = state({{"a", "r"}});
  to.add_vips("192.0.2.101");
  EXPECT_FALSE(delta(state({{"a", "r"}}), to));
  to = state({{"a", "r"}});
  to.mutable_listener_ports(0)->mutable_listeners(0)->set_proxy_protocol(true);
  EXPECT_FALSE(delta(state({{"a", "r"}}), to));
  to = state({{"a", "r"}});
  to.mutable_listener_ports(0)->add_listeners()->set_name("infra/gw/other");
  EXPECT_FALSE(delta(state({{"a", "r"}}), to));
  // An HTTPS listener's certificate rotated (its Secret changed).
  pb::DesiredState from = state({{"a", "r"}});
  from.mutable_listener_ports(0)->mutable_listeners(0)->add_certificates()->set_certificate_pem("old");
  to = state({{"a", "r"}});
  to.mutable_listener_ports(0)->mutable_listeners(0)->add_certificates()->set_certificate_pem("new");
  EXPECT_FALSE(delta(from, to));
}

TEST(StateDelta, NothingChangedIsAnEmptyDelta) {
  const auto d = delta(state({{"a", "r"}}), state({{"a", "r"}}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->changes_size(), 0);
}

}  // namespace
}  // namespace portico::cp
