#include "controlplane/push/state_delta.h"

namespace portico::cp {

namespace pb = portico::dataplane::v1;

namespace {

// Length-prefixed, so no two different sequences of fields read the same.
void add(std::string& out, const std::string& field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::string hostKey(const pb::ListenerPort& p, const pb::Listener& l, const std::string& hostname) {
  return p.vip() + "\n" + std::to_string(p.port()) + "\n" + l.name() + "\n" + hostname;
}

}  // namespace

StateIndex indexOf(const pb::DesiredState& state) {
  StateIndex index;
  for (const auto& v : state.vips()) add(index.skeleton, v);
  for (const auto& s : state.services()) add(index.skeleton, s.SerializeAsString());
  for (const auto& p : state.listener_ports()) {
    add(index.skeleton, p.vip());
    add(index.skeleton, std::to_string(p.port()));
    for (const auto& l : p.listeners()) {
      add(index.skeleton, l.name());
      add(index.skeleton, l.hostname());
      add(index.skeleton, std::to_string(l.protocol()) + (l.proxy_protocol() ? "p" : "") + "m" + std::to_string(l.mode()));
      // A rotated certificate is a listener's change: found by the lab's rotation check,
      // which waited for a push that never came.
      for (const auto& c : l.certificates()) add(index.skeleton, c.SerializeAsString());
      for (const auto& h : l.hosts()) index.hosts.emplace(hostKey(p, l, h.hostname()), h.SerializeAsString());
    }
  }
  return index;
}

std::optional<pb::StateDelta> deltaBetween(const StateIndex& from, const pb::DesiredState& to, const StateIndex& toIndex) {
  if (from.skeleton != toIndex.skeleton) return std::nullopt;
  pb::StateDelta delta;
  for (const auto& p : to.listener_ports()) {
    for (const auto& l : p.listeners()) {
      for (const auto& h : l.hosts()) {
        const std::string key = hostKey(p, l, h.hostname());
        const auto old = from.hosts.find(key);
        if (old != from.hosts.end() && old->second == toIndex.hosts.at(key)) continue;
        pb::VirtualHostChange* c = delta.add_changes();
        c->set_vip(p.vip());
        c->set_port(p.port());
        c->set_listener(l.name());
        *c->mutable_host() = h;
      }
    }
  }
  for (const auto& [key, bytes] : from.hosts) {
    if (toIndex.hosts.count(key)) continue;
    // The key is "vip\nport\nlistener\nhostname"; only the hostname may be empty.
    const auto a = key.find('\n'), b = key.find('\n', a + 1), c = key.find('\n', b + 1);
    pb::VirtualHostChange* change = delta.add_changes();
    change->set_vip(key.substr(0, a));
    change->set_port(static_cast<uint32_t>(std::stoul(key.substr(a + 1, b - a - 1))));
    change->set_listener(key.substr(b + 1, c - b - 1));
    change->mutable_host()->set_hostname(key.substr(c + 1));
    change->set_remove(true);
  }
  return delta;
}

}  // namespace portico::cp
