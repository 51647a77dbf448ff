// Objects as the Kubernetes API sends them (JSON) through the reflectors' cache and the
// whole translation: an object that cannot be read is refused with a problem, never a
// crash or an exception that escapes.
//
// Input: records separated by NUL bytes, each a kind index byte and the object's JSON.

#include <array>
#include <string>
#include <vector>

#include "controlplane/source/k8s/object_cache.h"
#include "controlplane/translate/translation.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::array<const char*, 9> kKinds{"GatewayClass", "Gateway",       "HTTPRoute", "TLSRoute", "ReferenceGrant",
                                                 "Service",      "EndpointSlice", "Namespace", "Secret"};
  portico::cp::k8s::ObjectCache cache;
  std::vector<portico::cp::Problem> problems;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t at = 0;
  for (int i = 0; at < input.size(); ++i) {
    std::size_t end = input.find('\0', at);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view record = input.substr(at, end - at);
    at = end + 1;
    if (record.empty()) continue;
    const char* kind = kKinds[static_cast<uint8_t>(record[0]) % kKinds.size()];
    const std::size_t before = problems.size();
    const bool stored = cache.upsert(kind, "fuzz/object-" + std::to_string(i % 4), std::string(record.substr(1)), problems);
    portico::fuzz::check(stored || problems.size() > before, "a refused object comes with a problem");
  }
  portico::cp::translate(cache.state());
  return 0;
}
