// The request head parser on arbitrary bytes. Beyond not crashing: a complete head's
// fields lie inside the head, and a head that parses whole is never refused or taken as
// complete while only part of it has arrived (segments come in any sizes).

#include <cctype>
#include <vector>

#include "dataplane/l7/http_request_head.h"
#include "tests/fuzz/fuzz_target.h"

using portico::dp::l7::HttpRequestHead;
using portico::dp::l7::ParseStatus;
using portico::fuzz::check;

namespace {

constexpr std::size_t kLimit = 16384;

bool inside(std::string_view v, const uint8_t* base, std::size_t length) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return v.empty() || (p >= base && p + v.size() <= base + length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kLimit) return 0;
  std::vector<uint8_t> whole(data, data + size);
  HttpRequestHead head;
  const auto outcome = portico::dp::l7::parseRequestHead(whole, kLimit, head);
  if (outcome.status != ParseStatus::kComplete) return 0;

  check(head.length > 0 && head.length <= size, "head length within the bytes");
  check(whole[head.length - 1] == '\n', "head ends at a line end");
  check(head.headerCount <= portico::dp::l7::kMaxHeaders, "header count bounded");
  check(!head.method.empty(), "method present");
  // An absolute-form target with no path ("http://host") has the path "/", from no buffer.
  check(inside(head.method, whole.data(), head.length) &&
            (inside(head.path, whole.data(), head.length) || head.path == "/") &&
            inside(head.query, whole.data(), head.length),
        "request line fields inside the head");
  for (uint16_t i = 0; i < head.headerCount; ++i) {
    check(!head.headerName(i).empty(), "header names are not empty");
    check(inside(head.headerName(i), whole.data(), head.length) && inside(head.headerValue(i), whole.data(), head.length),
          "header fields inside the head");
  }
  for (char c : head.host()) check(!std::isupper(static_cast<unsigned char>(c)), "host lowercased");

  // The same bytes arriving in two pieces: the first piece is never complete or refused.
  for (const std::size_t cut : {std::size_t{head.length - 1}, std::size_t{head.length / 2}}) {
    std::vector<uint8_t> part(data, data + cut);
    HttpRequestHead partial;
    const auto early = portico::dp::l7::parseRequestHead(part, kLimit, partial);
    check(early.status == ParseStatus::kIncomplete, "a prefix of a valid head is incomplete");
  }
  return 0;
}
