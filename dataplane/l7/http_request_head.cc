#include "dataplane/l7/http_request_head.h"

#include <algorithm>
#include <cstring>

#include <emmintrin.h>

namespace portico::dp::l7 {

namespace {

// RFC 9110 tchar, as a table: the parser asks for every byte of every field name.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<uint8_t>(c)] = true;
  return t;
}();

bool isTokenChar(uint8_t c) { return kTokenChars[c]; }

// What a host name may hold (RFC 3986 reg-name, less percent-encoding), lowercased; 0 for
// anything else, which normalizeHost handles or rejects.
constexpr std::array<char, 256> kHostChars = [] {
  std::array<char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'a'; c <= 'z'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = static_cast<char>(c - 'A' + 'a');
  for (char c : std::string_view("-._~!$&'()*+,;=")) t[static_cast<uint8_t>(c)] = c;
  return t;
}();

bool isSpace(uint8_t c) { return c == ' ' || c == '\t'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

// The index of the first `c` at or after `from` (before `end`), or `end`. Inline and 16
// bytes at a time: header lines are a few dozen bytes, where a call to memchr costs
// more than the search.
std::size_t findByte(const uint8_t* d, std::size_t from, std::size_t end, uint8_t c) {
  const __m128i needle = _mm_set1_epi8(static_cast<char>(c));
  for (; from + 16 <= end; from += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d + from));
    const auto hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, needle)));
    if (hits != 0) return from + static_cast<std::size_t>(__builtin_ctz(hits));
  }
  while (from < end && d[from] != c) ++from;
  return from;
}

// Bytes of a 16-byte chunk in [lo, hi] (signed compares: bytes >= 0x80 are in no range).
__m128i inRange(__m128i c, char lo, char hi) {
  return _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8(static_cast<char>(lo - 1))),
                       _mm_cmplt_epi8(c, _mm_set1_epi8(static_cast<char>(hi + 1))));
}

// True when every byte of d[from, to) is a tchar. Field names are a handful of bytes,
// where a table lookup per byte costs less than setting up vector compares.
bool allTokenChars(const uint8_t* d, std::size_t from, std::size_t to) {
  for (; from < to; ++from) {
    if (!isTokenChar(d[from])) return false;
  }
  return true;
}

// The index of the next CR LF at or after `from` (before `end`), or `end`.
std::size_t nextCrlf(const uint8_t* d, std::size_t from, std::size_t end) {
  while (from < end) {
    const std::size_t at = findByte(d, from, end, '\r');
    if (at == end) return end;
    if (at + 1 < end && d[at + 1] == '\n') return at;
    from = at + 1;
  }
  return end;
}

// The method is checked before the whole head is in: a TLS ClientHello or binary sent
// to an HTTP port fails on its first byte instead of filling the buffer. Returns the
// index of the space after the method, `n` when all n bytes are tchars (also when n is
// 0), and otherwise 0: those bytes cannot start a request.
std::size_t methodEnd(const uint8_t* d, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (d[i] == ' ') return i;
    if (!isTokenChar(d[i])) return 0;
  }
  return n;
}

// "host" in any case, as one 4-byte compare: only 'h' and 'H' read as 'h' with bit 5
// set, and so on for each letter.
bool isHostName(const uint8_t* p) {
  uint32_t name, host;
  std::memcpy(&name, p, 4);
  std::memcpy(&host, "host", 4);
  return (name | 0x20202020u) == host;
}

bool splitTarget(std::string_view target, HttpRequestHead& out, std::string_view& authority) {
  authority = {};
  if (target.empty()) return false;
  if (target.front() != '/') {
    if (target == "*") {
      out.path = target;
      return true;
    }
    // absolute-form: scheme "://" authority path
    const auto scheme = target.find("://");
    if (scheme == std::string_view::npos || scheme == 0) return false;
    const std::string_view rest = target.substr(scheme + 3);
    const auto slash = rest.find_first_of("/?");
    authority = rest.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    if (authority.empty()) return false;
    if (target.front() == '?') {
      out.path = "/";
      out.query = target.substr(1);
      return true;
    }
  }
  const auto* t = reinterpret_cast<const uint8_t*>(target.data());
  const std::size_t q = findByte(t, 0, target.size(), '?');
  out.path = std::string_view(target.data(), q);
  out.query = q == target.size() ? std::string_view{} : std::string_view(target.data() + q + 1, target.size() - q - 1);
  return true;
}

}  // namespace

std::optional<std::string_view> HttpRequestHead::header(std::string_view name) const {
  for (uint16_t i = 0; i < headerCount; ++i) {
    if (equalsNoCase(headerName(i), name)) return headerValue(i);
  }
  return std::nullopt;
}

bool normalizeHost(std::string_view authority, HttpRequestHead& out) {
  // Most names are letters, digits, '-' and '.': those are lowercased and copied 16 bytes
  // at a time, up to the first other byte; the table below takes it from there.
  std::size_t n = 0;
  const auto* a = reinterpret_cast<const uint8_t*>(authority.data());
  while (n + 16 <= authority.size() && n + 16 <= kMaxHostLength) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + n));
    const __m128i upper = inRange(c, 'A', 'Z');
    const __m128i plain = _mm_or_si128(_mm_or_si128(inRange(c, 'a', 'z'), inRange(c, '0', '9')),
                                       _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('-')),
                                                    _mm_cmpeq_epi8(c, _mm_set1_epi8('.'))));
    const __m128i lowered = _mm_or_si128(c, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    const auto ok = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(upper, plain)));
    if (ok != 0xffff) {
      // Copy the plain run before the first other byte; the loop below goes on from it.
      const auto run = static_cast<std::size_t>(__builtin_ctz(~ok));
      alignas(16) char tmp[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), lowered);
      std::memcpy(out.hostBuf_.data() + n, tmp, run);
      n += run;
      break;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.hostBuf_.data() + n), lowered);
    n += 16;
  }
  // One pass with a table: the name is lowercased as it is copied; a port, userinfo (only
  // legal in an absolute-form target, and dropped) and IPv6 literals are the exceptions.
  bool literal = false;
  for (std::size_t i = n; i < authority.size(); ++i) {
    const auto c = static_cast<uint8_t>(authority[i]);
    char h = kHostChars[c];
    if (h == 0) {
      if (c == '@') {
        n = 0;
        literal = false;
        continue;
      }
      if (c == '[' && n == 0) {
        literal = true;
      } else if (c == ']' && literal) {
        literal = false;
        if (i + 1 < authority.size() && authority[i + 1] != ':') return false;
      } else if (c == ':' && !literal) {
        for (char d : authority.substr(i + 1)) {
          if (d < '0' || d > '9') return false;
        }
        break;
      } else if (c != ':') {
        return false;
      }
      h = static_cast<char>(c);
    }
    // Every byte kept counts against the buffer, an IPv6 literal's brackets and colons
    // too (a host of 300 colons once ran past it: found by the http_request_head fuzz
    // target under ASan).
    if (n == kMaxHostLength) return false;
    out.hostBuf_[n++] = h;
  }
  if (literal) return false;
  // A fully qualified name's trailing dot names the same host.
  if (n > 1 && out.hostBuf_[n - 1] == '.') --n;
  out.hostLength_ = static_cast<uint8_t>(n);
  return true;
}

ParseOutcome parseRequestHead(std::span<uint8_t> data, std::size_t limit, HttpRequestHead& out) {
  // Offsets into the head are 16-bit.
  const std::size_t available = std::min({data.size(), limit, std::size_t{0xffff}});
  uint8_t* d = data.data();
  const std::size_t checked = std::min<std::size_t>(available, 32);
  const std::size_t method = methodEnd(d, checked);
  if (method == 0 && checked > 0) return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  // Not there yet: more may come, unless the limit is reached.
  const auto incomplete = [&] {
    return data.size() >= limit ? ParseOutcome::failed(DropReason::kL7HeadTooLarge) : ParseOutcome::incomplete();
  };
  const auto* text = reinterpret_cast<const char*>(d);
  out.base_ = text;
  out.headerCount = 0;
  out.hostLength_ = 0;
  out.query = {};

  // Request line: method SP target SP HTTP/1.x
  const std::size_t lineEnd = nextCrlf(d, 0, available);
  if (lineEnd == available) return incomplete();
  const std::size_t sp1 = method < checked ? method : findByte(d, 0, lineEnd, ' ');
  if (sp1 == lineEnd) return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  // The last space: where a well-formed version puts it, else found backwards.
  std::size_t sp2 = lineEnd >= sp1 + 10 && d[lineEnd - 9] == ' ' ? lineEnd - 9 : lineEnd;
  if (sp2 == lineEnd) {
    while (d[sp2 - 1] != ' ') --sp2;
    if (--sp2 == sp1) return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  }
  out.method = std::string_view(text, sp1);
  // "HTTP/1." and a minor version of 0 or 1, as one 8-byte compare (bit 0 of the last
  // byte tells '0' from '1').
  uint64_t version = 0, expected = 0;
  std::memcpy(&expected, "HTTP/1.0", 8);
  if (lineEnd - sp2 - 1 == 8) std::memcpy(&version, d + sp2 + 1, 8);
  if ((version & ~(uint64_t{1} << 56)) != expected) return ParseOutcome::failed(DropReason::kL7BadVersion);
  out.versionMinor = static_cast<uint8_t>(d[sp2 + 8] - '0');
  std::string_view authority;
  if (findByte(d, sp1 + 1, sp2, ' ') != sp2 ||
      !splitTarget(std::string_view(text + sp1 + 1, sp2 - sp1 - 1), out, authority)) {
    return ParseOutcome::failed(DropReason::kL7BadRequestLine);
  }

  // Header fields up to the empty line, in the same pass that finds it; an obsolete fold
  // (CRLF then SP/HT) becomes spaces in place.
  std::size_t pos = lineEnd + 2;
  // Whitespace before the first field would fold into the request line.
  if (pos < available && isSpace(d[pos])) return ParseOutcome::failed(DropReason::kL7BadHeader);
  std::string_view host;
  bool sawHost = false;
  while (true) {
    if (pos + 2 > available) return incomplete();
    if (d[pos] == '\r' && d[pos + 1] == '\n') break;
    // The colon first, then the name before it is checked, then the end of the line from
    // the colon on.
    const std::size_t colon = findByte(d, pos, available, ':');
    if (!allTokenChars(d, pos, colon)) return ParseOutcome::failed(DropReason::kL7BadHeader);
    if (colon == available) return incomplete();
    if (colon == pos) return ParseOutcome::failed(DropReason::kL7BadHeader);
    std::size_t eol = nextCrlf(d, colon + 1, available);
    if (eol == available) return incomplete();
    while (true) {
      if (eol + 2 >= available) return incomplete();  // a fold may follow
      if (!isSpace(d[eol + 2])) break;
      d[eol] = ' ';
      d[eol + 1] = ' ';
      eol = nextCrlf(d, eol + 2, available);
      if (eol == available) return incomplete();
    }
    if (out.headerCount == kMaxHeaders) return ParseOutcome::failed(DropReason::kL7TooManyHeaders);
    std::size_t v = colon + 1, ve = eol;
    while (v < ve && isSpace(d[v])) ++v;
    while (ve > v && isSpace(d[ve - 1])) --ve;
    out.fields_[out.headerCount++] = {static_cast<uint16_t>(pos), static_cast<uint16_t>(colon - pos),
                                      static_cast<uint16_t>(v), static_cast<uint16_t>(ve - v)};
    if (colon - pos == 4 && isHostName(d + pos)) {
      if (sawHost) return ParseOutcome::failed(DropReason::kL7DuplicateHost);
      sawHost = true;
      host = std::string_view(text + v, ve - v);
    }
    pos = eol + 2;
  }
  out.length = static_cast<uint32_t>(pos + 2);
  if (!authority.empty()) host = authority;  // RFC 9112 3.2.2: the target's authority wins
  if (!sawHost && authority.empty() && out.versionMinor == 1) return ParseOutcome::failed(DropReason::kL7MissingHost);
  if (!normalizeHost(host, out)) return ParseOutcome::failed(DropReason::kL7BadHost);
  return ParseOutcome::complete();
}

}  // namespace portico::dp::l7
