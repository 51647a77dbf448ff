#pragma once

// Reads Gateway API and core objects from YAML manifests (multi-document, any layout),
// the same objects the Kubernetes source fills from the API server.

#include <string>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/model/problem.h"

namespace portico::cp {

// Adds every object of `text` to `into`. Documents that cannot be understood (bad YAML,
// unknown kind or version, a required field missing or of the wrong type, an object
// seen before) are reported in `problems` and skipped; the rest is kept.
void parseManifests(const std::string& text, const std::string& source, ClusterState& into,
                    std::vector<Problem>& problems);

// Adds every object of `from` to `into` (shared, not copied); one whose kind and key
// `into` already holds is reported as a duplicate and skipped, as within one text.
void addObjects(const ClusterState& from, ClusterState& into, std::vector<Problem>& problems);
// The two steps of addObjects, for merging many states with one pass over the result:
// appendObjects keeps everything, dropDuplicates keeps the first of each kind and key.
void appendObjects(const ClusterState& from, ClusterState& into);
void dropDuplicates(ClusterState& state, std::vector<Problem>& problems);

}  // namespace portico::cp
