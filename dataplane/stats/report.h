#pragma once

#include <span>
#include <string>

#include "dataplane/stats/counters.h"

namespace portico::dp {

// One line of "name=value" pairs for a set of counters: events first, then every drop
// reason that is not zero (all of them when `all` is set).
std::string formatCounters(const LcoreCounters& c, bool all = false);

// Adds up the per-lcore counters.
void sumCounters(std::span<const LcoreCounters> lcores, LcoreCounters& total);

}  // namespace portico::dp
