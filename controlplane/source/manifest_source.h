#pragma once

#include <string>

#include "controlplane/source/directory_watch.h"
#include "controlplane/source/manifest_directory.h"
#include "controlplane/source/state_source.h"

namespace portico::cp {

// A manifest directory, read again on every change inotify reports: the files that
// changed from their text, the others from what they held.
class ManifestSource final : public StateSource {
 public:
  explicit ManifestSource(std::string directory) : directory_(std::move(directory)), watch_(directory_) {}
  bool ok() const { return watch_.ok(); }

  std::optional<ClusterState> load(std::vector<Problem>& problems) override {
    bool complete = true;
    ClusterState state = loadManifestDirectory(directory_, problems, &complete, &files_);
    if (!complete) return std::nullopt;
    return state;
  }
  bool waitForChange(std::chrono::milliseconds timeout, std::chrono::milliseconds settle) override {
    return watch_.waitForChange(timeout, settle);
  }

 private:
  std::string directory_;
  DirectoryWatch watch_;
  ManifestFiles files_;
};

}  // namespace portico::cp
