#pragma once

// YAML documents read with libyaml into a flat, read-only tree: what the manifest and
// Kubernetes readers need (mappings, sequences, scalars, nulls, anchors), one document
// at a time: reading 10 000 routes' manifests decides the cold start
// (`config.cold_sync_ms`, docs/benchmarks.md).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::cp::yaml {

// Where a stream stopped being YAML, counted from 0 as libyaml counts.
struct ParseError {
  std::size_t line = 0, column = 0;
  std::string message;
};

class Document;

// A node of a Document, or no node (a key the mapping lacks): false as a bool. A Node
// is valid while its Document lives.
class Node {
 public:
  Node() = default;
  explicit operator bool() const { return doc_ != nullptr; }
  // A plain "", "~" or "null" (any case yaml-cpp accepts) is null, as in YAML's core
  // schema; quoted, it is a string.
  bool isNull() const;
  bool isScalar() const;
  bool isSequence() const;
  bool isMap() const;
  const std::string& scalar() const;  // empty unless a scalar
  std::size_t size() const;           // items of a sequence, pairs of a mapping
  Node operator[](std::size_t i) const;        // a sequence's item
  Node operator[](std::string_view key) const;  // a mapping's value for a scalar key
  Node key(std::size_t i) const;                // a mapping's i-th pair
  Node value(std::size_t i) const;
  // A scalar as an integer (decimal, 0x hex or 0 octal, as yaml-cpp reads them) or a
  // boolean (true/false, yes/no, on/off, y/n in lower, upper or title case).
  std::optional<long long> integer() const;
  std::optional<bool> boolean() const;

 private:
  friend class Document;
  Node(const Document* doc, uint32_t index) : doc_(doc), index_(index) {}
  const Document* doc_ = nullptr;
  uint32_t index_ = 0;
};

class Document {
 public:
  Node root() const { return items_.empty() ? Node() : Node(this, root_); }

 private:
  friend class Node;
  friend class Stream;
  enum class Kind : uint8_t { kNull, kScalar, kSequence, kMap };
  struct Item {
    Kind kind = Kind::kNull;
    uint32_t first = 0, count = 0;  // a collection's children in children_ (a mapping's: key, value, ...)
    std::string scalar;
  };
  std::vector<Item> items_;
  std::vector<uint32_t> children_;
  uint32_t root_ = 0;
};

// The documents of one text in turn, each freed when the next is read.
class Stream {
 public:
  explicit Stream(std::string_view text);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // Reads the next document into `doc`; false at the end of the stream. Throws ParseError.
  bool next(Document& doc);
  // Whether the stream ends after the document `next` gave (reads one event ahead).
  bool atEnd();

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace portico::cp::yaml
