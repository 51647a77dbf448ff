// Manifest text through the parser and the whole Gateway API translation: problems for
// what cannot be understood, a translation for the rest, never a crash or an exception
// that escapes.

#include <string>
#include <vector>

#include "controlplane/source/manifest_parser.h"
#include "controlplane/translate/translation.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  portico::cp::ClusterState state;
  std::vector<portico::cp::Problem> problems;
  portico::cp::parseManifests(text, "fuzz.yaml", state, problems);
  for (const auto& p : problems) portico::fuzz::check(!p.message.empty(), "a problem says what is wrong");
  portico::cp::translate(state);
  return 0;
}
