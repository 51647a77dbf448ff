#pragma once

// Where the cluster state comes from: a manifest directory, or the Kubernetes API.

#include <chrono>
#include <optional>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/model/problem.h"

namespace portico::cp {

class StateSource {
 public:
  virtual ~StateSource() = default;
  // The whole state now; nullopt while it cannot be read whole (a half-read state would
  // withdraw everything not read yet), with the reason in `problems`.
  virtual std::optional<ClusterState> load(std::vector<Problem>& problems) = 0;
  // True when something changed within `timeout`; changes within `settle` of each other
  // are gathered into one.
  virtual bool waitForChange(std::chrono::milliseconds timeout, std::chrono::milliseconds settle) = 0;
};

}  // namespace portico::cp
