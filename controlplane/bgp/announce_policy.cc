#include "controlplane/bgp/announce_policy.h"

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {

bool ready(const pb::Backend& b) { return b.state() == pb::BACKEND_STATE_ACTIVE && b.weight() > 0; }

bool anyReady(const pb::ListenerPort& port) {
  for (const auto& l : port.listeners()) {
    for (const auto& h : l.hosts()) {
      for (const auto& r : h.routes()) {
        for (const auto& ref : r.backends()) {
          if (ref.weight() == 0 || ref.invalid()) continue;
          for (const auto& e : ref.endpoints()) {
            if (ready(e)) return true;
          }
        }
      }
    }
  }
  return false;
}

bool keptByPool(const std::string& vip, const std::vector<AddressPool>& pools) {
  for (const auto& pool : pools) {
    if (!pool.keepWithoutEndpoints) continue;
    for (const auto& range : pool.ranges) {
      std::string why;
      for (const auto& a : expandRange(range, why)) {
        if (a == vip) return true;
      }
    }
  }
  return false;
}

}  // namespace

std::set<std::string> announceableVips(const pb::DesiredState& state, const std::vector<AddressPool>& pools) {
  std::set<std::string> announce, all;
  for (const auto& port : state.listener_ports()) {
    all.insert(port.vip());
    if (anyReady(port)) announce.insert(port.vip());
  }
  for (const auto& s : state.services()) {
    all.insert(s.vip());
    for (const auto& b : s.backends()) {
      if (ready(b)) announce.insert(s.vip());
    }
  }
  for (const auto& vip : all) {
    if (!announce.count(vip) && keptByPool(vip, pools)) announce.insert(vip);
  }
  return announce;
}

}  // namespace portico::cp
