#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace portico::cp {

// Watches a directory tree with inotify: any file written, created, moved or removed
// (in subfolders too, including ones created later) wakes waitForChange().
class DirectoryWatch {
 public:
  explicit DirectoryWatch(const std::string& root);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  bool ok() const { return fd_ >= 0; }
  // True when something changed within `timeout`; further events that arrive within
  // `settle` of the last are gathered into the same change.
  bool waitForChange(std::chrono::milliseconds timeout, std::chrono::milliseconds settle);

 private:
  void addTree(const std::string& dir);
  bool readEvents(int timeoutMs);

  std::string root_;
  int fd_ = -1;
  int rootWatch_ = -1;
  bool rootLost_ = false;  // the watched folder itself was removed or moved away
  std::vector<std::pair<int, std::string>> watches_;
};

}  // namespace portico::cp
