#pragma once

#include <string>

namespace portico::bench {

// A manifest directory with `routes` HTTPRoutes (the same cluster translation is timed
// on), for running the real control plane against a dataplane.
int writeManifests(const std::string& directory, int routes);

// Config change to all-workers ACK: the desired state of 10, 1 000 and 10 000 routes
// pushed to a running dataplane over its API; the Push call returns once every worker
// serves it (or NACKs).
int pushAck(const std::string& target, int repeats);

}  // namespace portico::bench
