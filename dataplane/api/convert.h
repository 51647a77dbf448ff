#pragma once

#include "dataplane/common/result.h"
#include "dataplane/snapshot/desired_state.h"
#include "dataplane/snapshot/state_delta.h"
#include "proto/dataplane.pb.h"

namespace portico::dp::api {

// The pushed state in the dataplane's own terms; the error names the rejected field
// ("services[2] (web).backends[0].address: ...").
Result<snapshot::DesiredState> fromProto(const portico::dataplane::v1::DesiredState& in);

// A delta's host changes; the error names the rejected field ("changes[0].host.routes[1] ...").
Result<std::vector<snapshot::VirtualHostChange>> fromProto(const portico::dataplane::v1::StateDelta& in);

portico::dataplane::v1::DesiredState toProto(const snapshot::DesiredState& state, uint64_t version);

}  // namespace portico::dp::api
