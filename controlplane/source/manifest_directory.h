#pragma once

// Reads a manifest directory: every *.yaml / *.yml file under it, subfolders included
// (hidden ones not), in path order.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "controlplane/model/objects.h"
#include "controlplane/model/problem.h"

namespace portico::cp {

// What each file of a directory held when last read, so that a change re-reads only the
// files that changed; the other files' objects are shared into the new state.
struct ManifestFiles {
  struct Identity {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t modifiedNs = 0, changedNs = 0;
    bool operator==(const Identity&) const = default;
  };
  struct File {
    Identity identity;
    int64_t readAtNs = 0;  // wall clock, as file times are
    ClusterState objects;
    std::vector<Problem> problems;
  };
  std::map<std::string, File> files;  // by path
  std::size_t lastRead = 0;           // files the last load read from text
  // A file read within this long of its last change is read again even if it looks the
  // same: a second write within the clock's granularity leaves its times alike.
  int64_t racyNs = 1'000'000'000;
};

// The objects of every file under `directory`. `complete` is false when the directory or
// a file could not be read: the result is then partial and must not replace a good
// state. With `files`, a file whose identity (device, inode, size, modification and
// change times) is what it was at the last load is not read again (see racyNs).
ClusterState loadManifestDirectory(const std::string& directory, std::vector<Problem>& problems,
                                   bool* complete = nullptr, ManifestFiles* files = nullptr);

}  // namespace portico::cp
