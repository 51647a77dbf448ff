// A backend's response: head, framing and body on arbitrary bytes. The body framer must
// find the same end of the message however the bytes are cut into reads, or a kept-alive
// upstream connection would hand the next client part of this response.
//
// Input: one byte for the read size, one for the request method, then the response.

#include <algorithm>

#include "dataplane/http/body_framer.h"
#include "dataplane/http/framing.h"
#include "dataplane/http/response_head.h"
#include "tests/fuzz/fuzz_target.h"

using portico::dp::http::BodyFramer;
using portico::dp::l7::ParseStatus;
using portico::fuzz::check;

namespace {

constexpr std::size_t kLimit = 16384;

struct BodyEnd {
  std::size_t consumed = 0;
  bool done = false, failed = false;
};

// Feeds `body` in reads of `step` bytes until the framer stops taking them.
BodyEnd frame(const portico::dp::http::Framing& f, std::span<const uint8_t> body, std::size_t step) {
  BodyFramer framer;
  framer.start(f.body, f.length);
  BodyEnd end;
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t n = std::min(step, body.size() - at);
    const std::size_t took = framer.feed(body.subspan(at, n));
    check(took <= n, "the framer takes no more than it is given");
    end.consumed += took;
    at += n;
    if (took < n) break;
  }
  end.done = framer.done();
  end.failed = framer.failed();
  return end;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > kLimit) return 0;
  const std::size_t step = static_cast<std::size_t>(data[0]) + 1;
  const std::string_view method = (data[1] & 1) != 0 ? "HEAD" : "GET";
  const std::span<const uint8_t> response(data + 2, size - 2);

  portico::dp::http::ResponseHead head;
  const auto outcome = portico::dp::http::parseResponseHead(response, kLimit, head);
  if (outcome.status != ParseStatus::kComplete) return 0;
  check(head.length > 0 && head.length <= response.size(), "head length within the bytes");
  check(head.headerCount <= portico::dp::http::kMaxResponseHeaders, "header count bounded");
  for (uint16_t i = 0; i < head.headerCount; ++i) {
    const auto* name = reinterpret_cast<const uint8_t*>(head.headerName(i).data());
    const auto* value = reinterpret_cast<const uint8_t*>(head.headerValue(i).data());
    check(name >= response.data() && name + head.headerName(i).size() <= response.data() + head.length,
          "header name inside the head");
    check(head.headerValue(i).empty() ||
              (value >= response.data() && value + head.headerValue(i).size() <= response.data() + head.length),
          "header value inside the head");
  }

  const auto framing = portico::dp::http::responseFraming(head, method);
  if (framing.invalid) return 0;
  const auto body = response.subspan(head.length);
  const BodyEnd whole = frame(framing, body, body.size() + 1);
  const BodyEnd pieces = frame(framing, body, step);
  check(whole.consumed == pieces.consumed && whole.done == pieces.done && whole.failed == pieces.failed,
        "the body ends at the same byte however it is read");
  return 0;
}
