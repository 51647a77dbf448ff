// controlplane.yaml on arbitrary text: read, or a problem naming the file, never a crash
// or an exception that escapes.

#include <string>

#include "controlplane/config/config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  portico::cp::ControlPlaneConfig config;
  portico::cp::Problem problem;
  if (!portico::cp::parseControlPlaneConfig(text, "fuzz.yaml", config, problem)) {
    portico::fuzz::check(problem.source == "fuzz.yaml" && !problem.message.empty(), "a problem names the file");
  } else {
    portico::fuzz::check(!config.dataplanes.empty(), "a config that reads has a dataplane");
  }
  return 0;
}
