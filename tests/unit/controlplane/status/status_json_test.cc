#include "controlplane/status/status_json.h"

#include <gtest/gtest.h>

namespace portico::cp {
namespace {

using json = nlohmann::json;

ObjectStatus gatewayStatus() {
  ObjectStatus s{"Gateway", "infra/gw", {}, {}, {}};
  s.conditions = {{"Accepted", "True", "Accepted", "gateway accepted", 3},
                  {"Programmed", "Unknown", "Pending", "waiting for the dataplanes to acknowledge", 3}};
  ListenerStatus l;
  l.name = "http";
  l.attachedRoutes = 2;
  l.supportedKinds = {"HTTPRoute"};
  l.conditions = {{"Accepted", "True", "Accepted", "listener accepted", 3},
                  {"Programmed", "Unknown", "Pending", "waiting", 3}};
  s.listeners.push_back(l);
  return s;
}

ObjectStatus routeStatus() {
  ObjectStatus s{"HTTPRoute", "shop/app", {}, {}, {}};
  ParentReference ref;
  ref.name = "gw";
  ref.ns = "infra";
  ref.sectionName = "http";
  s.parents.push_back({ref, {{"Accepted", "True", "Accepted", "accepted", 7}}});
  return s;
}

TEST(StatusJson, GatewayCarriesAddressesListenersAndKinds) {
  const json d = desiredStatus(gatewayStatus(), {"192.0.2.100"}, false);
  EXPECT_EQ(d["addresses"], json::parse(R"([{"type": "IPAddress", "value": "192.0.2.100"}])"));
  EXPECT_EQ(d["listeners"][0]["attachedRoutes"], 2);
  EXPECT_EQ(d["listeners"][0]["supportedKinds"], json::parse(R"([{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}])"));
  EXPECT_EQ(d["conditions"][1]["status"], "Unknown");
  EXPECT_EQ(d["conditions"][0]["observedGeneration"], 3);
}

TEST(StatusJson, ProgrammedOnlyOnceAcknowledged) {
  const json d = desiredStatus(gatewayStatus(), {}, true);
  EXPECT_EQ(d["conditions"][1]["status"], "True");
  EXPECT_EQ(d["conditions"][1]["reason"], "Programmed");
  EXPECT_EQ(d["listeners"][0]["conditions"][1]["status"], "True");
}

TEST(StatusJson, UnchangedConditionKeepsItsTransitionTime) {
  const json d = desiredStatus(gatewayStatus(), {"192.0.2.100"}, true);
  const json first = mergeStatus(json(), d, "Gateway", "2026-01-01T00:00:00Z");
  EXPECT_EQ(first["conditions"][0]["lastTransitionTime"], "2026-01-01T00:00:00Z");
  const json again = mergeStatus(first, d, "Gateway", "2026-02-02T00:00:00Z");
  EXPECT_EQ(again, first) << "nothing changed, so nothing is written";

  ObjectStatus changed = gatewayStatus();
  changed.conditions[0].status = "False";
  const json third = mergeStatus(first, desiredStatus(changed, {"192.0.2.100"}, true), "Gateway", "2026-03-03T00:00:00Z");
  EXPECT_EQ(third["conditions"][0]["lastTransitionTime"], "2026-03-03T00:00:00Z");
  EXPECT_EQ(third["conditions"][1]["lastTransitionTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(third["listeners"][0]["conditions"][0]["lastTransitionTime"], "2026-01-01T00:00:00Z");
}

TEST(StatusJson, RouteKeepsOtherControllersParentsAndDropsOurStaleOnes) {
  const json existing = json::parse(R"({"parents": [
    {"parentRef": {"name": "other"}, "controllerName": "example.com/other", "conditions": []},
    {"parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "old", "namespace": "infra"},
     "controllerName": "portico.dev/gateway-controller", "conditions": []}]})");
  const json merged = mergeStatus(existing, desiredStatus(routeStatus(), {}, true), "HTTPRoute", "2026-01-01T00:00:00Z");
  ASSERT_EQ(merged["parents"].size(), 2u);
  EXPECT_EQ(merged["parents"][0]["controllerName"], "example.com/other");
  EXPECT_EQ(merged["parents"][1]["parentRef"]["name"], "gw");
  EXPECT_EQ(merged["parents"][1]["parentRef"]["sectionName"], "http");
  EXPECT_EQ(merged["parents"][1]["controllerName"], "portico.dev/gateway-controller");
  EXPECT_EQ(merged["parents"][1]["conditions"][0]["observedGeneration"], 7);
}

TEST(StatusJson, TimestampIsRfc3339) {
  const std::string now = rfc3339Now();
  ASSERT_EQ(now.size(), 20u);
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace portico::cp
