#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dataplane/stats/counters.h"

namespace portico::dp {

// Counters by name: events, the sum of drops ("dropped"), then every drop reason that
// is not zero (all of them when `all` is set) as "drop.<reason>".
std::vector<std::pair<std::string, uint64_t>> counterValues(const LcoreCounters& c, bool all = false);

// The same as one line of "name=value" pairs.
std::string formatCounters(const LcoreCounters& c, bool all = false);

// Adds up the per-lcore counters.
void sumCounters(std::span<const LcoreCounters> lcores, LcoreCounters& total);

}  // namespace portico::dp
