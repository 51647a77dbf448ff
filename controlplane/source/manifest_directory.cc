#include "controlplane/source/manifest_directory.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "controlplane/source/manifest_parser.h"

namespace portico::cp {

namespace {

int64_t nanoseconds(const timespec& t) { return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; }

int64_t wallClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool identityOf(const std::filesystem::path& path, ManifestFiles::Identity& id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  id = {st.st_dev, st.st_ino, st.st_size, nanoseconds(st.st_mtim), nanoseconds(st.st_ctim)};
  return true;
}

// The file's objects and problems, or false when it cannot be read.
bool readFile(const std::filesystem::path& path, ManifestFiles::File& file) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream text;
  text << in.rdbuf();
  file.objects = {};
  file.problems.clear();
  parseManifests(text.str(), path.string(), file.objects, file.problems);
  return true;
}

}  // namespace

ClusterState loadManifestDirectory(const std::string& directory, std::vector<Problem>& problems, bool* complete,
                                   ManifestFiles* cache) {
  ClusterState state;
  namespace fs = std::filesystem;
  bool ok = true;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    problems.push_back({directory, "", "", "is not a directory"});
    if (complete != nullptr) *complete = false;
    return state;
  }
  std::vector<fs::path> paths;
  auto it = fs::recursive_directory_iterator(directory, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // Hidden entries are skipped: a mounted ConfigMap keeps its data twice, under
    // "..<timestamp>" folders and through symlinks to them.
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    const auto ext = it->path().extension();
    if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) paths.push_back(it->path());
  }
  if (ec) {
    problems.push_back({directory, "", "", "cannot be read completely: " + ec.message()});
    ok = false;
  }
  std::sort(paths.begin(), paths.end());
  ManifestFiles none;
  ManifestFiles& files = cache != nullptr ? *cache : none;
  files.lastRead = 0;
  std::map<std::string, ManifestFiles::File> seen;
  for (const auto& path : paths) {
    ManifestFiles::Identity id;
    auto old = files.files.find(path.string());
    ManifestFiles::File file;
    const bool known = identityOf(path, id) && old != files.files.end() && old->second.identity == id &&
                       old->second.readAtNs - std::max(id.modifiedNs, id.changedNs) > files.racyNs;
    if (known) {
      file = std::move(old->second);
    } else {
      file.readAtNs = wallClockNs();
      if (!readFile(path, file)) {
        problems.push_back({path.string(), "", "", "cannot be read"});
        ok = false;
        continue;
      }
      file.identity = id;
      ++files.lastRead;
    }
    problems.insert(problems.end(), file.problems.begin(), file.problems.end());
    appendObjects(file.objects, state);
    if (cache != nullptr) seen.emplace(path.string(), std::move(file));
  }
  dropDuplicates(state, problems);  // across files: the first in path order is kept
  files.files = std::move(seen);   // files gone from the directory are forgotten
  if (complete != nullptr) *complete = ok;
  return state;
}

}  // namespace portico::cp
