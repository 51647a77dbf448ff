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

// Every *.yaml / *.yml file under `directory`, subfolders included (hidden ones not), in
// path order. `complete` is false when the directory or a file could not be read: the
// result is then partial and must not replace a good state.
ClusterState loadManifestDirectory(const std::string& directory, std::vector<Problem>& problems,
                                   bool* complete = nullptr);

}  // namespace portico::cp
