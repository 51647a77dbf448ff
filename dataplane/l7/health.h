#pragma once

// The health endpoint on every VIP, for the load balancer in front (an F5 pool monitor):
// GET <path> on the configured port answers 200 while the address has a ready endpoint
// and this dataplane serves a state, 503 when it has none, and 503 with a DRAINING body
// while an operator has drained the dataplane (new connections are still served, so the
// monitor moves traffic away without resets).

#include <string_view>

#include "dataplane/l7/answer.h"
#include "dataplane/snapshot/snapshot.h"

namespace portico::dp::l7 {

// Whether some listener or L4 service on `vip` has an active backend.
bool vipReady(const snapshot::Snapshot& snap, const pkt::Ipv6Addr& vip);

AnswerStatus healthAnswer(const snapshot::Snapshot& snap, const snapshot::L7Port& port, std::string_view path,
                          std::string_view healthPath, bool draining);

}  // namespace portico::dp::l7
