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

// Merging states: appendObjects adds every object of `from` to `into` (shared, not
// copied); dropDuplicates then keeps the first of each kind and key and reports the
// others, as within one text. Many states are appended before one pass of dropDuplicates.
void appendObjects(const ClusterState& from, ClusterState& into);
void dropDuplicates(ClusterState& state, std::vector<Problem>& problems);

}  // namespace portico::cp
