#include "controlplane/status/status_json.h"

#include <ctime>

namespace portico::cp {

namespace {

using json = nlohmann::json;

json conditions(const std::vector<Condition>& in, bool programmed) {
  json out = json::array();
  for (const auto& c : in) {
    Condition w = c;
    if (programmed && w.type == "Programmed" && w.status == "Unknown") {
      w.status = "True";
      w.reason = "Programmed";
      w.message = "every dataplane serves it";
    }
    out.push_back({{"type", w.type}, {"status", w.status}, {"reason", w.reason}, {"message", w.message},
                   {"observedGeneration", w.observedGeneration}});
  }
  return out;
}

json parentRef(const ParentReference& p) {
  json ref = {{"group", p.group}, {"kind", p.kind}, {"name", p.name}};
  if (p.ns) ref["namespace"] = *p.ns;
  if (p.sectionName) ref["sectionName"] = *p.sectionName;
  if (p.port) ref["port"] = *p.port;
  return ref;
}

json supportedKinds(const ListenerStatus& l) {
  json out = json::array();
  for (const auto& k : l.supportedKinds) out.push_back({{"group", "gateway.networking.k8s.io"}, {"kind", k}});
  return out;
}

// Conditions of `desired`, each keeping the lastTransitionTime `existing` has for the same
// type and status.
json mergeConditions(const json& existing, const json& desired, const std::string& now) {
  json out = json::array();
  for (json c : desired) {
    std::string since = now;
    if (existing.is_array()) {
      for (const auto& e : existing) {
        if (e.value("type", "") == c.value("type", "") && e.value("status", "") == c.value("status", "") &&
            e.contains("lastTransitionTime")) {
          since = e["lastTransitionTime"].get<std::string>();
        }
      }
    }
    c["lastTransitionTime"] = since;
    out.push_back(std::move(c));
  }
  return out;
}

const json* findNamed(const json& list, const std::string& field, const json& value) {
  if (!list.is_array()) return nullptr;
  for (const auto& e : list) {
    if (e.contains(field) && e[field] == value) return &e;
  }
  return nullptr;
}

}  // namespace

nlohmann::json desiredStatus(const ObjectStatus& s, const std::vector<std::string>& addresses, bool programmed) {
  json out = json::object();
  if (s.kind == "GatewayClass" || s.kind == "Gateway") out["conditions"] = conditions(s.conditions, programmed);
  if (s.kind == "Gateway") {
    out["addresses"] = json::array();
    for (const auto& a : addresses) out["addresses"].push_back({{"type", "IPAddress"}, {"value", a}});
    out["listeners"] = json::array();
    for (const auto& l : s.listeners) {
      out["listeners"].push_back({{"name", l.name},
                                  {"supportedKinds", supportedKinds(l)},
                                  {"attachedRoutes", l.attachedRoutes},
                                  {"conditions", conditions(l.conditions, programmed)}});
    }
  }
  if (isRouteKind(s.kind)) {
    out["parents"] = json::array();
    for (const auto& p : s.parents) {
      out["parents"].push_back({{"parentRef", parentRef(p.parentRef)},
                                {"controllerName", kControllerName},
                                {"conditions", conditions(p.conditions, programmed)}});
    }
  }
  return out;
}

nlohmann::json loadBalancerStatus(const std::vector<std::string>& addresses, const std::string& kind) {
  json ingress = json::array();
  for (const auto& a : addresses) {
    ingress.push_back(kind == "Ingress" ? json{{"ip", a}} : json{{"ip", a}, {"ipMode", "VIP"}});
  }
  return {{"loadBalancer", {{"ingress", std::move(ingress)}}}};
}

nlohmann::json mergeStatus(const nlohmann::json& existing, const nlohmann::json& desired, const std::string& kind,
                           const std::string& now) {
  const json base = existing.is_object() ? existing : json::object();
  json out = base;
  const json none = json::array();
  if (desired.contains("conditions")) {
    out["conditions"] = mergeConditions(base.value("conditions", none), desired["conditions"], now);
  }
  if (kind == "Gateway") {
    out["addresses"] = desired["addresses"];
    if (out["addresses"].empty()) out.erase("addresses");
    out["listeners"] = json::array();
    const json oldListeners = base.value("listeners", none);
    for (json l : desired["listeners"]) {
      const json* old = findNamed(oldListeners, "name", l["name"]);
      l["conditions"] = mergeConditions(old != nullptr ? old->value("conditions", none) : none, l["conditions"], now);
      out["listeners"].push_back(std::move(l));
    }
  }
  if (kind == "Service" || kind == "Ingress") {
    // The ingress list is ours whole; conditions of the Service stay.
    out["loadBalancer"] = desired["loadBalancer"];
    if (out["loadBalancer"]["ingress"].empty()) out["loadBalancer"] = json::object();
  }
  if (desired.contains("parents")) {
    // Other controllers' entries stay; ours are replaced as a whole, so a parent the
    // route no longer attaches to loses its entry.
    json parents = json::array();
    const json oldParents = base.value("parents", none);
    for (const auto& p : oldParents) {
      if (p.value("controllerName", "") != kControllerName) parents.push_back(p);
    }
    for (json p : desired["parents"]) {
      const json* old = findNamed(oldParents, "parentRef", p["parentRef"]);
      p["conditions"] = mergeConditions(old != nullptr ? old->value("conditions", none) : none, p["conditions"], now);
      parents.push_back(std::move(p));
    }
    out["parents"] = std::move(parents);
  }
  return out;
}

std::string rfc3339Now() {
  const std::time_t t = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

}  // namespace portico::cp
