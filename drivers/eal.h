#pragma once

#include <string>
#include <vector>

#include "dataplane/common/result.h"

namespace portico::drv {

// Starts DPDK's EAL with the given arguments (argv[0] is supplied). Works without
// hugepages or PCI (--no-huge -m N --no-pci) for labs and tests.
dp::Status initEal(const std::vector<std::string>& args);

// Builds the lcore arguments (-l, --main-lcore) for a main lcore and its workers.
std::vector<std::string> lcoreArgs(unsigned mainLcore, const std::vector<unsigned>& workers);

void cleanupEal();

}  // namespace portico::drv
