#include "controlplane/source/directory_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

namespace portico::cp {

namespace {
constexpr uint32_t kEvents =
    IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;
}

DirectoryWatch::DirectoryWatch(const std::string& root) : root_(root), fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (fd_ >= 0) addTree(root);
  if (!watches_.empty()) rootWatch_ = watches_.front().first;
}

DirectoryWatch::~DirectoryWatch() {
  if (fd_ >= 0) close(fd_);
}

void DirectoryWatch::addTree(const std::string& dir) {
  const int wd = inotify_add_watch(fd_, dir.c_str(), kEvents);
  if (wd >= 0) watches_.emplace_back(wd, dir);
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) addTree(it->path().string());
  }
}

bool DirectoryWatch::readEvents(int timeoutMs) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeoutMs) <= 0) return false;
  alignas(inotify_event) char buf[8192];
  bool any = false;
  ssize_t n;
  while ((n = read(fd_, buf, sizeof buf)) > 0) {
    for (char* at = buf; at < buf + n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(at);
      any = true;
      if (e->wd == rootWatch_ && (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))) rootLost_ = true;
      // A new subfolder is watched too, so files written into it later are seen.
      if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) && e->len > 0) {
        for (const auto& [wd, path] : watches_) {
          if (wd == e->wd) {
            addTree(path + "/" + e->name);
            break;
          }
        }
      }
      at += sizeof(inotify_event) + e->len;
    }
  }
  return any;
}

bool DirectoryWatch::waitForChange(std::chrono::milliseconds timeout, std::chrono::milliseconds settle) {
  if (rootLost_) {
    // The folder was replaced (mv new manifests): watch whatever now has its name.
    std::error_code ec;
    if (!std::filesystem::is_directory(root_, ec)) {
      std::this_thread::sleep_for(timeout);
      return false;
    }
    for (const auto& w : watches_) inotify_rm_watch(fd_, w.first);
    watches_.clear();
    addTree(root_);
    rootWatch_ = watches_.empty() ? -1 : watches_.front().first;
    rootLost_ = false;
    return true;
  }
  if (fd_ < 0 || !readEvents(static_cast<int>(timeout.count()))) return false;
  // A file rewritten without pause must not hold the reload off for ever.
  const auto deadline = std::chrono::steady_clock::now() + std::max(settle * 10, std::chrono::milliseconds(2000));
  while (std::chrono::steady_clock::now() < deadline && readEvents(static_cast<int>(settle.count()))) {
  }
  return true;
}

}  // namespace portico::cp
