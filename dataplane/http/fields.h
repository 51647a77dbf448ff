#pragma once

// Small pieces of HTTP/1.1 syntax the proxy's parsers and writers share: case-insensitive
// names, line ends, one field line split into name and value, the tokens of a list header.

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace portico::dp::http {

inline char lowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lowerAscii(x) == lowerAscii(y); });
}

inline bool isDigit(char c) { return c >= '0' && c <= '9'; }

inline bool isTokenChar(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// The index of the line end (the CR of CRLF, or a bare LF) at or after `from`, or `end`.
inline std::size_t findLineEnd(const uint8_t* d, std::size_t from, std::size_t end) {
  for (std::size_t i = from; i < end; ++i) {
    if (d[i] == '\n') return i > from && d[i - 1] == '\r' ? i - 1 : i;
  }
  return end;
}

// Where the line after the one ending at `eol` starts.
inline std::size_t nextLine(const uint8_t* d, std::size_t eol, std::size_t end) {
  return eol < end && d[eol] == '\r' ? eol + 2 : eol + 1;
}

// "name: value" of one field line [at, eol): offsets of the name and of the value without
// surrounding whitespace. False for a line that is not a field.
inline bool splitField(const uint8_t* d, std::size_t at, std::size_t eol, uint16_t& name, uint16_t& nameLength,
                       uint16_t& value, uint16_t& valueLength) {
  std::size_t colon = at;
  while (colon < eol && d[colon] != ':') {
    if (!isTokenChar(d[colon])) return false;
    ++colon;
  }
  if (colon == eol || colon == at) return false;
  std::size_t v = colon + 1, e = eol;
  while (v < e && (d[v] == ' ' || d[v] == '\t')) ++v;
  while (e > v && (d[e - 1] == ' ' || d[e - 1] == '\t')) --e;
  name = static_cast<uint16_t>(at);
  nameLength = static_cast<uint16_t>(colon - at);
  value = static_cast<uint16_t>(v);
  valueLength = static_cast<uint16_t>(e - v);
  return true;
}

// Calls fn(token) for each comma-separated element of a list header value, trimmed.
template <typename Fn>
inline void forEachToken(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view t = list.substr(0, comma);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (!t.empty()) fn(t);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace portico::dp::http
