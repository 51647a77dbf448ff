// dataplane.yaml on arbitrary text: an answer or an error naming the file, never a crash
// or an exception that escapes.

#include <string>

#include "dataplane/config/config.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto config = portico::dp::config::parseConfig(text, "fuzz.yaml");
  if (!config) {
    portico::fuzz::check(config.error().toString().rfind("fuzz.yaml", 0) == 0, "an error names the file first");
  }
  return 0;
}
