#include "dataplane/l7/health.h"

namespace portico::dp::l7 {

namespace {

bool anyActive(const snapshot::Snapshot& snap, const std::vector<uint32_t>& backendIds) {
  for (const uint32_t id : backendIds) {
    const snapshot::BackendEntry* be = snap.backend(id);
    if (be != nullptr && be->state == snapshot::BackendState::kActive) return true;
  }
  return false;
}

}  // namespace

// A walk over the VIP's services and hosts: a monitor asks every few seconds, so this is
// not worth a table of its own kept right through every push and delta.
bool vipReady(const snapshot::Snapshot& snap, const pkt::Ipv6Addr& vip) {
  for (const auto& svc : snap.services) {
    if (svc.vip == vip && anyActive(snap, svc.backendIds)) return true;
  }
  for (const auto& port : snap.l7Ports) {
    if (port.vip != vip || port.health) continue;
    for (const auto& listener : port.listeners) {
      for (const auto& vhost : listener.vhosts) {
        for (const auto& set : vhost->backendSets) {
          if (anyActive(snap, set.backendIds)) return true;
        }
      }
    }
  }
  return false;
}

AnswerStatus healthAnswer(const snapshot::Snapshot& snap, const snapshot::L7Port& port, std::string_view path,
                          std::string_view healthPath, bool draining) {
  if (path != healthPath) return AnswerStatus::kNotFound;
  if (draining) return AnswerStatus::kDraining;
  return vipReady(snap, port.vip) ? AnswerStatus::kHealthy : AnswerStatus::kNotReady;
}

}  // namespace portico::dp::l7
