#pragma once

// Which virtual hosts differ between two desired states, so a change to a few routes or
// endpoints goes to the dataplanes as a delta (PushDelta) instead of the whole state.

#include <map>
#include <optional>
#include <string>

#include "proto/dataplane.pb.h"

namespace portico::cp {

// What a delta is computed from: everything but the virtual hosts, and each host's bytes.
struct StateIndex {
  std::string skeleton;  // VIPs, services, listener ports and listeners, serialized
  std::map<std::string, std::string> hosts;  // "vip\nport\nlistener\nhostname" -> serialized host
};

StateIndex indexOf(const portico::dataplane::v1::DesiredState& state);

// The host changes that turn the state indexed as `from` into `to` (indexed as
// `toIndex`); nullopt when anything else differs (VIPs, services, listeners), which only
// a whole push can carry. Version fields are left for the caller.
std::optional<portico::dataplane::v1::StateDelta> deltaBetween(const StateIndex& from,
                                                              const portico::dataplane::v1::DesiredState& to,
                                                              const StateIndex& toIndex);

}  // namespace portico::cp
