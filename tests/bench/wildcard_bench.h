#pragma once

namespace portico::bench {

// Wildcard hostnames, the dataplane's suffix table against the Hyperscan literal
// database it replaced, at 1 000 to 100 000 names: ns per lookup (rounds alternate in
// one process), build time and memory. Returns the process exit code.
int wildcardMatch(int repeats);

}  // namespace portico::bench
