#pragma once

#include <cstdio>
#include <string>

namespace portico::bench {

// One figure as a line of JSON, in scripts/bench.sh's format. A floor (reference value
// measured in the same run) gives the ratio; without one both are null.
inline void figure(const std::string& name, double value, const char* unit, const std::string& conditions,
                   double floor = -1) {
  if (floor > 0) {
    std::printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"floor\": %.6g, \"ratio\": %.4f, "
                "\"conditions\": \"%s\"}\n",
                name.c_str(), value, unit, floor, value / floor, conditions.c_str());
    return;
  }
  std::printf("{\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"floor\": null, \"ratio\": null, "
              "\"conditions\": \"%s\"}\n",
              name.c_str(), value, unit, conditions.c_str());
}

}  // namespace portico::bench
