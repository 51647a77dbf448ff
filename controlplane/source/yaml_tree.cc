#include "controlplane/source/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <unordered_map>

namespace portico::cp::yaml {

namespace {

const std::string kEmpty;

bool nullWord(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

// yaml-cpp's rule for words it reads as booleans: all lower, all upper, or title case.
bool flexibleCase(std::string_view s) {
  const auto lower = [](char c) { return !std::isupper(static_cast<unsigned char>(c)); };
  const auto upper = [](char c) { return !std::islower(static_cast<unsigned char>(c)); };
  if (s.empty() || std::all_of(s.begin(), s.end(), lower)) return true;
  return std::all_of(s.begin(), s.end(), upper) || (upper(s[0]) && std::all_of(s.begin() + 1, s.end(), lower));
}

}  // namespace

bool Node::isNull() const { return doc_ != nullptr && doc_->items_[index_].kind == Document::Kind::kNull; }
bool Node::isScalar() const { return doc_ != nullptr && doc_->items_[index_].kind == Document::Kind::kScalar; }
bool Node::isSequence() const { return doc_ != nullptr && doc_->items_[index_].kind == Document::Kind::kSequence; }
bool Node::isMap() const { return doc_ != nullptr && doc_->items_[index_].kind == Document::Kind::kMap; }

const std::string& Node::scalar() const { return isScalar() ? doc_->items_[index_].scalar : kEmpty; }

std::size_t Node::size() const {
  return isSequence() || isMap() ? doc_->items_[index_].count : 0;
}

Node Node::operator[](std::size_t i) const {
  if (!isSequence() || i >= size()) return {};
  return {doc_, doc_->children_[doc_->items_[index_].first + i]};
}

Node Node::key(std::size_t i) const {
  if (!isMap() || i >= size()) return {};
  return {doc_, doc_->children_[doc_->items_[index_].first + 2 * i]};
}

Node Node::value(std::size_t i) const {
  if (!isMap() || i >= size()) return {};
  return {doc_, doc_->children_[doc_->items_[index_].first + 2 * i + 1]};
}

Node Node::operator[](std::string_view k) const {
  for (std::size_t i = 0; i < size(); ++i) {
    const Node candidate = key(i);
    if (candidate.isScalar() && candidate.scalar() == k) return value(i);
  }
  return {};
}

std::optional<long long> Node::integer() const {
  if (!isScalar()) return std::nullopt;
  const std::string& s = scalar();
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str()) return std::nullopt;
  while (*end != '\0' && std::isspace(static_cast<unsigned char>(*end))) ++end;
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::optional<bool> Node::boolean() const {
  if (!isScalar() || !flexibleCase(scalar())) return std::nullopt;
  std::string s = scalar();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "y" || s == "yes" || s == "true" || s == "on") return true;
  if (s == "n" || s == "no" || s == "false" || s == "off") return false;
  return std::nullopt;
}

struct Stream::Parser {
  yaml_parser_t parser{};
  std::string_view text;
  yaml_event_t peeked{};
  bool havePeeked = false;
  std::unordered_map<std::string, uint32_t> anchors;
  std::vector<uint32_t> pending;  // children of the open collections, innermost last
  struct Open {
    uint32_t item;
    std::size_t firstPending;
  };
  std::vector<Open> open;

  ~Parser() {
    if (havePeeked) yaml_event_delete(&peeked);
    yaml_parser_delete(&parser);
  }

  [[noreturn]] void fail() {
    ParseError e;
    if (parser.error == YAML_READER_ERROR || parser.error == YAML_MEMORY_ERROR) {
      const std::size_t at = std::min(parser.problem_offset, text.size());
      e.line = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
      const auto lineStart = text.rfind('\n', at == 0 ? 0 : at - 1);
      e.column = lineStart == std::string_view::npos || at == 0 ? at : at - lineStart - 1;
    } else {
      e.line = parser.problem_mark.line;
      e.column = parser.problem_mark.column;
    }
    const std::string problem = parser.problem != nullptr ? parser.problem : "cannot be read";
    e.message = parser.context != nullptr ? std::string(parser.context) + ": " + problem : problem;
    throw e;
  }

  // The next event into `event`, which the caller must delete.
  void take(yaml_event_t& event) {
    if (havePeeked) {
      event = peeked;
      havePeeked = false;
      return;
    }
    if (yaml_parser_parse(&parser, &event) == 0) fail();
  }

  yaml_event_type_t peek() {
    if (!havePeeked) {
      if (yaml_parser_parse(&parser, &peeked) == 0) fail();
      havePeeked = true;
    }
    return peeked.type;
  }
};

Stream::Stream(std::string_view text) : parser_(std::make_unique<Parser>()) {
  yaml_parser_initialize(&parser_->parser);
  parser_->text = text;
  yaml_parser_set_input_string(&parser_->parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_parser_set_encoding(&parser_->parser, YAML_UTF8_ENCODING);
}

Stream::~Stream() = default;

bool Stream::atEnd() { return parser_->peek() == YAML_STREAM_END_EVENT; }

bool Stream::next(Document& doc) {
  Parser& p = *parser_;
  if (p.peek() == YAML_STREAM_START_EVENT) {
    yaml_event_t start;
    p.take(start);
    yaml_event_delete(&start);
  }
  if (p.peek() == YAML_STREAM_END_EVENT) return false;
  doc.items_.clear();
  doc.children_.clear();
  p.anchors.clear();
  p.pending.clear();
  p.open.clear();
  const auto add = [&](Document::Kind kind, const yaml_char_t* anchor) {
    const auto index = static_cast<uint32_t>(doc.items_.size());
    doc.items_.push_back({kind, 0, 0, {}});
    if (anchor != nullptr) p.anchors[reinterpret_cast<const char*>(anchor)] = index;
    return index;
  };
  for (;;) {
    yaml_event_t event;
    p.take(event);
    struct Deleter {
      yaml_event_t& e;
      ~Deleter() { yaml_event_delete(&e); }
    } deleter{event};
    switch (event.type) {
      case YAML_SCALAR_EVENT: {
        const auto& s = event.data.scalar;
        const std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
        const bool null = s.style == YAML_PLAIN_SCALAR_STYLE && s.tag == nullptr && nullWord(value);
        const uint32_t index = add(null ? Document::Kind::kNull : Document::Kind::kScalar, s.anchor);
        if (!null) doc.items_[index].scalar.assign(value);
        p.pending.push_back(index);
        break;
      }
      case YAML_ALIAS_EVENT: {
        const auto it = p.anchors.find(reinterpret_cast<const char*>(event.data.alias.anchor));
        const std::string name(reinterpret_cast<const char*>(event.data.alias.anchor));
        if (it == p.anchors.end()) throw ParseError{event.start_mark.line, event.start_mark.column, "unknown anchor '" + name + "'"};
        // A collection holding itself would make every reader that descends it loop.
        if (std::any_of(p.open.begin(), p.open.end(), [&](const Parser::Open& o) { return o.item == it->second; })) {
          throw ParseError{event.start_mark.line, event.start_mark.column, "alias '" + name + "' inside its own anchor"};
        }
        p.pending.push_back(it->second);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
        p.open.push_back({add(Document::Kind::kSequence, event.data.sequence_start.anchor), p.pending.size()});
        break;
      case YAML_MAPPING_START_EVENT:
        p.open.push_back({add(Document::Kind::kMap, event.data.mapping_start.anchor), p.pending.size()});
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        const Parser::Open closed = p.open.back();
        p.open.pop_back();
        auto& item = doc.items_[closed.item];
        const std::size_t n = p.pending.size() - closed.firstPending;
        item.first = static_cast<uint32_t>(doc.children_.size());
        item.count = static_cast<uint32_t>(item.kind == Document::Kind::kMap ? n / 2 : n);
        doc.children_.insert(doc.children_.end(), p.pending.begin() + static_cast<long>(closed.firstPending),
                             p.pending.end());
        p.pending.resize(closed.firstPending);
        p.pending.push_back(closed.item);
        break;
      }
      case YAML_DOCUMENT_END_EVENT:
        doc.root_ = p.pending.empty() ? add(Document::Kind::kNull, nullptr) : p.pending.front();
        return true;
      default:  // the document's start
        break;
    }
  }
}

}  // namespace portico::cp::yaml
