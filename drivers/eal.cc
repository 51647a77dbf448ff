#include "drivers/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <set>

namespace portico::drv {

dp::Status initEal(const std::vector<std::string>& args) {
  std::vector<std::string> storage{"portico"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(storage.size()), argv.data()) < 0) {
    return dp::Error{"EAL", std::string("initialisation failed: ") + rte_strerror(rte_errno) +
                                " (check the eal arguments; without hugepages use --no-huge -m 256)"};
  }
  return dp::Ok{};
}

std::vector<std::string> lcoreArgs(unsigned mainLcore, const std::vector<unsigned>& workers) {
  std::set<unsigned> all(workers.begin(), workers.end());
  all.insert(mainLcore);
  std::string list;
  for (unsigned l : all) list += (list.empty() ? "" : ",") + std::to_string(l);
  return {"-l", list, "--main-lcore", std::to_string(mainLcore)};
}

void cleanupEal() { rte_eal_cleanup(); }

}  // namespace portico::drv
