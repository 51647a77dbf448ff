#pragma once

#include <string>

namespace portico::cp {

// Something wrong with the input, named so a person can fix it: where it was read from,
// which object, which field. A problem never stops the objects that are fine.
struct Problem {
  std::string source;  // file (and document), or "kubernetes"
  std::string object;  // "HTTPRoute monitoring/prometheus", or empty
  std::string field;   // "spec.rules[0].backendRefs[1].port", or empty
  std::string message;

  std::string toString() const {
    std::string out = source;
    if (!object.empty()) out += (out.empty() ? "" : ": ") + object;
    if (!field.empty()) out += (out.empty() ? "" : ": ") + field;
    return out + (out.empty() ? "" : ": ") + message;
  }
};

}  // namespace portico::cp
