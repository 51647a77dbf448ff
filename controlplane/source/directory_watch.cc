#include "controlplane/source/directory_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>

namespace portico::cp {

namespace {
constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF;
}

DirectoryWatch::DirectoryWatch(const std::string& root) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  if (fd_ >= 0) addTree(root);
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
  if (fd_ < 0 || !readEvents(static_cast<int>(timeout.count()))) return false;
  while (readEvents(static_cast<int>(settle.count()))) {
  }
  return true;
}

}  // namespace portico::cp
