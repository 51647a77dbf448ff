// The out-of-order tracking of a connection's first bytes against a plain model: a set
// of received offsets. Whatever order segments come in, the contiguous prefix it reports
// is exactly the model's, and a segment it refuses (too many ranges) changes nothing.
//
// Input: 4-byte records, offset and length in a 4 KiB window.

#include <bitset>

#include "dataplane/l7/reassembly.h"
#include "tests/fuzz/fuzz_target.h"

using portico::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint32_t kWindow = 4096;
  portico::dp::l7::Reassembly r;
  std::bitset<kWindow * 2> have;
  for (size_t i = 0; i + 4 <= size; i += 4) {
    const uint32_t offset = (data[i] | data[i + 1] << 8) % kWindow;
    const uint32_t length = (data[i + 2] | data[i + 3] << 8) % kWindow;
    const auto before = r.contiguous();
    if (!r.add(offset, length)) {
      check(r.contiguous() == before, "a refused segment leaves the prefix alone");
      check(r.pendingRanges() == portico::dp::l7::Reassembly::kMaxRanges, "refused only when the ranges are full");
      continue;
    }
    for (uint32_t b = offset; b < offset + length; ++b) have.set(b);
    uint32_t prefix = 0;
    while (prefix < have.size() && have.test(prefix)) ++prefix;
    check(r.contiguous() == prefix, "the contiguous prefix is the model's");
    check(r.pendingRanges() <= portico::dp::l7::Reassembly::kMaxRanges, "ranges bounded");
  }
  return 0;
}
