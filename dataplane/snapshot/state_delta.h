#pragma once

// A delta push: virtual hosts of existing listeners replaced, added or removed. The
// routes of a host (and their endpoints) change far more often than anything else, and
// sending the whole state for each such change costs time in proportion to the state.

#include <string>
#include <vector>

#include "dataplane/snapshot/desired_state.h"

namespace portico::dp::snapshot {

struct VirtualHostChange {
  pkt::IpAddress vip;
  uint16_t port = 0;
  std::string listener;
  VirtualHostSpec host;  // its hostname names it; its routes are the new ones
  bool remove = false;
};

// The same change made to a desired state, so it keeps describing what is served.
// False when the listener port or listener is not in it.
bool applyChange(DesiredState& state, const VirtualHostChange& change);

}  // namespace portico::dp::snapshot
